"""Registrations of dynamical, associative, reservoir, spiking, continuous-time and conditional-computation networks.

The networks are reference modules written here: :mod:`~implementations.architectures.associative`
(Hopfield, SOM, growing neural gas), :mod:`~implementations.architectures.reservoir` (echo-state
network, liquid-state machine, LIF spiking network), :mod:`~implementations.architectures.continuous`
(neural ODE, CfC liquid network, KAN, continuous thought machine) and
:mod:`~implementations.architectures.conditional` (hypernetwork, dynamic convolution, modular
mixture). This module is data and pure-Python shape functions: importing it imports no torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_A = "implementations.architectures.associative:"
_R = "implementations.architectures.reservoir:"
_C = "implementations.architectures.continuous:"
_D = "implementations.architectures.conditional:"
_S = "implementations.registry.samples:"
_HERE = "implementations.architectures.dynamics:"
BY_OUT = "implementations.architectures.feedforward:batch_by_out_features"


def same_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """The first input's shape (sequence-to-sequence and state-to-state networks)."""
    return tuple(int(n) for n in inputs[0].shape)


def sequence_by_out_features(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, time, out_features]``: a read-out at every step of a ``[B, T, F]`` sequence."""
    return int(inputs[0].shape[0]), int(inputs[0].shape[1]), int(args["out_features"])


def batch_by_units(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, rows·cols]``: a map's distances to its units."""
    return int(inputs[0].shape[0]), int(args["rows"]) * int(args["cols"])


def batch_by_two_units(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, 2]``: a new growing neural gas has two units."""
    return int(inputs[0].shape[0]), 2


def batch_by_last_width(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, widths[-1]]``."""
    return int(inputs[0].shape[0]), int(args["widths"][-1])


def batch_by_classes(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, num_classes]``."""
    return int(inputs[0].shape[0]), int(args["num_classes"])


def predictions_per_tick(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, out_features, ticks]``."""
    return int(inputs[0].shape[0]), int(args["out_features"]), int(args["ticks"])


def _arch(
    concept: str, target: str, defaults: dict[str, Any], types: dict[str, Any], sample: str, shape: str, notes: str
) -> ImplementationSpec:
    return ImplementationSpec(concept, target, Family.ARCHITECTURE, defaults, types, sample=sample, output_shape=shape, notes=notes)


MLP_LIKE = {"in_features": int, "hidden_features": int, "out_features": int}

register_all(
    [
        _arch(
            "hopfield-network",
            _A + "ModernHopfieldNetwork",
            {"pattern_dim": 32, "num_patterns": 16, "beta": None, "steps": 1},
            {"pattern_dim": int, "num_patterns": int, "beta": float | None, "steps": int},
            _A + "pattern_states",
            _HERE + "same_shape",
            "Modern continuous Hopfield network (Ramsauer et al. 2021): ξ ← Xᵀ softmax(β X ξ) over learnable stored patterns. "
            "The classic binary network (Hopfield 1982, Hebbian storage, sign updates) is associative:ClassicHopfieldNetwork "
            "(no trainable parameters, so not the registered one).",
        ),
        _arch(
            "self-organizing-map",
            _A + "SelfOrganizingMap",
            {"in_features": 8, "rows": 5, "cols": 5},
            {"in_features": int, "rows": int, "cols": int},
            _S + "vectors",
            _HERE + "batch_by_units",
            "Kohonen map: forward gives squared distances to the units; bmu() and update(x, lr, sigma) do the Kohonen step.",
        ),
        _arch(
            "growing-neural-gas",
            _A + "GrowingNeuralGas",
            {"in_features": 2, "max_units": 20, "insert_every": 100},
            {
                "in_features": int,
                "max_units": int,
                "eps_b": float,
                "eps_n": float,
                "max_age": int,
                "insert_every": int,
                "alpha": float,
                "decay": float,
            },
            _S + "vectors",
            _HERE + "batch_by_two_units",
            "Fritzke's growing neural gas: starts with two units; update(x) adapts, ages edges, inserts a unit every insert_every inputs.",
        ),
        _arch(
            "echo-state-network",
            _R + "EchoStateNetwork",
            {"in_features": 4, "reservoir_size": 100, "out_features": 2, "spectral_radius": 0.9},
            {
                "in_features": int,
                "reservoir_size": int,
                "out_features": int,
                "spectral_radius": float,
                "leak_rate": float,
                "input_scaling": float,
                "density": float,
            },
            _S + "sequences",
            _HERE + "sequence_by_out_features",
            "Fixed tanh reservoir at spectral radius ρ < 1 (buffers); only the read-out learns (fit(u, y, ridge): closed form).",
        ),
        _arch(
            "liquid-state-machine",
            _R + "LiquidStateMachine",
            {"in_features": 4, "liquid_size": 128, "out_features": 2},
            {"in_features": int, "liquid_size": int, "out_features": int, "density": float, "beta": float, "trace_decay": float},
            _S + "sequences",
            _HERE + "sequence_by_out_features",
            "Fixed recurrent LIF reservoir (20 % inhibitory); a linear read-out of the filtered spike trains is the only learned part.",
        ),
        _arch(
            "spiking-neural-network",
            _R + "SpikingNetwork",
            {"in_features": 8, "hidden_features": 32, "out_features": 4, "num_layers": 2},
            {**MLP_LIKE, "num_layers": int, "beta": float, "threshold": float, "slope": float},
            _S + "sequences",
            BY_OUT,
            "Registered LIF layers (binary spikes, reset by subtraction), fast-sigmoid surrogate gradient; read-out: mean membrane.",
        ),
        _arch(
            "kolmogorov-arnold-network",
            _C + "KolmogorovArnoldNetwork",
            {"widths": [16, 8, 4], "grid_size": 5, "order": 3},
            {"widths": list[int], "grid_size": int, "order": int},
            _C + "kan_inputs",
            _HERE + "batch_by_last_width",
            "Every edge is w·silu(x) + Σ c_k B_k(x) with cubic B-splines on a uniform grid over [−1, 1].",
        ),
        _arch(
            "neural-ode",
            _C + "NeuralODE",
            {"in_features": 16, "hidden_features": 32, "out_features": 4, "t1": 1.0, "steps": 8},
            {**MLP_LIKE, "t1": float, "steps": int},
            _S + "vectors",
            BY_OUT,
            "Linear → ODE block (torchdiffeq.odeint, fixed-step rk4, MLP vector field) → Linear; backprop through the solver steps.",
        ),
        _arch(
            "liquid-neural-network",
            _C + "LiquidNetwork",
            {"in_features": 8, "hidden_size": 32, "out_features": 4, "backbone_size": 32, "num_layers": 1},
            {"in_features": int, "hidden_size": int, "out_features": int, "backbone_size": int, "num_layers": int},
            _S + "sequences",
            _HERE + "sequence_by_out_features",
            "Stacked closed-form continuous-time (CfC) layers (Hasani et al. 2022, the registered cfc cell) and a linear read-out.",
        ),
        _arch(
            "continuous-thought-machine",
            _C + "ContinuousThoughtMachine",
            {"in_features": 16, "num_neurons": 32, "out_features": 4, "ticks": 6},
            {
                "in_features": int,
                "num_neurons": int,
                "memory_length": int,
                "nlm_hidden": int,
                "num_pairs": int,
                "out_features": int,
                "ticks": int,
                "num_heads": int,
            },
            _S + "sequences",
            _HERE + "predictions_per_tick",
            "Internal ticks, neuron-level models over pre-activation histories; a prediction per tick from neuron-pair synchronization.",
        ),
        _arch(
            "hypernetwork",
            _D + "HyperNetwork",
            {"in_features": 16, "hidden_features": 32, "out_features": 4, "depth": 2, "z_dim": 4, "chunk": 4},
            {**MLP_LIKE, "depth": int, "z_dim": int, "chunk": int},
            _S + "vectors",
            BY_OUT,
            "Static hypernetwork (Ha et al. 2017): a shared generator turns block embeddings into the main MLP's weight matrices.",
        ),
        _arch(
            "dynamic-network",
            _D + "DynamicConvNet",
            {"in_channels": 4, "channels": [16, 32], "num_classes": 10, "num_kernels": 4},
            {"in_channels": int, "channels": list[int], "num_classes": int, "num_kernels": int},
            _S + "images",
            _HERE + "batch_by_classes",
            "Dynamic convolution (Chen et al. 2020): each layer mixes K kernels with input-dependent attention, per sample.",
        ),
        _arch(
            "modular-neural-network",
            _D + "ModularNetwork",
            {"in_features": 16, "hidden_features": 32, "out_features": 4, "num_experts": 4},
            {**MLP_LIKE, "num_experts": int},
            _S + "vectors",
            BY_OUT,
            "Adaptive mixture of local experts (Jacobs et al. 1991): expert MLPs combined by a softmax gating network.",
        ),
    ]
)
