"""Registrations of sequence, memory and graph networks written here.

The networks: :mod:`~implementations.architectures.long_conv` (TCN),
:mod:`~implementations.architectures.scan` (S4D, RetNet, xLSTM — each checked against its own
recurrent form), :mod:`~implementations.architectures.memory` (neural Turing machine,
memory networks, recurrent memory transformer), :mod:`~implementations.architectures.conditional`
(mixture of depths) and :mod:`~implementations.architectures.graph_arch` (GCN, graph transformer,
temporal graph network). Data only: importing this module imports no torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_L = "implementations.architectures.long_conv:"
_SC = "implementations.architectures.scan:"
_M = "implementations.architectures.memory:"
_G = "implementations.architectures.graph_arch:"
_S = "implementations.registry.samples:"
_HERE = "implementations.architectures.sequence:"
SAME = "implementations.architectures.dynamics:same_shape"
PER_STEP = "implementations.architectures.dynamics:sequence_by_out_features"
SEQUENCE = {"d_model": int, "num_heads": int, "num_layers": int}
SEQUENCE_DEFAULTS = {"d_model": 32, "num_heads": 4, "num_layers": 2}
GRAPH = {"in_channels": int, "hidden_channels": int, "out_channels": int, "num_layers": int}


def channels_by_length(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, channels[-1], length]``."""
    return int(inputs[0].shape[0]), int(args["channels"][-1]), int(inputs[0].shape[-1])


def batch_by_vocab(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, vocab_size]``: answer scores over the vocabulary."""
    return int(inputs[0].shape[0]), int(args["vocab_size"])


def nodes_by_out_channels(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[nodes, out_channels]``."""
    return int(inputs[0].shape[0]), int(args["out_channels"])


def nodes_by_embedding(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[nodes, embedding_dim]``."""
    return int(inputs[0].shape[0]), int(args["embedding_dim"])


def _arch(
    concept: str, target: str, defaults: dict[str, Any], types: dict[str, Any], sample: str, shape: str, notes: str, **extra: Any
) -> ImplementationSpec:
    return ImplementationSpec(
        concept, target, Family.ARCHITECTURE, defaults, types, sample=sample, output_shape=shape, notes=notes, **extra
    )


register_all(
    [
        _arch(
            "temporal-convolutional-network",
            _L + "TemporalConvNet",
            {"in_channels": 4, "channels": [16, 16, 16], "kernel_size": 3, "dropout": 0.1},
            {"in_channels": int, "channels": list[int], "kernel_size": int, "dropout": float},
            _S + "signals",
            _HERE + "channels_by_length",
            "Residual blocks of weight-normalised causal dilated conv1d (dilations 1, 2, 4, …); outputs depend only on the past.",
        ),
        _arch(
            "state-space-model",
            _SC + "build_s4d",
            {"d_model": 32, "d_state": 16, "num_layers": 2},
            {"d_model": int, "d_state": int, "num_layers": int},
            _S + "sequences",
            SAME,
            "Pre-norm residual S4D layers (diagonal SSM, ZOH); FFT convolution mode, checked against the step-by-step recurrence.",
            oracle=_SC + "recurrent_oracle",
            tolerance=1e-4,
        ),
        _arch(
            "retentive-network",
            _SC + "build_retnet",
            dict(SEQUENCE_DEFAULTS),
            dict(SEQUENCE),
            _S + "sequences",
            SAME,
            "RetNet blocks (multi-scale retention + FFN); the parallel form is checked against the recurrent one (xPos rotation left out).",
            oracle=_SC + "recurrent_oracle",
            tolerance=1e-4,
        ),
        _arch(
            "xlstm",
            _SC + "build_xlstm",
            dict(SEQUENCE_DEFAULTS),
            dict(SEQUENCE),
            _S + "sequences",
            SAME,
            "Residual mLSTM blocks (matrix memory, exponential input gate, stabiliser); checked against the unstabilised recurrence.",
            oracle=_SC + "unstabilized_oracle",
            tolerance=1e-4,
        ),
        _arch(
            "neural-turing-machine",
            _M + "NeuralTuringMachine",
            {"in_features": 8, "out_features": 8, "hidden_size": 64, "memory_slots": 16, "memory_width": 16},
            {"in_features": int, "out_features": int, "hidden_size": int, "memory_slots": int, "memory_width": int},
            _S + "sequences",
            PER_STEP,
            "LSTM controller, a read and a write head; content + location addressing (interpolate, shift, sharpen); learned memory.",
        ),
        _arch(
            "memory-network",
            _M + "EndToEndMemoryNetwork",
            {"vocab_size": 50, "embed_dim": 32, "hops": 3},
            {"vocab_size": int, "embed_dim": int, "hops": int, "max_sentences": int},
            _M + "story_and_question",
            _HERE + "batch_by_vocab",
            "End-to-end memory network (MemN2N): bag-of-words memories, adjacent weight tying, temporal encoding, K hops.",
        ),
        _arch(
            "key-value-memory-network",
            _M + "KeyValueMemoryNetwork",
            {"vocab_size": 50, "embed_dim": 32, "hops": 2},
            {"vocab_size": int, "embed_dim": int, "hops": int},
            _M + "keys_values_question",
            _HERE + "batch_by_vocab",
            "Key-value memory network: address by keys, read values, query refined by R_j per hop; scores over the vocabulary.",
        ),
        _arch(
            "memory-augmented-transformer",
            _M + "RecurrentMemoryTransformer",
            {**SEQUENCE_DEFAULTS, "num_memory": 4, "segment_length": 4},
            {**SEQUENCE, "num_memory": int, "segment_length": int},
            _S + "sequences",
            SAME,
            "Recurrent memory transformer (Bulatov et al. 2022): memory tokens read and written around each segment, carried to the next.",
        ),
        _arch(
            "mixture-of-depths",
            "implementations.architectures.conditional:build_mixture_of_depths",
            {**SEQUENCE_DEFAULTS, "capacity": 0.5},
            {**SEQUENCE, "capacity": float},
            _S + "sequences",
            SAME,
            "Each block processes only the router's top ⌈capacity·T⌉ tokens (causal, in order); the others pass unchanged.",
        ),
        _arch(
            "graph-neural-network",
            _G + "GraphConvNetwork",
            {"in_channels": 8, "hidden_channels": 16, "out_channels": 4, "num_layers": 2},
            {**GRAPH, "dropout": float},
            "implementations.components.layers.graph:graph",
            _HERE + "nodes_by_out_channels",
            "A GCN node classifier (Kipf & Welling 2017) of the registered GCN layers on a dense adjacency.",
        ),
        _arch(
            "graph-transformer",
            _G + "GraphTransformer",
            {"in_channels": 8, "hidden_channels": 32, "out_channels": 4, "num_layers": 2, "num_heads": 4, "pe_dim": 4},
            {**GRAPH, "num_heads": int, "pe_dim": int},
            "implementations.components.layers.graph:graph",
            _HERE + "nodes_by_out_channels",
            "Graph transformer (Dwivedi & Bresson 2021): neighbour-restricted attention, Laplacian eigenvector positional encodings.",
        ),
        _arch(
            "temporal-graph-network",
            _G + "TemporalGraphNetwork",
            {"num_nodes": 6, "node_features": 8, "edge_features": 4, "memory_dim": 16, "embedding_dim": 16},
            {"num_nodes": int, "node_features": int, "edge_features": int, "memory_dim": int, "time_dim": int, "embedding_dim": int},
            _G + "temporal_events",
            _HERE + "nodes_by_embedding",
            "TGN (Rossi et al. 2020): GRU node memory from timestamped event messages (last aggregator), then graph attention embeddings.",
        ),
    ]
)
