"""Model nodes of the graph → the architecture registration they instantiate, at published and scaled-down size.

:data:`MODEL_CONFIGS` maps the ``id`` of a curated ``models:`` record (``llama-2``) to a
:class:`~implementations.architectures.models_spec.ModelConfig`: its published shape facts as
arguments of an architecture registration (``llama``), their source, and the overrides that shrink
it to a model of the same structure with at most a few million parameters. The tables are data
(:mod:`~implementations.architectures.models_language`, :mod:`~implementations.architectures.models_encoder`,
:mod:`~implementations.architectures.models_vision`);
nothing here imports torch.

Example:
    >>> from implementations import create
    >>> create(get_model_config("llama-3").architecture, **scaled_config("llama-3"))  # doctest: +SKIP

"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from implementations.architectures.models_encoder import ENCODER_MODELS
from implementations.architectures.models_language import LANGUAGE_MODELS
from implementations.architectures.models_spec import ModelConfig
from implementations.architectures.models_vision import VISION_MODELS
from implementations.registry.factory import UnknownImplementationError, get_implementation
from implementations.registry.spec import ImplementationError
from loaders.curated import load_curated
from ontology.names import NameIndex

__all__ = [
    "MODEL_CONFIGS",
    "Instantiation",
    "ModelConfig",
    "get_model_config",
    "instantiation",
    "list_model_configs",
    "model_for_concept",
    "resolve_model",
    "scaled_config",
]

MODEL_CONFIGS: dict[str, ModelConfig] = {config.model: config for config in (*LANGUAGE_MODELS, *ENCODER_MODELS, *VISION_MODELS)}


def get_model_config(model_id: str) -> ModelConfig:
    """The configuration of the model node ``model_id``.

    Raises:
        KeyError: No configuration for that model.

    """
    try:
        return MODEL_CONFIGS[model_id]
    except KeyError:
        raise KeyError(f"no published configuration for model '{model_id}'") from None


def list_model_configs(architecture: str | None = None) -> list[str]:
    """Model ids with a configuration, sorted; only those instantiating ``architecture`` when given."""
    return sorted(m for m, config in MODEL_CONFIGS.items() if architecture is None or config.architecture == architecture)


def scaled_config(model_id: str) -> dict[str, Any]:
    """The registration arguments of the scaled-down model: the published ones with the sizes shrunk."""
    return get_model_config(model_id).scaled_args()


@functools.cache
def _model_names() -> NameIndex:
    """Curated model names and ids → ids of the models with a configuration."""
    models = load_curated().models
    rows = [(m, models[m].name, True) for m in MODEL_CONFIGS if m in models] + [(m, m, False) for m in MODEL_CONFIGS]
    return NameIndex.from_labels(rows)


def resolve_model(name: str) -> str | None:
    """The configured model named ``name`` (its id or curated name, any case or punctuation), or ``None``."""
    found = _model_names().resolve(name)
    return found[0] if len(found) == 1 else None


def model_for_concept(concept: str) -> str | None:
    """The model an architecture concept stands for at full size: the model with its id, else its first in the table."""
    if concept in MODEL_CONFIGS:
        return concept
    return next((m for m, config in MODEL_CONFIGS.items() if config.architecture == concept), None)


@dataclass(frozen=True)
class Instantiation:
    """What ``nnvocab instantiate NAME`` builds: a registration, the model it stands for (if any) and its arguments."""

    term: str
    model: ModelConfig | None
    args: dict[str, Any]


def instantiation(name: str, args: dict[str, Any] | None = None, *, full: bool = False) -> Instantiation:
    """Resolve ``name`` (a term, or a model id or name) to the registration to build and its arguments.

    A registered term builds its registration's defaults; a model name that is no registered term builds
    its architecture's registration at the scaled-down configuration. With ``full``, the published
    configuration of the model (a term stands for :func:`model_for_concept`). ``args`` override either.

    Raises:
        UnknownImplementationError: ``name`` is neither a registered term nor a configured model.
        ImplementationError: ``full`` for a term that stands for no configured model.

    """
    try:
        spec = get_implementation(name)
    except UnknownImplementationError:
        if (model_id := resolve_model(name)) is None:
            raise
    else:
        if not full:
            return Instantiation(spec.concept, None, dict(args or {}))
        model_id = resolve_model(name) or model_for_concept(spec.concept)
        if model_id is None:
            raise ImplementationError(f"'{spec.concept}' stands for no model with a published configuration (--full needs one)") from None
    config = get_model_config(model_id)
    base = dict(config.published) if full else scaled_config(model_id)
    return Instantiation(config.architecture, config, {**base, **(args or {})})
