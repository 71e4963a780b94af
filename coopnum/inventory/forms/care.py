"""Forms: care."""
