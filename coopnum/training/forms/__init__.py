"""Forms of the training domain (SafeForm)."""
