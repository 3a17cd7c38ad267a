"""The implementation registry: concept slug → how to build, feed and check its implementation.

In the spirit of timm's ``_registry``: registrations are data, a duplicate name raises, and
``list_implementations(include=, exclude=, family=)`` filters with fnmatch patterns. Nothing
here imports torch; targets are import strings resolved only when something is built.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

_ALLOWED_TARGET_PREFIXES = ("torch.", "implementations.")


class ImplementationError(ValueError):
    """A registration or an argument set is invalid; the message says what would be right."""


class Family(str, Enum):
    """How an implementation is built and smoke-tested."""

    MODULE = "module"  # nn.Module taking sample tensors
    LOSS = "loss"  # nn.Module (prediction, target) -> scalar
    OPTIMIZER = "optimizer"  # factory(params, **args)
    SCHEDULER = "scheduler"  # factory(optimizer, **args)
    INITIALIZER = "initializer"  # function(tensor, **args) in place
    ARCHITECTURE = "architecture"  # a whole network: nn.Module taking sample tensors, output of a known shape


# Families whose implementation is an nn.Module with parameters (built by ``create``, counted, capped).
MODULE_FAMILIES = frozenset({Family.MODULE, Family.ARCHITECTURE, Family.LOSS})


class Origin(str, Enum):
    """Who wrote it."""

    BUILTIN = "BUILTIN"
    REFERENCE = "REFERENCE"


def import_target(target: str) -> Any:
    """Import ``package.module:Attr`` or ``package.module.Attr`` (only torch and this project)."""
    if not target.startswith(_ALLOWED_TARGET_PREFIXES):
        raise ImplementationError(f"target '{target}' is outside torch and implementations")
    module_name, _, attr = target.partition(":") if ":" in target else target.rpartition(".")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class OracleCase:
    """An extra configuration the smoke test checks against the oracle (beside the defaults).

    Attributes:
        args: Arguments overlaid on the defaults and ``smoke_args`` (e.g. a head count that is not
            a power of two).
        sample: Other sample inputs for this case (e.g. fewer queries than keys); the
            registration's own ``sample`` when ``None``.

    """

    args: Mapping[str, Any] = field(default_factory=dict)
    sample: str | None = None

    @property
    def label(self) -> str:
        """``num_heads=6, sample=fewer_queries``: names the case in a smoke result."""
        parts = [f"{name}={value}" for name, value in self.args.items()]
        return ", ".join(parts + ([f"sample={self.sample.rpartition(':')[2]}"] if self.sample else []))


@dataclass(frozen=True)
class ImplementationSpec:
    """One registration.

    Attributes:
        concept: The concept slug in the graph (``layer-normalization``).
        target: ``torch.nn.LayerNorm`` or ``implementations.<module>:<Class>``.
        family: How it is built and checked.
        defaults: Default constructor arguments (JSON values).
        arg_types: Every accepted argument and its Python type; anything else is refused.
        sample: ``implementations.<module>:<function>`` returning sample inputs for built args.
        oracle: Optional ``implementations.<module>:<function>`` computing the expected output.
        tolerance: Absolute tolerance of the oracle comparison.
        smoke_args: Arguments the smoke test adds to the defaults (e.g. a learning rate that
            shows progress within a few dozen steps).
        minimum_at_target: For losses comparing a prediction with a target of the same kind:
            the smoke test checks the loss is smallest when the prediction equals the target.
        oracle_cases: Further configurations the smoke test (run without arguments) compares with
            the oracle, one ``oracle[<case>]`` check each.
        output_shape: For architectures: ``implementations.<module>:<function>`` computing the shape
            ``fn(args, inputs) -> tuple[int, ...]`` the module's output must have.
        notes: Free text shown by ``nnvocab instantiate``.

    """

    concept: str
    target: str
    family: Family
    defaults: Mapping[str, Any] = field(default_factory=dict)
    arg_types: Mapping[str, Any] = field(default_factory=dict)
    sample: str | None = None
    oracle: str | None = None
    tolerance: float = 1e-5
    smoke_args: Mapping[str, Any] = field(default_factory=dict)
    minimum_at_target: bool = False
    oracle_cases: tuple[OracleCase, ...] = ()
    output_shape: str | None = None
    notes: str = ""

    @property
    def origin(self) -> Origin:
        """BUILTIN for torch targets, REFERENCE for code in this project."""
        return Origin.BUILTIN if self.target.startswith("torch.") else Origin.REFERENCE

    @cached_property
    def args_model(self) -> type[BaseModel]:
        """A pydantic model of the accepted arguments (extra keys forbidden, strict types)."""
        fields: dict[str, Any] = {name: (kind, self.defaults.get(name, None)) for name, kind in self.arg_types.items()}
        return create_model(
            f"{self.concept.title().replace('-', '')}Args",
            __config__=ConfigDict(extra="forbid", strict=True),
            **fields,
        )

    def validate_args(self, args: Mapping[str, Any] | None) -> dict[str, Any]:
        """Defaults overlaid with ``args``, validated; unknown or ill-typed args raise."""
        merged = {**self.defaults, **(args or {})}
        try:
            model = self.args_model.model_validate(merged)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "args"
            accepted = ", ".join(sorted(self.arg_types)) or "none"
            raise ImplementationError(f"{self.concept}: invalid argument {where}: {first['msg']} (accepted: {accepted})") from exc
        return {k: v for k, v in model.model_dump().items() if k in merged}


_REGISTRY: dict[str, ImplementationSpec] = {}
_ORACLE_CASE_FAMILIES = (Family.MODULE, Family.ARCHITECTURE, Family.LOSS, Family.OPTIMIZER)


def register_implementation(spec: ImplementationSpec) -> ImplementationSpec:
    """Add ``spec``; a second registration for the same concept raises."""
    if spec.concept in _REGISTRY:
        raise ImplementationError(f"an implementation of '{spec.concept}' is already registered ({_REGISTRY[spec.concept].target})")
    if not spec.target.startswith(_ALLOWED_TARGET_PREFIXES):
        raise ImplementationError(f"target '{spec.target}' must start with one of {_ALLOWED_TARGET_PREFIXES}")
    unknown = set(spec.defaults).union(*(case.args for case in spec.oracle_cases)) - set(spec.arg_types)
    if unknown:
        raise ImplementationError(f"{spec.concept}: arguments {sorted(unknown)} are not declared in arg_types")
    if spec.family is Family.ARCHITECTURE and (spec.sample is None or spec.output_shape is None):
        raise ImplementationError(f"{spec.concept}: an architecture needs sample inputs and an output_shape")
    if spec.oracle_cases and (spec.oracle is None or spec.family not in _ORACLE_CASE_FAMILIES):
        raise ImplementationError(f"{spec.concept}: oracle cases need an oracle and a module, loss or optimizer registration")
    _REGISTRY[spec.concept] = spec
    return spec


def register_all(specs: Iterable[ImplementationSpec]) -> None:
    """Register several specs."""
    for spec in specs:
        register_implementation(spec)


# Every module that registers implementations (data only: importing one imports no torch). The
# registry loads them by name on first use, so it never imports them statically (no import circle).
REGISTRATION_MODULES = (
    "implementations.registrations.builtin",
    "implementations.registrations.builtin_training",
    "implementations.registrations.reference_layers",
    "implementations.registrations.reference_blocks",
    "implementations.registrations.reference_misc",
    "implementations.registrations.reference_optim",
    "implementations.registrations.reference_components",
    "implementations.registrations.reference_training",
    "implementations.architectures.feedforward",
    "implementations.architectures.vision_cnn",
    "implementations.architectures.hf_language",
    "implementations.architectures.hf_vision",
    "implementations.architectures.generative",
    "implementations.architectures.dynamics",
    "implementations.architectures.sequence",
    "implementations.architectures.detection",
    "implementations.architectures.fields",
    "implementations.registrations.reference_techniques",
)


def registry() -> Mapping[str, ImplementationSpec]:
    """All registrations (read-only view), loading :data:`REGISTRATION_MODULES` on first use."""
    for name in REGISTRATION_MODULES:
        importlib.import_module(name)  # registers on first import; a no-op afterwards
    return dict(_REGISTRY)


def list_implementations(
    include: str | Iterable[str] | None = None,
    exclude: str | Iterable[str] | None = None,
    family: Family | str | None = None,
) -> list[str]:
    """Registered concept slugs, sorted, filtered by fnmatch patterns and family."""
    includes = [include] if isinstance(include, str) else list(include or ["*"])
    excludes = [exclude] if isinstance(exclude, str) else list(exclude or [])
    wanted = Family(family) if family is not None else None
    return sorted(
        name
        for name, spec in registry().items()
        if any(fnmatch.fnmatch(name, p) for p in includes)
        and not any(fnmatch.fnmatch(name, p) for p in excludes)
        and (wanted is None or spec.family is wanted)
    )
