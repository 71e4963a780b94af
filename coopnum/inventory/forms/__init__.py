"""Forms of the inventory domain (SafeForm): assets, bookings, care."""
