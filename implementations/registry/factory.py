"""Look up and build implementations by term name (names resolve exactly as in the graph)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, import_target, registry
from loaders.curated import load_curated
from ontology.names import NameIndex


class UnknownImplementationError(LookupError):
    """No registered implementation for a term; the message suggests close names."""

    def __init__(self, term: str, message: str, suggestions: list[str]) -> None:
        super().__init__(message)
        self.term = term
        self.suggestions = suggestions

    def __str__(self) -> str:
        return str(self.args[0])


class AmbiguousImplementationError(LookupError):
    """A term names several concepts that each have an implementation ("SNN"); ``candidates`` are their slugs."""

    def __init__(self, term: str, candidates: list[str], labels: list[str]) -> None:
        super().__init__(f"'{term}' names several implemented concepts: {', '.join(labels)} — use one of {', '.join(candidates)}")
        self.term = term
        self.candidates = candidates

    def __str__(self) -> str:
        return str(self.args[0])


@functools.cache
def concept_names() -> NameIndex:
    """The built-in graph's concept names (labels, aliases, merged aliases) → concept slugs."""
    data = load_curated()
    rows: list[tuple[str, str, bool]] = []
    for concept in data.concepts.values():
        rows.append((concept.id, concept.name, True))
        rows += [(concept.id, alt, False) for alt in concept.alt_names]
    rows += [(merge.concept, alt, False) for merge in data.merges for alt in merge.alt_names]
    return NameIndex.from_labels(rows, kinds={concept.id: concept.kind.value for concept in data.concepts.values()})


def get_implementation(term: str) -> ImplementationSpec:
    """The registration for ``term`` (a slug, name or alias, any case or punctuation).

    Raises:
        UnknownImplementationError: The term is unknown, or names a concept with no implementation.
        AmbiguousImplementationError: The term names several concepts with an implementation.

    """
    specs = registry()
    if term in specs:
        return specs[term]
    names = concept_names()
    slugs = names.resolve_typed(term)
    found = [specs[s] for s in slugs if s in specs]
    if len(found) > 1:
        raise AmbiguousImplementationError(term, [f.concept for f in found], [names.preferred.get(f.concept, f.concept) for f in found])
    if found:
        return found[0]
    if slugs:
        label = names.preferred.get(slugs[0], slugs[0])
        raise UnknownImplementationError(term, f"'{label}' has no registered implementation (see `nnvocab coverage`)", [])
    suggestions = names.suggest(term, among=specs)
    hint = f" — did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise UnknownImplementationError(term, f"unknown term '{term}'{hint}", suggestions)


def create(term: str, *, params: Iterable[Any] | None = None, optimizer: Any = None, **kwargs: Any) -> Any:
    """Build the implementation of ``term``.

    Modules and losses come back as ``nn.Module`` instances; optimizers need ``params`` and
    schedulers need ``optimizer``; initializers come back as a function of a tensor.

    Example:
        >>> create("AdamW", params=model.parameters(), lr=1e-3)  # doctest: +SKIP

    Raises:
        UnknownImplementationError: Unknown term.
        ImplementationError: Unknown or ill-typed arguments, or a missing ``params``/``optimizer``.

    """
    from implementations.registry.spec import ImplementationError

    spec = get_implementation(term)
    args = spec.validate_args(kwargs)
    target = import_target(spec.target)
    if spec.family is Family.OPTIMIZER:
        if params is None:
            raise ImplementationError(f"{spec.concept} is an optimizer: pass params=model.parameters()")
        return target(params, **args)
    if spec.family is Family.SCHEDULER:
        if optimizer is None:
            raise ImplementationError(f"{spec.concept} is a scheduler: pass optimizer=...")
        return target(optimizer, **args)
    if spec.family is Family.INITIALIZER:
        return functools.partial(target, **args)
    return target(**args)
