"""Reference implementations: a registry linking every implementable concept to runnable code.

``create``, ``get_implementation`` and ``list_implementations`` never import torch themselves;
building an implementation or smoke-testing it does.
"""

from implementations.registry.factory import AmbiguousImplementationError, UnknownImplementationError, create, get_implementation
from implementations.registry.spec import (
    Family,
    ImplementationError,
    ImplementationSpec,
    Origin,
    list_implementations,
    register_implementation,
)
from implementations.sandbox.sandbox import smoke_test

__all__ = [
    "AmbiguousImplementationError",
    "Family",
    "ImplementationError",
    "ImplementationSpec",
    "Origin",
    "UnknownImplementationError",
    "create",
    "get_implementation",
    "list_implementations",
    "register_implementation",
    "smoke_test",
]
