"""public: pages (to be written)."""
