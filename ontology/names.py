"""Name resolution and "did you mean": what a user types becomes concept IRIs here, and only here.

``"layer norm"``, ``"LayerNorm"`` and ``"Layer Normalization"`` meet at the same key because
:func:`normalise` drops case, spaces and punctuation; labels are indexed with and without a
trailing parenthetical (``"Grouped-Query Attention (GQA)"``), and a plural finds its singular
(``"transformers"``, ``"layer norms"``, ``"GANs"``, ``"losses"``): that is :meth:`NameIndex.resolve`,
matching by name, which the loaders merge on. What a person typed (:meth:`NameIndex.resolve_typed`)
is then also tried in the other forms people write, the first that names something wins:

1. without a library module path: ``nn.LayerNorm``, ``torch.optim.AdamW``, ``keras.layers.Dense``
   (a path narrows an ambiguous name to what a library class can be: ``Dense`` → Linear, not a dense tensor);
2. without a trailing role word, when the rest names a concept of a fitting kind: ``"Adam optimizer"``,
   ``"dropout layers"``, ``"GELU activation"``, ``"MSELoss"`` (a loss) — never ``"Sparse layer"`` → Sparse;
3. ``"A/B"`` when A and B name the same concept: ``"Linear/Dense"``.

A name carried by several concepts (``"SNN"``, ``"Dense"``) resolves to all of them: the caller
reports the ambiguity. Every "did you mean" is ranked by :func:`closest_names`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

_PAREN = re.compile(r"\s*\([^)]*\)\s*")
_MODULE_PATH = re.compile(
    r"^\s*(?:(?:torch|tf|keras|nn|optim|functional|init|layers|optimizers|losses|activations|lr_scheduler|utils|F)\.)+(?=\w)",
    re.IGNORECASE,
)
_MODULE_KINDS = frozenset({"LAYER", "ATTENTION", "NORMALIZATION", "REGULARIZATION", "ACTIVATION", "EMBEDDING"})
_LIBRARY_KINDS = _MODULE_KINDS | {"LOSS", "OPTIMIZER", "SCHEDULER", "INITIALIZATION"}  # what a library class can be
_ROLE_KINDS: dict[str, frozenset[str]] = {  # a trailing role word (normalised) → the kinds it may describe
    "layer": _MODULE_KINDS,
    "activation": frozenset({"ACTIVATION"}),
    "activationfunction": frozenset({"ACTIVATION"}),
    "attention": frozenset({"ATTENTION"}),
    "loss": frozenset({"LOSS"}),
    "lossfunction": frozenset({"LOSS"}),
    "function": frozenset({"LOSS", "ACTIVATION"}),
    "optimizer": frozenset({"OPTIMIZER"}),
    "optimiser": frozenset({"OPTIMIZER"}),
    "scheduler": frozenset({"SCHEDULER"}),
}
_ROLES = sorted(_ROLE_KINDS, key=len, reverse=True)  # "lossfunction" before "function"
MIN_SIMILARITY = 0.55  # edit similarity of a plausible suggestion: about two edits in five letters
MIN_PARTIAL_SCORE = 85  # or a WRatio this high: "layer norm thing" still suggests Layer Normalization


class UnknownNameError(LookupError):
    """No concept carries this name; ``suggestions`` holds the closest names."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f" — did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown term '{name}'{hint}")
        self.name = name
        self.suggestions = suggestions

    def __str__(self) -> str:
        return str(self.args[0])


def normalise(text: str) -> str:
    """Case-, accent-, space- and punctuation-insensitive key of a label."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[^a-z0-9+]", "", folded)


def _variants(text: str) -> list[str]:
    """The keys of ``text`` with and without a trailing parenthetical, longest first."""
    keys = {normalise(text)}
    stripped = _PAREN.sub(" ", text).strip()
    if stripped and stripped != text:
        keys.add(normalise(stripped))
    return sorted((k for k in keys if k), key=len, reverse=True)


def _singulars(key: str) -> list[str]:
    """Singular forms of a plural key, most likely first (``"gans"`` → ``"gan"``, ``"losses"`` → ``"loss"``)."""
    forms = [key[:-1]] if key.endswith("s") else []
    if key.endswith("es"):
        forms.append(key[:-2])
    if key.endswith("ies"):
        forms.append(key[:-3] + "y")
    return [f for f in forms if len(f) > 1]


def _forms(name: str) -> list[str]:
    """The keys of ``name`` (:func:`_variants`), then their singulars."""
    keys = _variants(name)
    return [*keys, *(singular for key in keys for singular in _singulars(key))]


def closest_names(name: str, shown_by_key: Mapping[str, Sequence[str]], limit: int = 5) -> list[str]:
    """Up to ``limit`` names to suggest for ``name``, best first: the one ranking behind every "did you mean".

    Candidates are ranked by the edit similarity of their key to ``name``'s key (optimal string
    alignment: a swap of two neighbouring letters is one edit), so a one- or two-edit typo of a
    name puts that name first ("layernrom" → "Layer Normalization", not "Layer"); ties go to the
    higher ``fuzz.WRatio`` (words out of order, partial words), then to the key. A candidate that is
    neither similar (:data:`MIN_SIMILARITY`) nor a good partial match (:data:`MIN_PARTIAL_SCORE`) is
    noise and left out, so gibberish gets no suggestion at all.

    Args:
        name: What the user typed.
        shown_by_key: Each candidate key (a label or alias, :func:`normalise` d) → the names to
            show when it matches (the preferred labels of the things carrying it).
        limit: How many names at most.

    """
    key = normalise(name)
    keys = list(shown_by_key)
    if not key or not keys:
        return []
    shortlist = process.extract(key, keys, scorer=OSA.normalized_similarity, processor=None, limit=limit * 8)
    partial = {hit[0]: fuzz.WRatio(key, hit[0]) for hit in shortlist}
    plausible = [hit for hit in shortlist if hit[1] >= MIN_SIMILARITY or partial[hit[0]] >= MIN_PARTIAL_SCORE]
    ranked = sorted(plausible, key=lambda hit: (-hit[1], -partial[hit[0]], hit[0]))
    names: list[str] = []
    for matched, _score, _ in ranked:
        names += [shown for shown in sorted(shown_by_key[matched]) if shown not in names]
    return names[:limit]


@dataclass
class NameIndex:
    """Labels → IRIs, the preferred label of each IRI (for suggestions) and, where known, its kind."""

    keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    preferred: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_labels(cls, rows: Iterable[tuple[str, str, bool]], kinds: Mapping[str, str] | None = None) -> NameIndex:
        """Build from ``(iri, label, is_preferred)`` rows and, optionally, each IRI's kind (``"LOSS"``).

        Without a kind, an IRI is never reached by stripping a role word (``"X loss"``).
        """
        index = cls(kinds=dict(kinds or {}))
        for iri, label, is_preferred in rows:
            index.add(iri, label, preferred=is_preferred)
        return index

    def add(self, iri: str, label: str, *, preferred: bool = False) -> None:
        """Index one label of ``iri``."""
        if preferred:
            self.preferred.setdefault(iri, label)
        for key in _variants(label):
            self.keys[key].add(iri)
            self.labels.setdefault(key, label)

    def resolve(self, name: str) -> list[str]:
        """Every IRI carrying ``name``, or its singular, as a label or alias (sorted); empty when none does.

        This is matching by name, what the loaders merge and link on; :meth:`resolve_typed` also reads
        the other forms people write.
        """
        for key in _forms(name):
            if key in self.keys:
                return sorted(self.keys[key])
        return []

    def labels_of(self, iri: str) -> list[str]:
        """The labels (as first indexed) under which ``iri`` is found; a scan, for occasional use."""
        return sorted({self.labels[key] for key, iris in self.keys.items() if iri in iris})

    def resolve_typed(self, name: str) -> list[str]:
        """Like :meth:`resolve`, then the forms people write (module path, role word, ``"A/B"``: see the module docstring)."""
        if found := self._typed(name):
            return found
        parts = [part for part in name.split("/") if part.strip()]
        if len(parts) < 2:
            return []
        found_sets = [set(self._typed(part)) for part in parts]
        return sorted(set.intersection(*found_sets)) if all(found_sets) else []

    def _typed(self, name: str) -> list[str]:
        if found := self.resolve(name):
            return found
        bare = _MODULE_PATH.sub("", name)
        if bare != name:
            found = self._typed(bare)
            narrowed = [iri for iri in found if self.kinds.get(iri) in _LIBRARY_KINDS]
            return narrowed if len(found) > 1 and narrowed else found
        for key in _forms(name):
            if found := self._by_role(key):
                return found
        return []

    def _by_role(self, key: str) -> list[str]:
        """The concepts ``key`` names once a trailing role word is dropped, if their kind fits the role."""
        for role in _ROLES:
            stem = key.removesuffix(role)
            if stem != key and len(stem) > 1 and stem in self.keys:
                found = sorted(iri for iri in self.keys[stem] if self.kinds.get(iri) in _ROLE_KINDS[role])
                if found:
                    return found
        return []

    def suggest(self, name: str, limit: int = 5, among: Container[str] | None = None) -> list[str]:
        """Up to ``limit`` preferred labels closest to ``name`` (see :func:`closest_names`), alias-aware.

        Args:
            name: What the user typed.
            limit: How many names at most.
            among: Only IRIs in here are suggested (e.g. the concepts that have an implementation).

        """
        shown_by_key: dict[str, list[str]] = {}
        for key, iris in self.keys.items():
            shown = [self.preferred.get(iri, self.labels[key]) for iri in iris if among is None or iri in among]
            if shown:
                shown_by_key[key] = shown
        return closest_names(name, shown_by_key, limit)

    def resolve_one(self, name: str) -> list[str]:
        """What a user typed: :meth:`resolve_typed`, raising :class:`UnknownNameError` with suggestions when empty."""
        found = self.resolve_typed(name)
        if not found:
            raise UnknownNameError(name, self.suggest(name))
        return found
