"""The architectures people ask for first resolve by the names they type, build and pass their smoke test."""

from __future__ import annotations

import pytest

from implementations import AmbiguousImplementationError, create, get_implementation
from implementations.registry.smoke import run_smoke_test
from implementations.registry.spec import Family

# name typed → registered concept (issue #13's acceptance list, by the names a user would write)
NAMED = {
    "Transformer": "transformer",
    "ResNet": "resnet",
    "BERT": "bert",
    "GPT-2": "gpt-2",
    "LLaMA": "llama",
    "T5": "t5",
    "Vision Transformer": "vision-transformer",
    "U-Net": "u-net",
    "VAE": "vae",
    "GAN": "gan",
    "MLP": "multilayer-perceptron",
    "Autoencoder": "autoencoder",
    "LSTM": "lstm",
    "Mamba": "selective-state-space-model",
    "spiking network": "spiking-neural-network",
}


@pytest.mark.parametrize(("name", "concept"), NAMED.items())
def test_named_architecture_builds_and_passes_its_smoke_test(name: str, concept: str) -> None:
    spec = get_implementation(name)
    assert spec.concept == concept
    module = create(name)
    count = sum(p.numel() for p in module.parameters())
    assert 0 < count <= 5_000_000  # a small default configuration
    result = run_smoke_test(name)
    assert result.ok, (result.error, [(c.name, c.detail) for c in result.checks if not c.ok])
    if spec.family is Family.ARCHITECTURE:
        assert result.parameters == count and {"shape", "backward", "deterministic"} <= {c.name for c in result.checks}


def test_a_name_of_several_implemented_concepts_is_ambiguous() -> None:
    with pytest.raises(AmbiguousImplementationError) as caught:
        get_implementation("SNN")
    assert caught.value.candidates == ["self-normalizing-network", "spiking-neural-network"]
