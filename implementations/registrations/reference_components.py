"""Registrations of components added to finish the coverage list (data only)."""
