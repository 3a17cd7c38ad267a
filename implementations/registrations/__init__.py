"""Registrations of components, written as data (no torch import); listed in ``implementations.registry.spec.REGISTRATION_MODULES``."""
