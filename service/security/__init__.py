"""Access control, limits and privacy protection for the HTTP service."""
