"""Forms: bookings."""
