"""How to train a network: the optimizer its components' pairings recommend, the claimed extras, parameter groups.

The graph side (:func:`build_advice`) needs no torch: from the concepts an inspection found, it
reads the optimizer–layer pairings of the graph (each component's own and its families'), ranks
the optimizers by how many components recommend them (the network's own concept counts most),
and collects each recommendation's notes, sources, recipe (warmup + cosine, clipping, a
load-balancing loss …) and stored verification. The module side (:func:`param_groups`) splits
parameters the way the field does (timm's ``param_groups_weight_decay``, the Hugging Face
Trainer): no weight decay on biases, normalization weights and embeddings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from implementations.anatomy.conditions import class_names
from implementations.anatomy.inspect import Anatomy, inspect
from implementations.anatomy.mapping import MODULE_RULES, module_rule_matches
from ontology.namespaces import concept_iri
from ontology.pairs import PairView, list_pairs_with_families
from ontology.store import GraphStore, TripleStore
from ontology.views import slug_of

DEFAULT_WEIGHT_DECAY = 0.01  # torch.optim.AdamW's default, used when no pairing states one
NO_DECAY_GROUPS = ("normalization", "embedding")  # rule groups of mapping.MODULE_RULES whose parameters are not decayed
_SETTING = re.compile(r"\b(momentum|weight decay|lr|β2|beta2)\s*(?:≈|=|of)?\s*([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)", re.IGNORECASE)
_SETTING_NAMES = {"momentum": "momentum", "weight decay": "weight_decay", "lr": "lr"}
Evidence = Callable[[str, str], dict[str, Any] | None]


@dataclass(frozen=True)
class OptimizerAdvice:
    """An optimizer recommended for the network, with why.

    Attributes:
        optimizer: The optimizer's concept slug (``adamw``).
        score: How strongly the components recommend it (the network's own concept weighs 3).
        recommended_for: The found concepts (or the network's own) whose pairings recommend it.
        claims: ``layer → optimizer`` claims behind it (the family in ``via`` for an inferred one).
        notes: The pairings' notes.
        sources: Where the claims come from (``document:line``).
        settings: Hyperparameters the notes state (``momentum``, ``weight_decay``, ``lr``).
        verification: The latest stored training run of the claim, when one is stored.

    """

    optimizer: str
    score: float
    recommended_for: tuple[str, ...]
    claims: tuple[str, ...]
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    settings: dict[str, float] = field(default_factory=dict)
    verification: dict[str, Any] | None = None


@dataclass(frozen=True)
class ExtraAdvice:
    """Something the recommendation's sources prescribe besides the optimizer (a schedule, clipping, a loss)."""

    concept: str
    note: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Advice:
    """A training set-up for a network.

    Attributes:
        term: The registered term inspected (``None`` for a user module).
        optimizers: Recommendations, best first.
        extras: The best recommendation's claimed extras, then those the components imply (a load-balancing loss for MoE).
        param_groups: Summaries of the parameter groups (name, weight decay, tensors, parameters, reason).
        anatomy: The inspection the advice is built from.

    """

    term: str | None
    optimizers: tuple[OptimizerAdvice, ...]
    extras: tuple[ExtraAdvice, ...]
    param_groups: tuple[dict[str, Any], ...]
    anatomy: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return asdict(self)


def _no_decay_modules(module: Any) -> set[int]:
    """Ids of the submodules whose parameters are never decayed (normalization layers, embeddings)."""
    rules = [r for r in MODULE_RULES if r.group in NO_DECAY_GROUPS]
    return {id(sub) for path, sub in module.named_modules() if any(module_rule_matches(r, class_names(sub), sub, path) for r in rules)}


def _split(module: Any) -> dict[str, list[tuple[str, Any]]]:
    """Named trainable parameters split into ``decay`` (weight matrices and kernels) and ``no_decay``."""
    skip = _no_decay_modules(module)
    groups: dict[str, list[tuple[str, Any]]] = {"decay": [], "no_decay": []}
    seen: set[int] = set()
    for path, sub in module.named_modules():
        for name, param in sub.named_parameters(recurse=False):
            if not param.requires_grad or id(param) in seen:
                continue
            seen.add(id(param))
            no_decay = id(sub) in skip or param.ndim < 2
            groups["no_decay" if no_decay else "decay"].append((f"{path}.{name}" if path else name, param))
    return groups


def param_groups(module: Any, weight_decay: float = DEFAULT_WEIGHT_DECAY) -> list[dict[str, Any]]:
    """Parameter groups for ``torch.optim``: weights decayed; biases, normalization weights and embeddings not.

    Example:
        >>> torch.optim.AdamW(param_groups(model, 0.1), lr=3e-4)  # doctest: +SKIP

    """
    decays = {"decay": weight_decay, "no_decay": 0.0}
    return [
        {"name": name, "params": [p for _, p in items], "weight_decay": decays[name]} for name, items in _split(module).items() if items
    ]


def group_summaries(module: Any) -> list[dict[str, Any]]:
    """JSON-able summaries of :func:`param_groups` (weight decay filled in by :func:`build_advice`)."""
    reasons = {
        "decay": "weight matrices and convolution kernels",
        "no_decay": "biases, normalization weights and embeddings: decaying them only shrinks scales and rare tokens",
    }
    return [
        {
            "name": name,
            "tensors": len(items),
            "parameters": int(sum(p.numel() for _, p in items)),
            "examples": [n for n, _ in items[:4]],
            "reason": reasons[name],
        }
        for name, items in _split(module).items()
        if items
    ]


def _settings(notes: Iterable[str]) -> dict[str, float]:
    """Hyperparameters stated in the notes (``momentum 0.9, weight decay 1e-4``)."""
    found: dict[str, float] = {}
    for note in notes:
        for name, value in _SETTING.findall(note):
            key = _SETTING_NAMES.get(name.lower(), "beta2")
            found.setdefault(key, float(value))
    return found


def _rank(scored: dict[str, list[tuple[str, float, PairView]]], evidence: Evidence | None) -> list[OptimizerAdvice]:
    out = []
    for optimizer, claims in scored.items():
        pairs = [pair for _, _, pair in claims]
        notes = tuple(dict.fromkeys(p.note for p in pairs if p.note))
        claim_names = tuple(
            dict.fromkeys(f"{slug_of(p.layer)} → {slug_of(optimizer)}" + (f" (via {slug_of(p.via)})" if p.via else "") for p in pairs)
        )
        verification = None
        if evidence is not None:
            verification = next((v for p in pairs if (v := evidence(slug_of(p.via or p.layer), slug_of(optimizer))) is not None), None)
        out.append(
            OptimizerAdvice(
                optimizer=slug_of(optimizer),
                score=round(sum(w for _, w, _ in claims), 3),
                recommended_for=tuple(dict.fromkeys(c for c, _, _ in claims)),
                claims=claim_names,
                notes=notes,
                sources=tuple(dict.fromkeys(str(s) for p in pairs for s in p.sources)),
                settings=_settings(notes),
                verification=verification,
            )
        )
    return sorted(out, key=lambda a: (-a.score, a.optimizer))


def _extras(best: list[PairView], anatomy: Anatomy) -> list[ExtraAdvice]:
    extras: dict[str, ExtraAdvice] = {}
    for pair in best:
        for item in pair.recipe:
            slug = slug_of(item.concept)
            if slug not in extras:
                extras[slug] = ExtraAdvice(slug, item.note, tuple(str(s) for s in item.sources))
    if "mixture-of-experts" in anatomy.concepts and "load-balancing-loss" not in extras:
        extras["load-balancing-loss"] = ExtraAdvice("load-balancing-loss", "the network routes tokens to experts", ())
    return list(extras.values())


def build_advice(
    anatomy: Anatomy,
    groups: list[dict[str, Any]],
    store: TripleStore,
    term: str | None = None,
    evidence: Evidence | None = None,
) -> Advice:
    """The advice for an inspected network (no torch: ``groups`` come from :func:`group_summaries`).

    Args:
        anatomy: What the network is made of.
        groups: Parameter group summaries.
        store: The graph whose pairings are read.
        term: The network's own concept slug, when it is a registered architecture.
        evidence: ``(layer slug, optimizer slug) → stored verification`` (the service passes its reader).

    """
    weights = {f.concept: 1.0 + f.share for f in anatomy.findings}
    if term is not None:
        weights[term] = 3.0
    scored: dict[str, list[tuple[str, float, PairView]]] = {}
    for concept, weight in weights.items():
        for pair in list_pairs_with_families(store, str(concept_iri(concept))):
            scored.setdefault(pair.optimizer, []).append((concept, weight if pair.via is None else weight / 2, pair))
    optimizers = _rank(scored, evidence)
    best = [pair for _, _, pair in scored[str(concept_iri(optimizers[0].optimizer))]] if optimizers else []
    decay = optimizers[0].settings.get("weight_decay", DEFAULT_WEIGHT_DECAY) if optimizers else DEFAULT_WEIGHT_DECAY
    filled = tuple({**g, "weight_decay": decay if g["name"] == "decay" else 0.0} for g in groups)
    return Advice(term, tuple(optimizers), tuple(_extras(best, anatomy)), filled, anatomy.to_dict())


def anatomy_job(term: str, args: dict[str, Any], device: str | None = None) -> dict[str, Any]:
    """The sandbox's anatomy job: inspect the registered ``term`` and summarise its parameter groups (JSON).

    ``device="meta"`` builds without allocating (structure and counts only: any published size).
    """
    import torch

    from implementations.registry.factory import create

    with torch.device(device or "cpu"):
        module = create(term, **args)
    return {"ok": True, "term": term, "anatomy": inspect(module).to_dict(), "param_groups": group_summaries(module)}


@functools.cache
def builtin_store() -> TripleStore:
    """The built-in graph in memory (for :func:`advise` called without a store)."""
    from loaders.builtin import load_builtin

    store = GraphStore()
    load_builtin(store)
    return store


def advise(
    term_or_module: Any, store: TripleStore | None = None, *, args: dict[str, Any] | None = None, evidence: Evidence | None = None
) -> Advice:
    """Advice for a registered term (built with ``args``) or any ``nn.Module`` (imports torch to build a term).

    Args:
        term_or_module: A term (``"llama"``) or a module.
        store: The graph; the built-in one by default.
        args: Arguments of the term's registration.
        evidence: Reader of stored verifications (see :func:`build_advice`).

    """
    term = None
    module = term_or_module
    if isinstance(term_or_module, str):
        from implementations.registry.factory import create, get_implementation

        term = get_implementation(term_or_module).concept
        module = create(term, **(args or {}))
    return build_advice(inspect(module), group_summaries(module), store or builtin_store(), term, evidence)
