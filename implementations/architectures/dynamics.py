"""Architectures of this family (being written)."""
