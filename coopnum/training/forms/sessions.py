"""Forms: sessions."""
