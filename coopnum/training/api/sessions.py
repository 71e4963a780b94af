"""API: training sessions and attendance."""
