"""Forms: skills."""
