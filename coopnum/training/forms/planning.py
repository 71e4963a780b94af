"""Forms: planning."""
