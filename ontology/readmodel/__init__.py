"""The read model: per store version, what the hot read paths need, in memory (see :mod:`ontology.readmodel.model`)."""

from ontology.readmodel.adjacency import Adjacency
from ontology.readmodel.model import PARTS, ReadModel

__all__ = ["PARTS", "Adjacency", "ReadModel"]
