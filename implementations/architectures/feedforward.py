"""Feed-forward and encoder-decoder architectures written here, registered as architectures.

The multilayer perceptron is defined here (torch imported when it is built); the other networks
live in :mod:`implementations.architectures._feedforward_nets` and
:mod:`implementations.architectures._sequence_nets`. The registrations at the bottom are data, read
without torch (targets are import strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_HERE = "implementations.architectures.feedforward:"
_NETS = "implementations.architectures._feedforward_nets:"
_SEQ = "implementations.architectures._sequence_nets:"


def build_mlp(in_features: int = 16, hidden_features: int = 32, out_features: int = 4, depth: int = 2, activation: str = "relu") -> Any:
    """A multilayer perceptron: ``depth`` hidden Linear → activation layers, then a Linear readout.

    Rumelhart, Hinton & Williams (1986), "Learning representations by back-propagating errors",
    Nature 323:533–536.

    Args:
        in_features: Input width.
        hidden_features: Width of every hidden layer.
        out_features: Output width.
        depth: Number of hidden layers (≥ 1).
        activation: ``relu``, ``gelu``, ``tanh`` or ``sigmoid``.

    """
    from torch import nn

    activations = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    if depth < 1 or activation not in activations:
        raise ValueError(f"depth must be ≥ 1 and activation one of {sorted(activations)}")
    layers: list[nn.Module] = []
    width = in_features
    for _ in range(depth):
        layers += [nn.Linear(width, hidden_features), activations[activation]()]
        width = hidden_features
    return nn.Sequential(*layers, nn.Linear(width, out_features))


def feature_batch(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """A batch of 4 feature vectors of width ``in_features``."""
    import torch

    return (torch.randn(4, int(args.get("in_features", 16))),)


def batch_by_out_features(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, out_features]``."""
    return (int(inputs[0].shape[0]), int(args["out_features"]))


def architecture_spec(
    concept: str, target: str, defaults: Mapping[str, Any], notes: str, *, sample: str, output_shape: str
) -> ImplementationSpec:
    """An architecture registration whose overrides are exactly its defaults' names, typed by their values."""
    return ImplementationSpec(
        concept,
        target,
        Family.ARCHITECTURE,
        defaults=dict(defaults),
        arg_types={name: type(value) for name, value in defaults.items()},
        sample=sample,
        output_shape=output_shape,
        notes=notes,
    )


def _mlp(concept: str, depth: int, notes: str) -> ImplementationSpec:
    defaults = {"in_features": 16, "hidden_features": 32, "out_features": 4, "depth": depth, "activation": "relu"}
    return architecture_spec(
        concept, _HERE + "build_mlp", defaults, notes, sample=_HERE + "feature_batch", output_shape=_HERE + "batch_by_out_features"
    )


VECTOR_IO = {"sample": _HERE + "feature_batch", "output_shape": _HERE + "batch_by_out_features"}
_WIDTHS = {"in_features": 16, "hidden_features": 32, "out_features": 4}

register_all(
    [
        _mlp("multilayer-perceptron", 2, "Linear → activation, depth times, then a Linear readout."),
        _mlp("feedforward-neural-network", 2, "An umbrella term, registered as its canonical instance: the multilayer perceptron."),
        _mlp("neural-network", 2, "An umbrella term, registered as its canonical small instance: a multilayer perceptron."),
        _mlp("deep-neural-network", 8, "An umbrella term, registered as its canonical small instance: an MLP with 8 hidden layers."),
        architecture_spec(
            "perceptron",
            _NETS + "Perceptron",
            {"in_features": 16, "out_features": 1},
            "Rosenblatt's linear threshold unit: forward gives the score w·x + b; predict() thresholds it, learn() applies "
            "the error-correction rule.",
            **VECTOR_IO,
        ),
        architecture_spec(
            "self-normalizing-network",
            _NETS + "build_self_normalizing_network",
            {**_WIDTHS, "hidden_features": 64, "depth": 8, "dropout": 0.05},
            "Linear (LeCun-normal, zero bias) → SELU → AlphaDropout, depth times; activations stay near zero mean and unit variance.",
            **VECTOR_IO,
        ),
        architecture_spec(
            "extreme-learning-machine",
            _NETS + "ExtremeLearningMachine",
            {**_WIDTHS, "hidden_features": 64},
            "A fixed random sigmoid hidden layer (buffers, never trained) and a linear readout; fit() solves it as β = H⁺T.",
            **VECTOR_IO,
        ),
        architecture_spec(
            "highway-network",
            _NETS + "build_highway_network",
            {**_WIDTHS, "depth": 4, "gate_bias": -2.0},
            "Linear projection, depth layers of y = H(x)·T(x) + x·(1 − T(x)) with the gate bias starting at gate_bias, Linear readout.",
            **VECTOR_IO,
        ),
        architecture_spec(
            "siamese-network",
            _NETS + "SiameseNetwork",
            {"in_features": 16, "hidden_features": 32, "embedding_dim": 8},
            "One MLP encoder shared by both inputs; the output is the cosine distance 1 − cos(f(x₁), f(x₂)) per pair.",
            sample=_NETS + "paired_features",
            output_shape=_NETS + "batch_shape",
        ),
        architecture_spec(
            "set-transformer-and-deep-sets",
            _NETS + "DeepSets",
            {"in_features": 3, "hidden_features": 32, "out_features": 4},
            "Deep Sets ρ(Σ φ(x_i)) with MLPs φ and ρ: invariant to the order of the set's elements. (The Set Transformer's "
            "attention blocks are not registered here.)",
            sample=_NETS + "feature_sets",
            output_shape=_HERE + "batch_by_out_features",
        ),
        architecture_spec(
            "neural-collaborative-filtering",
            _NETS + "NeuMF",
            {"num_users": 50, "num_items": 40, "factors": 8, "mlp_layers": 2},
            "NeuMF: GMF (p_u ⊙ q_i) beside an MLP tower halving to `factors`, fused by a sigmoid unit; output ŷ_ui per pair.",
            sample=_NETS + "user_item_pairs",
            output_shape=_NETS + "batch_shape",
        ),
        architecture_spec(
            "complex-valued-neural-network",
            _NETS + "ComplexValuedNetwork",
            {"in_features": 8, "hidden_features": 16, "out_features": 4},
            "Complex linear → modReLU → complex linear; complex tensors enter and leave as real (real, imaginary) pairs.",
            sample=_NETS + "complex_features",
            output_shape=_NETS + "complex_output_shape",
        ),
        architecture_spec(
            "quaternion-neural-network",
            _NETS + "build_quaternion_network",
            {"in_features": 4, "hidden_features": 8, "out_features": 2},
            "Quaternion linear layers (Hamilton product, features laid out [r|i|j|k]) with a split ReLU; widths count quaternions.",
            sample=_NETS + "quaternion_features",
            output_shape=_NETS + "quaternion_output_shape",
        ),
        architecture_spec(
            "transformer",
            "torch.nn.Transformer",
            {
                "d_model": 32,
                "nhead": 4,
                "num_encoder_layers": 2,
                "num_decoder_layers": 2,
                "dim_feedforward": 64,
                "dropout": 0.1,
                "activation": "relu",
                "norm_first": False,
                "batch_first": True,
            },
            "torch.nn.Transformer (Vaswani et al. 2017, arXiv:1706.03762): post-LN encoder-decoder on embedded source and "
            "target sequences; no masks in the smoke sample, no embeddings or output projection.",
            sample=_SEQ + "source_and_target",
            output_shape=_SEQ + "target_shape",
        ),
        architecture_spec(
            "pointer-network",
            _SEQ + "PointerNetwork",
            {"input_dim": 2, "hidden_size": 32},
            "LSTM encoder and decoder; the additive attention over the inputs is the output: log-probabilities over input positions.",
            sample=_SEQ + "points_and_order",
            output_shape=_SEQ + "pointer_shape",
        ),
        architecture_spec(
            "seq2seq-with-attention",
            _SEQ + "Seq2SeqAttention",
            {"src_vocab_size": 50, "tgt_vocab_size": 50, "embed_dim": 16, "hidden_size": 32},
            "RNNsearch: bidirectional GRU encoder, GRU decoder with the registered Bahdanau attention, teacher-forced; "
            "linear readout instead of maxout.",
            sample=_SEQ + "source_and_previous_tokens",
            output_shape=_SEQ + "translation_logits_shape",
        ),
    ]
)
