"""API: skills and people's levels."""
