"""Anatomy: what an instantiated network is made of (module → concept mapping as data), model-claim checks, training advice."""
