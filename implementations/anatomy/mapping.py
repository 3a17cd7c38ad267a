"""The module → concept mapping, as data: which submodules and which config fields show which graph concept.

Two tables:

* :data:`MODULE_RULES` match a submodule by class (fnmatch patterns over the qualified and bare
  names of every class in its MRO; ``torch.nn.LayerNorm`` also names
  ``torch.nn.modules.normalization.LayerNorm``), optionally by its dotted path and a named
  condition from :data:`~implementations.anatomy.conditions.CONDITIONS` (fewer KV heads than heads, a SiLU-gated MLP …). Rules that
  share a ``group`` are alternatives: the first that matches a module wins (``T5LayerNorm`` is an
  RMSNorm, so it comes before ``*LayerNorm``).
* :data:`CONFIG_RULES` read functional patterns that have no module of their own from the
  model's config (a Hugging Face config or any mapping): ``rope_theta``, ``num_key_value_heads``,
  ``hidden_act``, ``router_aux_loss_coef`` …

Nothing here imports torch; the conditions live in :mod:`implementations.anatomy.conditions`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from implementations.anatomy.conditions import CONDITIONS, CONFIG_CONDITIONS


@dataclass(frozen=True)
class ModuleRule:
    """A submodule that shows a concept.

    Attributes:
        concept: The concept slug.
        classes: fnmatch patterns over class names (qualified or bare, any class of the MRO).
        when: Name of a condition in :data:`~implementations.anatomy.conditions.CONDITIONS` the module must also meet.
        paths: fnmatch patterns over the module's dotted path (any must match, when given).
        group: Rules of one group are alternatives: only the first that matches a module applies.

    """

    concept: str
    classes: tuple[str, ...]
    when: str | None = None
    paths: tuple[str, ...] = ()
    group: str | None = None


@dataclass(frozen=True)
class ConfigRule:
    """A config field that shows a concept without a module of its own.

    Attributes:
        concept: The concept slug.
        key: The config field read (``None`` for a rule over the whole config, see ``when``).
        values: fnmatch patterns over ``str(value).lower()``; ``("*",)`` means "present and set".
        when: Name of a condition in :data:`~implementations.anatomy.conditions.CONFIG_CONDITIONS` over the whole config.

    """

    concept: str
    key: str | None
    values: tuple[str, ...] = ("*",)
    when: str | None = None


_ANY_ATTENTION = ("*Attention", "*SelfAttention", "*MultiheadAttention")
_BLOCKS = ("*DecoderLayer", "*EncoderLayer", "GPT2Block", "*BertLayer", "T5Block", "*TransformerBlock", "ViTLayer", "*SwinLayer")
_NORM = "normalization"
_POSITIONS = ("*position_embeddings", "*position_embedding", "*wpe", "*pos_embed*", "*embed_positions")

MODULE_RULES: tuple[ModuleRule, ...] = (
    # normalization (T5LayerNorm is an RMSNorm: no mean subtraction, no bias)
    ModuleRule("rmsnorm", ("*RMSNorm", "*.T5LayerNorm", "*RmsNorm"), group=_NORM),
    ModuleRule("layer-normalization", ("torch.nn.LayerNorm", "*LayerNorm"), group=_NORM),
    ModuleRule("batch-normalization", ("torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", "torch.nn.BatchNorm3d", "*BatchNorm*"), group=_NORM),
    ModuleRule("group-normalization", ("torch.nn.GroupNorm",), group=_NORM),
    ModuleRule("instance-normalization", ("torch.nn.InstanceNorm1d", "torch.nn.InstanceNorm2d", "torch.nn.InstanceNorm3d"), group=_NORM),
    ModuleRule("spectral-normalization", ("*_SpectralNorm",)),
    ModuleRule("weight-normalization", ("*_WeightNorm",)),
    # attention: the module that owns the projections
    ModuleRule("multi-head-attention", (*_ANY_ATTENTION, "*Attention*"), when="all-kv-heads", group="attention-heads"),
    ModuleRule("grouped-query-attention", (*_ANY_ATTENTION, "*Attention*"), when="fewer-kv-heads", group="attention-heads"),
    ModuleRule("multi-query-attention", (*_ANY_ATTENTION, "*Attention*"), when="one-kv-head", group="attention-heads"),
    ModuleRule("self-attention", ("*Attention*",), when="self-attention"),
    ModuleRule("cross-attention", ("*Attention*",), when="cross-attention"),
    ModuleRule("causal-attention", ("*Attention*",), when="causal"),
    ModuleRule("bidirectional-attention", ("*Attention*",), when="bidirectional"),
    ModuleRule("linear-attention", ("*LinearAttention",)),
    ModuleRule("sliding-window-attention", ("*SlidingWindowAttention",)),
    # position encodings
    ModuleRule("rotary-position-embedding", ("*RotaryEmbedding", "*RotaryPositionEmbedding")),
    ModuleRule("alibi", ("*ALiBi", "*Alibi*")),
    ModuleRule("sinusoidal-positional-encoding", ("*SinusoidalPositionalEncoding", "*SinusoidalPositionalEmbedding")),
    ModuleRule("relative-position-encoding", ("torch.nn.Embedding",), paths=("*relative_attention_bias",), group="embedding"),
    ModuleRule("learned-positional-embedding", ("torch.nn.Embedding", "*LearnedPositionalEmbedding"), paths=_POSITIONS, group="embedding"),
    ModuleRule("learned-positional-embedding", ("*Embeddings", "*Embedding"), when="position-parameter"),
    ModuleRule("absolute-position-encoding", ("torch.nn.Embedding", "*LearnedPositionalEmbedding"), paths=_POSITIONS),
    ModuleRule("absolute-position-encoding", ("*Embeddings", "*Embedding"), when="position-parameter"),
    ModuleRule("absolute-position-encoding", ("*SinusoidalPositionalEncoding", "*SinusoidalPositionalEmbedding")),
    ModuleRule("token-embedding", ("torch.nn.Embedding",), group="embedding"),
    ModuleRule("patch-embedding", ("*PatchEmbeddings", "*PatchEmbedding", "*PatchEmbed")),
    ModuleRule("patch-embedding", ("torch.nn.Conv2d",), paths=("*patch_embedding", "*patch_embed")),
    # feed-forward and gating
    ModuleRule("swiglu", ("*MLP", "*Experts", "*SwiGLU", "*DenseGatedActDense", "*FeedForward"), when="silu-gated", group="gated"),
    ModuleRule("geglu", ("*MLP", "*Experts", "*GeGLU", "*DenseGatedActDense", "*FeedForward"), when="gelu-gated", group="gated"),
    ModuleRule("reglu", ("*MLP", "*Experts", "*ReGLU", "*DenseGatedActDense", "*FeedForward"), when="relu-gated", group="gated"),
    ModuleRule("position-wise-feed-forward", ("*MLP", "*Intermediate", "*DenseActDense", "*DenseGatedActDense")),
    ModuleRule("mixture-of-experts", ("*SparseMoeBlock", "*MoeSparseBlock", "*SparseMLP", "*MixtureOfExperts", "*MoE", "*MoeBlock")),
    ModuleRule("router-network", ("*Router", "*TopKRouter", "*Top1Router")),
    ModuleRule("top-k-routing", ("*TopKRouter", "*Top1Router")),
    ModuleRule("expert-network", ("*Experts", "*SparseMLP")),
    # blocks
    ModuleRule("transformer-block", (*_BLOCKS, "torch.nn.TransformerEncoderLayer", "torch.nn.TransformerDecoderLayer")),
    ModuleRule("residual-connection", (*_BLOCKS, "torch.nn.TransformerEncoderLayer", "torch.nn.TransformerDecoderLayer", "*Residual*")),
    ModuleRule("bottleneck-block", ("*BottleNeckLayer", "*Bottleneck")),
    ModuleRule("residual-block", ("*ResNetBasicLayer", "*BasicBlock", "*ResidualBlock", "*BottleNeckLayer", "*Bottleneck")),
    ModuleRule("inverted-residual-block", ("*InvertedResidual", "*InvertedResidualBlock", "EfficientNetBlock", "*MBConv*")),
    ModuleRule("squeeze-and-excitation", ("*SqueezeExcite*", "*SqueezeExcitation*", "*SELayer")),
    # convolution and pooling
    ModuleRule("depthwise-separable-convolution", ("torch.nn.Conv2d",), when="depthwise"),
    ModuleRule("grouped-convolution", ("torch.nn.Conv2d",), when="grouped"),
    ModuleRule("dilated-convolution", ("torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d"), when="dilated"),
    ModuleRule("transposed-convolution", ("torch.nn.ConvTranspose1d", "torch.nn.ConvTranspose2d", "torch.nn.ConvTranspose3d")),
    ModuleRule("conv1d", ("torch.nn.Conv1d",)),
    ModuleRule("conv2d", ("torch.nn.Conv2d",)),
    ModuleRule("conv3d", ("torch.nn.Conv3d",)),
    ModuleRule("global-average-pooling", ("torch.nn.AdaptiveAvgPool1d", "torch.nn.AdaptiveAvgPool2d"), when="global", group="pool"),
    ModuleRule("adaptive-pooling", ("torch.nn.AdaptiveAvgPool*", "torch.nn.AdaptiveMaxPool*"), group="pool"),
    ModuleRule("max-pooling", ("torch.nn.MaxPool1d", "torch.nn.MaxPool2d", "torch.nn.MaxPool3d")),
    ModuleRule("average-pooling", ("torch.nn.AvgPool1d", "torch.nn.AvgPool2d", "torch.nn.AvgPool3d")),
    # dense and recurrent layers
    ModuleRule("linear", ("torch.nn.Linear", "transformers.pytorch_utils.Conv1D")),
    ModuleRule("bilinear", ("torch.nn.Bilinear",)),
    ModuleRule("lstm", ("torch.nn.LSTM", "torch.nn.LSTMCell")),
    ModuleRule("gru", ("torch.nn.GRU", "torch.nn.GRUCell")),
    ModuleRule("vanilla-rnn", ("torch.nn.RNN", "torch.nn.RNNCell")),
    ModuleRule("bidirectional-rnn", ("torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN"), when="bidirectional-rnn"),
    # regularization
    ModuleRule("spatial-dropout", ("torch.nn.Dropout1d", "torch.nn.Dropout2d", "torch.nn.Dropout3d"), when="active", group="dropout"),
    ModuleRule("alpha-dropout", ("torch.nn.AlphaDropout", "torch.nn.FeatureAlphaDropout"), when="active", group="dropout"),
    ModuleRule("dropout", ("torch.nn.Dropout",), when="active", group="dropout"),
    # activations: torch modules and the transformers activation classes
    ModuleRule("gelu", ("torch.nn.GELU", "*GELUActivation", "*GELUTanh*", "*FastGELU*", "*QuickGELU*", "*NewGELU*")),
    ModuleRule("silu", ("torch.nn.SiLU", "*SiLUActivation", "*Swish*")),
    ModuleRule("relu", ("torch.nn.ReLU", "torch.nn.ReLU6")),
    ModuleRule("leaky-relu", ("torch.nn.LeakyReLU",)),
    ModuleRule("prelu", ("torch.nn.PReLU",)),
    ModuleRule("elu", ("torch.nn.ELU",)),
    ModuleRule("selu", ("torch.nn.SELU",)),
    ModuleRule("mish", ("torch.nn.Mish",)),
    ModuleRule("hardswish", ("torch.nn.Hardswish",)),
    ModuleRule("hardsigmoid", ("torch.nn.Hardsigmoid",)),
    ModuleRule("tanh", ("torch.nn.Tanh",)),
    ModuleRule("sigmoid", ("torch.nn.Sigmoid",)),
    ModuleRule("softmax", ("torch.nn.Softmax",)),
)

_ACT_KEYS = ("hidden_act", "activation_function", "hidden_activation", "dense_act_fn", "activation", "hidden_activation_fn")


CONFIG_RULES: tuple[ConfigRule, ...] = (
    ConfigRule("grouped-query-attention", None, when="fewer-kv-heads"),
    ConfigRule("multi-query-attention", None, when="one-kv-head"),
    ConfigRule("rotary-position-embedding", None, when="rope"),
    ConfigRule("rotary-position-embedding", "position_embedding_type", ("rotary",)),
    ConfigRule("absolute-position-encoding", "position_embedding_type", ("absolute",)),
    ConfigRule("relative-position-encoding", "position_embedding_type", ("relative*",)),
    ConfigRule("relative-position-encoding", "relative_attention_num_buckets"),
    ConfigRule("alibi", "alibi", ("true",)),
    ConfigRule("sliding-window-attention", None, when="sliding-window"),
    ConfigRule("rmsnorm", "rms_norm_eps"),
    ConfigRule("swiglu", "feed_forward_proj", ("gated-silu", "gated-swish")),
    ConfigRule("geglu", "feed_forward_proj", ("gated-gelu*",)),
    ConfigRule("mixture-of-experts", None, when="experts"),
    ConfigRule("top-k-routing", None, when="top-k-experts"),
    ConfigRule("load-balancing-loss", None, when="load-balancing"),
    ConfigRule("dropout", None, when="dropout"),
    *(ConfigRule("gelu", key, ("gelu*", "*_gelu*", "gelu_new", "quick_gelu")) for key in _ACT_KEYS),
    *(ConfigRule("silu", key, ("silu", "swish")) for key in _ACT_KEYS),
    *(ConfigRule("relu", key, ("relu",)) for key in _ACT_KEYS),
)

# Config fields reported as plain facts beside the concepts (they name no concept of the graph).
FACT_KEYS = (
    "model_type",
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "num_key_value_heads",
    "vocab_size",
    "hidden_act",
    "tie_word_embeddings",
    "rope_theta",
    "sliding_window",
    "num_local_experts",
    "num_experts_per_tok",
)


def config_value_matches(rule: ConfigRule, config: Mapping[str, Any]) -> str | None:
    """Evidence (``"config num_key_value_heads=2"``) when ``rule`` holds for ``config``, else ``None``."""
    if rule.when is not None:
        return f"config: {rule.when}" if CONFIG_CONDITIONS[rule.when](config) else None
    assert rule.key is not None
    value = config.get(rule.key)
    if value is None or value is False:
        return None
    text = str(value).lower()
    return f"config {rule.key}={value}" if any(fnmatch.fnmatch(text, p) for p in rule.values) else None


def module_rule_matches(rule: ModuleRule, names: list[str], module: Any, path: str) -> bool:
    """Whether ``rule`` applies to ``module`` (class names from :func:`~implementations.anatomy.conditions.class_names`) at ``path``."""
    if not any(fnmatch.fnmatchcase(name, pattern) for pattern in rule.classes for name in names):
        return False
    if rule.paths and not any(fnmatch.fnmatch(path, p) for p in rule.paths):
        return False
    return rule.when is None or CONDITIONS[rule.when](module, path)
