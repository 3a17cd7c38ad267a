"""Published model configurations: each names a curated model and a registration, builds its published parameter count
on the meta device, and shrinks to a runnable model of the same structure."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from implementations import create, get_implementation
from implementations.architectures.models import (
    MODEL_CONFIGS,
    get_model_config,
    instantiation,
    list_model_configs,
    model_for_concept,
    resolve_model,
    scaled_config,
)
from implementations.registry.smoke import run_smoke_test
from implementations.registry.spec import Family, ImplementationError
from loaders.curated import load_curated

# Sizes a scaled-down model may not exceed (widths, depths, vocabularies, images) and its parameter budget.
WIDTHS = ("hidden_size", "n_embd", "d_model", "embed_dim", "projection_dim")
DEPTHS = ("num_hidden_layers", "n_layer", "num_layers", "encoder_layers", "decoder_layers")
MAX_SCALED_PARAMETERS = 5_000_000


def _count(term: str, args: dict[str, Any]) -> int:
    with torch.device("meta"):
        module = create(term, **args)
    return sum(p.numel() for p in module.parameters())


def _sizes(args: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every (name, value) pair of ``args``, nested configs included."""
    pairs = list(args.items())
    return pairs + [pair for value in args.values() if isinstance(value, dict) for pair in _sizes(value)]


def test_at_least_forty_models_each_a_curated_model_node_on_an_architecture_registration() -> None:
    curated = load_curated().models
    assert len(MODEL_CONFIGS) >= 40
    for model_id, config in MODEL_CONFIGS.items():
        assert model_id == config.model and model_id in curated, model_id
        assert get_implementation(config.architecture).family is Family.ARCHITECTURE
        assert config.source and (config.parameters is not None or config.note), model_id
    assert list_model_configs("resnet") == ["resnet-101", "resnet-152", "resnet-18", "resnet-34", "resnet-50"]


@pytest.mark.parametrize("model_id", sorted(m for m, c in MODEL_CONFIGS.items() if c.parameters is not None))
def test_published_configuration_has_the_published_parameter_count(model_id: str) -> None:
    config = get_model_config(model_id)
    assert config.parameters is not None
    count = _count(config.architecture, get_implementation(config.architecture).validate_args(config.published))
    assert abs(count - config.parameters) <= config.tolerance * config.parameters, f"{model_id}: {count:,} vs {config.parameters:,}"


def test_the_exact_counts_people_quote() -> None:
    exact = {m: MODEL_CONFIGS[m].parameters for m in ("llama", "llama-2", "llama-3", "gpt-2", "resnet-50", "clip")}
    assert exact == {
        "llama": 6_738_415_616,
        "llama-2": 6_738_415_616,
        "llama-3": 8_030_261_248,
        "gpt-2": 124_439_808,
        "resnet-50": 25_557_032,
        "clip": 151_277_313,
    }
    assert all(MODEL_CONFIGS[m].tolerance == 0.0 for m in exact)


@pytest.mark.parametrize("model_id", sorted(MODEL_CONFIGS))
def test_scaled_configuration_keeps_the_structure_and_shrinks_the_sizes(model_id: str) -> None:
    config, scaled = get_model_config(model_id), scaled_config(model_id)
    assert {k: v for k, v in config.published.items() if k not in config.scaled} == {
        k: v for k, v in scaled.items() if k not in config.scaled
    }
    for name, value in _sizes(scaled):
        if name in WIDTHS:
            assert value <= 64, (name, value)
        if name in DEPTHS:
            assert value <= 2, (name, value)
        if name == "depths":
            assert max(value) <= 2, value
        if name == "vocab_size":
            assert value <= 1000
        if name == "image_size":
            assert value <= 64
    if "depths" in config.published:
        assert len(scaled["depths"]) == len(config.published["depths"])  # as many stages
    heads, kv = config.published.get("num_attention_heads"), config.published.get("num_key_value_heads")
    if heads and kv:  # multi-query stays multi-query, grouped keeps its group size
        ratio = scaled["num_attention_heads"] // scaled["num_key_value_heads"]
        assert scaled["num_key_value_heads"] == 1 if kv == 1 else ratio == heads // kv
    assert _count(config.architecture, scaled) <= MAX_SCALED_PARAMETERS


@pytest.mark.parametrize("model_id", ["llama-3", "palm", "switch-transformer", "clip", "whisper", "resnet-50", "swin-transformer", "detr"])
def test_scaled_models_pass_the_smoke_test(model_id: str) -> None:
    result = run_smoke_test(get_model_config(model_id).architecture, scaled_config(model_id))
    assert result.ok, (result.error, [(c.name, c.detail) for c in result.checks if not c.ok])


def test_names_resolve_to_models_and_terms_to_registrations() -> None:
    assert resolve_model("Llama 2") == "llama-2" and resolve_model("ResNet-50") == "resnet-50" and resolve_model("layer norm") is None
    assert model_for_concept("llama") == "llama" and model_for_concept("resnet") == "resnet-50"
    term = instantiation("llama")
    assert (term.term, term.model, term.args) == ("llama", None, {})
    model = instantiation("Mistral 7B", {"num_hidden_layers": 1})
    assert model.term == "llama" and model.model is MODEL_CONFIGS["mistral-7b"]
    assert model.args == {**scaled_config("mistral-7b"), "num_hidden_layers": 1}
    full = instantiation("llama", full=True)
    assert full.model is MODEL_CONFIGS["llama"] and full.args == dict(MODEL_CONFIGS["llama"].published)
    assert instantiation("resnet", full=True).model is MODEL_CONFIGS["resnet-50"]
    with pytest.raises(ImplementationError, match="no model"):
        instantiation("mlp", full=True)
