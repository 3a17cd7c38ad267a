"""Inspect a network: which graph concepts its submodules and config show, with counts and parameter shares.

``inspect(module)`` works on any ``nn.Module``: it walks ``named_modules()`` and applies
:data:`~implementations.anatomy.mapping.MODULE_RULES`, then reads the functional patterns that have
no module (rotary embeddings computed inline, fewer KV heads, the activation named by a config
string …) from the config with :data:`~implementations.anatomy.mapping.CONFIG_RULES`. Torch is
not imported here: the module is walked through its own methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from implementations.anatomy.conditions import class_names
from implementations.anatomy.mapping import CONFIG_RULES, FACT_KEYS, MODULE_RULES, config_value_matches, module_rule_matches

MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Finding:
    """One concept found in a network.

    Attributes:
        concept: The concept slug.
        count: How many submodules show it (0 when only the config shows it).
        parameters: Parameters of those submodules (each counted once).
        share: ``parameters`` over the network's total (shares of nested concepts overlap).
        examples: Up to three submodule paths (``model.layers.0.input_layernorm``).
        evidence: What matched: class names (``LlamaRMSNorm``) and config fields (``config rms_norm_eps=1e-06``).

    """

    concept: str
    count: int
    parameters: int
    share: float
    examples: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Anatomy:
    """What a network is made of.

    Attributes:
        class_name: The root module's class.
        parameters: Its total parameter count.
        findings: One per concept, most parameters first, then by count and slug.
        facts: Config fields worth knowing that name no concept (``tie_word_embeddings`` …).
        unmapped: Classes of parameter-holding leaf modules that no rule maps.

    """

    class_name: str
    parameters: int
    findings: tuple[Finding, ...]
    facts: dict[str, Any] = field(default_factory=dict)
    unmapped: tuple[str, ...] = ()

    @property
    def concepts(self) -> set[str]:
        """The slugs found."""
        return {f.concept for f in self.findings}

    def finding(self, concept: str) -> Finding | None:
        """The finding of ``concept``, if found."""
        return next((f for f in self.findings if f.concept == concept), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Anatomy:
        """The anatomy :meth:`to_dict` wrote (a sandbox result)."""
        findings = tuple(
            Finding(**{**f, "examples": tuple(f.get("examples", ())), "evidence": tuple(f.get("evidence", ()))}) for f in data["findings"]
        )
        return cls(data["class_name"], int(data["parameters"]), findings, dict(data.get("facts", {})), tuple(data.get("unmapped", ())))


def config_dict(config: Any) -> dict[str, Any]:
    """A plain dict of a Hugging Face config (``to_dict``), a mapping, or ``{}``."""
    if config is None:
        return {}
    if hasattr(config, "to_dict"):
        return dict(config.to_dict())
    return dict(config) if isinstance(config, Mapping) else {}


def _sub_configs(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The config and its nested sub-configs (``text_config``, ``vision_config`` …)."""
    return [config, *(v for v in config.values() if isinstance(v, dict) and "model_type" in v)]


@dataclass
class _Tally:
    count: int = 0
    params: dict[int, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    def add_module(self, path: str, module: Any, evidence: str) -> None:
        self.count += 1
        self.params.update((id(p), p.numel()) for p in module.parameters())
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(path or "(root)")
        if evidence not in self.evidence:
            self.evidence.append(evidence)


def inspect(module: Any, config: Any = None) -> Anatomy:
    """Map ``module``'s submodules and config to graph concepts.

    Args:
        module: Any ``torch.nn.Module``.
        config: A Hugging Face config or a mapping of config fields; by default ``module.config``
            when the module carries one (Hugging Face models and this project's wrappers do).

    Returns:
        The anatomy: per concept, count, parameters and share, examples and evidence.

    """
    tallies: dict[str, _Tally] = {}
    unmapped: set[str] = set()
    for path, sub in module.named_modules():
        names = class_names(sub)
        groups_done: set[str] = set()
        matched = False
        for rule in MODULE_RULES:
            if rule.group in groups_done or not module_rule_matches(rule, names, sub, path):
                continue
            if rule.group is not None:
                groups_done.add(rule.group)
            matched = True
            tallies.setdefault(rule.concept, _Tally()).add_module(path, sub, type(sub).__name__)
        if not matched and not list(sub.children()) and any(True for _ in sub.parameters(recurse=False)):
            unmapped.add(type(sub).__name__)
    settings = config_dict(config if config is not None else getattr(module, "config", None))
    for part in _sub_configs(settings):
        for config_rule in CONFIG_RULES:
            evidence = config_value_matches(config_rule, part)
            if evidence is not None:
                tally = tallies.setdefault(config_rule.concept, _Tally())
                if evidence not in tally.evidence:
                    tally.evidence.append(evidence)
    total = int(sum(p.numel() for p in module.parameters()))
    findings = [
        Finding(
            concept=concept,
            count=t.count,
            parameters=sum(t.params.values()),
            share=round(sum(t.params.values()) / total, 4) if total else 0.0,
            examples=tuple(t.examples),
            evidence=tuple(t.evidence),
        )
        for concept, t in tallies.items()
    ]
    findings.sort(key=lambda f: (-f.parameters, -f.count, f.concept))
    facts = {key: settings[key] for key in FACT_KEYS if settings.get(key) is not None}
    return Anatomy(type(module).__name__, total, tuple(findings), facts, tuple(sorted(unmapped)))


def inspect_term(term: str, args: Mapping[str, Any] | None = None, device: str | None = None) -> Anatomy:
    """Build the registered implementation of ``term`` (with ``args``) and inspect it (imports torch).

    Args:
        term: A registered term.
        args: Arguments of its registration.
        device: Where to build it; ``"meta"`` allocates nothing (structure and counts only).

    """
    import torch

    from implementations.registry.factory import create

    with torch.device(device or "cpu"):
        return inspect(create(term, **dict(args or {})))
