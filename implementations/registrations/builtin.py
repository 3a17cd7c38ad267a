"""Registrations of PyTorch built-in modules and layers, written as data (no torch import here).

Defaults are PyTorch's own, plus the sizes a required argument needs so ``create(term)`` works
with no arguments; ``smoke_args`` only feed the smoke test. Losses, optimizers, schedulers and
initializers are in :mod:`implementations.registrations.builtin_training`.
"""

from __future__ import annotations

from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

S = "implementations.registry.samples:"
ORACLE = "implementations.components.oracles:"
Shape = int | tuple[int, ...] | list[int]


def _m(concept: str, target: str, sample: str, defaults: dict[str, Any], types: dict[str, Any], **extra: Any) -> ImplementationSpec:
    return ImplementationSpec(concept, target, Family.MODULE, defaults, types, sample=S + sample, **extra)


LINEAR = {"in_features": int, "out_features": int, "bias": bool}
MHA = {"embed_dim": int, "num_heads": int, "dropout": float, "bias": bool, "batch_first": bool, "kdim": int | None, "vdim": int | None}
MHA_DEFAULTS = {"embed_dim": 16, "num_heads": 4, "dropout": 0.0, "bias": True, "batch_first": True}
TRANSFORMER_LAYER = {
    "d_model": int,
    "nhead": int,
    "dim_feedforward": int,
    "dropout": float,
    "activation": str,
    "batch_first": bool,
    "norm_first": bool,
}
TRANSFORMER_LAYER_DEFAULTS = {"d_model": 16, "nhead": 4, "dim_feedforward": 32, "dropout": 0.1, "batch_first": True}
CONV = {
    "in_channels": int,
    "out_channels": int,
    "kernel_size": Shape,
    "stride": Shape,
    "padding": Shape,
    "dilation": Shape,
    "groups": int,
    "bias": bool,
}
CONV_DEFAULTS = {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "stride": 1, "padding": 1, "dilation": 1, "groups": 1, "bias": True}
RNN = {"input_size": int, "hidden_size": int, "num_layers": int, "bias": bool, "batch_first": bool, "dropout": float, "bidirectional": bool}
RNN_DEFAULTS = {
    "input_size": 16,
    "hidden_size": 16,
    "num_layers": 1,
    "bias": True,
    "batch_first": True,
    "dropout": 0.0,
    "bidirectional": False,
}
NORM = {"num_features": int, "eps": float, "momentum": float | None, "affine": bool, "track_running_stats": bool}
POOL = {"kernel_size": Shape, "stride": Shape | None, "padding": Shape}

MODULES = [
    _m("linear", "torch.nn.Linear", "vectors", {"in_features": 16, "out_features": 8, "bias": True}, LINEAR, oracle=ORACLE + "affine"),
    _m(
        "bilinear",
        "torch.nn.Bilinear",
        "vector_pairs",
        {"in1_features": 16, "in2_features": 12, "out_features": 8, "bias": True},
        {"in1_features": int, "in2_features": int, "out_features": int, "bias": bool},
    ),
    _m(
        "embedding",
        "torch.nn.Embedding",
        "tokens",
        {"num_embeddings": 100, "embedding_dim": 16, "padding_idx": None},
        {"num_embeddings": int, "embedding_dim": int, "padding_idx": int | None, "max_norm": float | None, "sparse": bool},
    ),
    _m(
        "token-embedding",
        "torch.nn.Embedding",
        "tokens",
        {"num_embeddings": 100, "embedding_dim": 16},
        {"num_embeddings": int, "embedding_dim": int, "padding_idx": int | None},
    ),
    _m("conv1d", "torch.nn.Conv1d", "signals", CONV_DEFAULTS, CONV),
    _m("conv2d", "torch.nn.Conv2d", "images", CONV_DEFAULTS, CONV),
    _m("convolution", "torch.nn.Conv2d", "images", CONV_DEFAULTS, CONV),
    _m("conv3d", "torch.nn.Conv3d", "volumes", CONV_DEFAULTS, CONV),
    _m("dilated-convolution", "torch.nn.Conv2d", "images", {**CONV_DEFAULTS, "dilation": 2, "padding": 2}, CONV),
    _m("grouped-convolution", "torch.nn.Conv2d", "images", {**CONV_DEFAULTS, "groups": 2}, CONV),
    _m(
        "transposed-convolution",
        "torch.nn.ConvTranspose2d",
        "images",
        {"in_channels": 4, "out_channels": 8, "kernel_size": 2, "stride": 2, "padding": 0, "bias": True},
        {k: v for k, v in CONV.items() if k != "dilation"} | {"output_padding": Shape},
    ),
    _m("vanilla-rnn", "torch.nn.RNN", "sequences", {**RNN_DEFAULTS, "nonlinearity": "tanh"}, {**RNN, "nonlinearity": str}),
    _m("recurrent-neural-network", "torch.nn.RNN", "sequences", RNN_DEFAULTS, RNN),
    _m("lstm", "torch.nn.LSTM", "sequences", RNN_DEFAULTS, {**RNN, "proj_size": int}),
    _m("gru", "torch.nn.GRU", "sequences", RNN_DEFAULTS, RNN),
    _m("bidirectional-rnn", "torch.nn.LSTM", "sequences", {**RNN_DEFAULTS, "bidirectional": True}, RNN),
    _m("multi-head-attention", "torch.nn.MultiheadAttention", "attention_inputs", MHA_DEFAULTS, MHA),
    _m("self-attention", "torch.nn.MultiheadAttention", "attention_inputs", MHA_DEFAULTS, MHA),
    _m("cross-attention", "torch.nn.MultiheadAttention", "cross_attention_inputs", MHA_DEFAULTS, MHA),
    _m("transformer-encoder", "torch.nn.TransformerEncoderLayer", "sequences", TRANSFORMER_LAYER_DEFAULTS, TRANSFORMER_LAYER),
    _m(
        "transformer-block",
        "torch.nn.TransformerEncoderLayer",
        "sequences",
        {**TRANSFORMER_LAYER_DEFAULTS, "norm_first": True},
        TRANSFORMER_LAYER,
    ),
    _m("transformer-decoder", "torch.nn.TransformerDecoderLayer", "decoder_inputs", TRANSFORMER_LAYER_DEFAULTS, TRANSFORMER_LAYER),
    _m("batch-normalization", "torch.nn.BatchNorm2d", "images", {"num_features": 4, "eps": 1e-5, "momentum": 0.1}, NORM),
    _m("instance-normalization", "torch.nn.InstanceNorm2d", "images", {"num_features": 4, "eps": 1e-5, "affine": True}, NORM),
    _m(
        "layer-normalization",
        "torch.nn.LayerNorm",
        "sequences",
        {"normalized_shape": 16, "eps": 1e-5, "elementwise_affine": True},
        {"normalized_shape": Shape, "eps": float, "elementwise_affine": bool, "bias": bool},
        oracle=ORACLE + "layer_norm",
    ),
    _m(
        "group-normalization",
        "torch.nn.GroupNorm",
        "images",
        {"num_groups": 2, "num_channels": 4, "eps": 1e-5},
        {"num_groups": int, "num_channels": int, "eps": float, "affine": bool},
    ),
    _m(
        "rmsnorm",
        "torch.nn.RMSNorm",
        "sequences",
        {"normalized_shape": 16, "eps": 1e-6},
        {"normalized_shape": Shape, "eps": float | None, "elementwise_affine": bool},
        oracle=ORACLE + "rms_norm",
    ),
    _m("relu", "torch.nn.ReLU", "vectors", {}, {"inplace": bool}, oracle=ORACLE + "relu"),
    _m("leaky-relu", "torch.nn.LeakyReLU", "vectors", {"negative_slope": 0.01}, {"negative_slope": float, "inplace": bool}),
    _m("prelu", "torch.nn.PReLU", "vectors", {"num_parameters": 1, "init": 0.25}, {"num_parameters": int, "init": float}),
    _m("elu", "torch.nn.ELU", "vectors", {"alpha": 1.0}, {"alpha": float, "inplace": bool}),
    _m("selu", "torch.nn.SELU", "vectors", {}, {"inplace": bool}, oracle=ORACLE + "selu"),
    _m("gelu", "torch.nn.GELU", "vectors", {"approximate": "none"}, {"approximate": str}, oracle=ORACLE + "gelu"),
    _m("silu", "torch.nn.SiLU", "vectors", {}, {"inplace": bool}, oracle=ORACLE + "silu"),
    _m("mish", "torch.nn.Mish", "vectors", {}, {"inplace": bool}, oracle=ORACLE + "mish"),
    _m("gated-linear-unit", "torch.nn.GLU", "vectors", {"dim": -1}, {"dim": int}),
    _m("softmax", "torch.nn.Softmax", "vectors", {"dim": -1}, {"dim": int}, oracle=ORACLE + "softmax"),
    _m("sigmoid", "torch.nn.Sigmoid", "vectors", {}, {}, oracle=ORACLE + "sigmoid"),
    _m("tanh", "torch.nn.Tanh", "vectors", {}, {}),
    _m("hardswish", "torch.nn.Hardswish", "vectors", {}, {"inplace": bool}),
    _m("hardsigmoid", "torch.nn.Hardsigmoid", "vectors", {}, {"inplace": bool}),
    _m("max-pooling", "torch.nn.MaxPool2d", "images", {"kernel_size": 2, "stride": 2, "padding": 0}, POOL),
    _m("average-pooling", "torch.nn.AvgPool2d", "images", {"kernel_size": 2, "stride": 2, "padding": 0}, POOL),
    _m("global-average-pooling", "torch.nn.AdaptiveAvgPool2d", "images", {"output_size": 1}, {"output_size": Shape}),
    _m("global-max-pooling", "torch.nn.AdaptiveMaxPool2d", "images", {"output_size": 1}, {"output_size": Shape}),
    _m("adaptive-pooling", "torch.nn.AdaptiveAvgPool2d", "images", {"output_size": [2, 2]}, {"output_size": Shape}),
    _m(
        "fractional-max-pooling",
        "torch.nn.FractionalMaxPool2d",
        "images",
        {"kernel_size": 2, "output_ratio": 0.5},
        {"kernel_size": Shape, "output_ratio": float | tuple[float, float]},
    ),
    _m(
        "upsampling",
        "torch.nn.Upsample",
        "images",
        {"scale_factor": 2},
        {"scale_factor": int},
        oracle=ORACLE + "upsample_nearest",
        notes="nearest-neighbour by an integer factor (the oracle's case); other modes are torch's F.interpolate.",
    ),
    _m("dropout", "torch.nn.Dropout", "vectors", {"p": 0.5}, {"p": float, "inplace": bool}),
    _m("spatial-dropout", "torch.nn.Dropout2d", "images", {"p": 0.5}, {"p": float, "inplace": bool}),
    _m("alpha-dropout", "torch.nn.AlphaDropout", "vectors", {"p": 0.5}, {"p": float, "inplace": bool}),
]

register_all(MODULES)
