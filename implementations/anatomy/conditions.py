"""Named conditions the anatomy rules refer to: over one submodule (``CONDITIONS``) or a whole config (``CONFIG_CONDITIONS``).

They read attributes duck-typed (``head_dim``, ``q_proj.out_features``, ``groups``, ``p`` …), so
nothing here imports torch.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from typing import Any

_ATTENTION_PROJECTIONS = (("q_proj", "k_proj", "v_proj"), ("query", "key", "value"), ("q", "k", "v"), ("c_attn",), ("qkv",))
_GATED_PAIRS = (("gate_proj", "up_proj"), ("wi_0", "wi_1"), ("w1", "w3"), ("gate_up_proj",))
_ACTIVATION_ATTRS = ("act_fn", "act", "activation", "activation_fn")
_POSITION_PARAMETERS = ("position_embeddings", "position_embedding", "pos_embed", "pos_embedding")
_CROSS_PATHS = ("*EncDecAttention", "*crossattention*", "*encoder_attn", "*cross_attn*")


def class_names(module: Any) -> list[str]:
    """Qualified and bare names of the module's classes (MRO, without ``nn.Module`` and ``object``)."""
    names: list[str] = []
    for cls in type(module).__mro__:
        if cls.__module__ == "builtins" or cls.__qualname__ == "Module":
            continue
        qualified = f"{cls.__module__}.{cls.__qualname__}"
        names += [qualified, cls.__qualname__]
        if cls.__module__.startswith("torch.nn.modules."):
            names.append(f"torch.nn.{cls.__qualname__}")
    return names


def attention_heads(module: Any) -> tuple[int, int] | None:
    """``(heads, kv_heads)`` of an attention module that owns its projections, else ``None``."""
    children = dict(module.named_children())
    if not any(all(name in children for name in names) for names in _ATTENTION_PROJECTIONS) and not hasattr(module, "in_proj_weight"):
        return None
    head_dim = getattr(module, "head_dim", None)
    q_proj, k_proj = children.get("q_proj"), children.get("k_proj")
    if isinstance(head_dim, int) and head_dim > 0 and hasattr(q_proj, "out_features") and hasattr(k_proj, "out_features"):
        return int(q_proj.out_features) // head_dim, int(k_proj.out_features) // head_dim  # type: ignore[union-attr]
    heads = next((getattr(module, a) for a in ("num_heads", "num_attention_heads", "n_heads", "n_head") if hasattr(module, a)), None)
    if not isinstance(heads, int):
        return None
    kv_heads = next((getattr(module, a) for a in ("num_kv_heads", "num_key_value_heads", "n_kv_heads") if hasattr(module, a)), heads)
    return heads, int(kv_heads)


def _cross(module: Any, path: str) -> bool:
    return bool(getattr(module, "is_cross_attention", False)) or any(fnmatch.fnmatch(path, p) for p in _CROSS_PATHS)


def _causal(module: Any) -> bool:
    return bool(getattr(module, "is_causal", getattr(module, "causal", False)))


def _gated_activation(module: Any) -> str | None:
    """The activation class name of a gated MLP (two input projections, one gated by the activation), else ``None``."""
    names = {name for name, _ in module.named_children()} | {name for name, _ in module.named_parameters(recurse=False)}
    if not any(all(n in names for n in pair) for pair in _GATED_PAIRS):
        return None
    act = next((getattr(module, a) for a in _ACTIVATION_ATTRS if hasattr(module, a)), None)
    return type(act).__name__.lower() if act is not None else None


def _heads(module: Any) -> tuple[int, int]:
    return attention_heads(module) or (0, 0)


Condition = Callable[[Any, str], bool]
CONDITIONS: Mapping[str, Condition] = {
    "attention": lambda m, p: attention_heads(m) is not None,
    "self-attention": lambda m, p: attention_heads(m) is not None and not _cross(m, p),
    "cross-attention": lambda m, p: attention_heads(m) is not None and _cross(m, p),
    "causal": lambda m, p: attention_heads(m) is not None and not _cross(m, p) and _causal(m),
    "bidirectional": lambda m, p: attention_heads(m) is not None and not _cross(m, p) and hasattr(m, "is_causal") and not _causal(m),
    "all-kv-heads": lambda m, p: _heads(m)[0] > 1 and _heads(m)[1] == _heads(m)[0],
    "fewer-kv-heads": lambda m, p: 1 < _heads(m)[1] < _heads(m)[0],
    "one-kv-head": lambda m, p: _heads(m)[1] == 1 < _heads(m)[0],
    "silu-gated": lambda m, p: (_gated_activation(m) or "").startswith(("silu", "swish")),
    "gelu-gated": lambda m, p: "gelu" in (_gated_activation(m) or ""),
    "relu-gated": lambda m, p: "relu" in (_gated_activation(m) or ""),
    "active": lambda m, p: float(getattr(m, "p", 0.0)) > 0.0,
    "depthwise": lambda m, p: 1 < getattr(m, "groups", 1) == getattr(m, "in_channels", 0),
    "grouped": lambda m, p: 1 < getattr(m, "groups", 1) < getattr(m, "in_channels", 0),
    "dilated": lambda m, p: any(d > 1 for d in getattr(m, "dilation", (1,))),
    "position-parameter": lambda m, p: any(n in _POSITION_PARAMETERS for n, _ in m.named_parameters(recurse=False)),
    "global": lambda m, p: getattr(m, "output_size", None) in (1, (1, 1), (1,), (1, 1, 1)),
    "bidirectional-rnn": lambda m, p: bool(getattr(m, "bidirectional", False)),
}


def _fewer_kv_heads(config: Mapping[str, Any]) -> bool:
    heads, kv = config.get("num_attention_heads"), config.get("num_key_value_heads")
    return isinstance(heads, int) and isinstance(kv, int) and 1 < kv < heads


def _one_kv_head(config: Mapping[str, Any]) -> bool:
    heads, kv = config.get("num_attention_heads"), config.get("num_key_value_heads")
    return bool(config.get("multi_query")) or (isinstance(heads, int) and kv == 1 < heads)


def _experts(config: Mapping[str, Any]) -> int:
    return max(int(config.get(k) or 0) for k in ("num_local_experts", "num_experts", "n_routed_experts"))


def _dropout(config: Mapping[str, Any]) -> bool:
    keys = ("hidden_dropout_prob", "dropout_rate", "dropout", "resid_pdrop", "hidden_dropout", "attention_probs_dropout_prob")
    return any(isinstance(config.get(k), float) and config[k] > 0 for k in keys)


ConfigCondition = Callable[[Mapping[str, Any]], bool]
CONFIG_CONDITIONS: Mapping[str, ConfigCondition] = {
    "fewer-kv-heads": _fewer_kv_heads,
    "one-kv-head": _one_kv_head,
    "rope": lambda c: c.get("rope_theta") is not None or bool(c.get("rope_parameters")) or c.get("rotary_dim") is not None,
    "sliding-window": lambda c: isinstance(c.get("sliding_window"), int) and c.get("use_sliding_window", True) is not False,
    "experts": lambda c: _experts(c) > 1,
    "top-k-experts": lambda c: _experts(c) > 1 and int(c.get("num_experts_per_tok") or c.get("moe_topk") or 1) >= 1,
    "load-balancing": lambda c: _experts(c) > 1 and float(c.get("router_aux_loss_coef") or 0.0) > 0.0,
    "dropout": _dropout,
}
