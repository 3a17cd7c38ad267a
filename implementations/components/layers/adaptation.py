"""Parameter-efficient fine-tuning modules: LoRA, bottleneck adapters and prompt tuning.

Each freezes the layer or embeddings it adapts and trains only a few added parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank update: ``y = W₀x + b + (α/r)·B A x``.

    ``A`` (``r × in``) starts Kaiming-uniform and ``B`` (``out × r``) at zero, so training starts
    from the pretrained function; after training ``W₀ + (α/r) B A`` can be merged into one matrix.

    Reference: Hu, Shen, Wallis, Allen-Zhu, Li, Wang, Wang, Chen (2021), "LoRA: Low-Rank Adaptation
    of Large Language Models", arXiv:2106.09685.

    Args:
        in_features: Input width.
        out_features: Output width.
        rank: ``r``.
        alpha: Scale numerator ``α``.
        b_init_std: Standard deviation of ``B`` at initialisation (0, the paper's choice, or > 0 to
            check the update path from the start).

    """

    def __init__(self, in_features: int = 16, out_features: int = 8, rank: int = 4, alpha: float = 8.0, b_init_std: float = 0.0) -> None:
        super().__init__()
        self.base = nn.Linear(in_features, out_features).requires_grad_(False)
        self.lora_a = nn.Parameter(torch.empty(rank, in_features))
        self.lora_b = nn.Parameter(torch.randn(out_features, rank) * b_init_std)
        nn.init.kaiming_uniform_(self.lora_a, a=5**0.5)
        self.scaling = alpha / rank

    def forward(self, x: Tensor) -> Tensor:
        """``[..., in_features]`` → ``[..., out_features]``."""
        out: Tensor = self.base(x) + self.scaling * (x @ self.lora_a.T) @ self.lora_b.T
        return out


class BottleneckAdapter(nn.Module):
    """A residual bottleneck ``x + W_up · f(W_down · x)`` inserted after a frozen sublayer.

    ``W_up`` starts at zero so the adapter starts as the identity.

    Reference: Houlsby, Giurgiu, Jastrzębski, Morrone, de Laroussilhe, Gesmundo, Attariyan, Gelly
    (2019), "Parameter-Efficient Transfer Learning for NLP", arXiv:1902.00751.

    Args:
        dim: Width of the hidden states.
        bottleneck: Adapter width ``m ≪ dim``.
        up_init_std: Standard deviation of ``W_up`` at initialisation (0: identity at start).

    """

    def __init__(self, dim: int = 32, bottleneck: int = 8, up_init_std: float = 0.0) -> None:
        super().__init__()
        self.down = nn.Linear(dim, bottleneck)
        self.up = nn.Linear(bottleneck, dim)
        nn.init.normal_(self.up.weight, std=up_init_std)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: Tensor) -> Tensor:
        """``[..., dim]`` → ``[..., dim]``."""
        out: Tensor = x + self.up(nn.functional.gelu(self.down(x)))
        return out


class PromptTuning(nn.Module):
    """Soft prompts: ``prompt_length`` trainable vectors prepended to a frozen model's input embeddings.

    Reference: Lester, Al-Rfou, Constant (2021), "The Power of Scale for Parameter-Efficient Prompt
    Tuning", arXiv:2104.08691.

    Args:
        dim: Embedding width.
        prompt_length: Number of soft-prompt vectors.

    """

    def __init__(self, dim: int = 16, prompt_length: int = 4) -> None:
        super().__init__()
        self.prompt = nn.Parameter(torch.randn(prompt_length, dim) * 0.5)

    def forward(self, embeddings: Tensor) -> Tensor:
        """``[B, T, dim]`` → ``[B, prompt_length + T, dim]``."""
        return torch.cat([self.prompt.expand(embeddings.shape[0], -1, -1), embeddings], dim=1)


# --- float64 oracles ------------------------------------------------------------------------------


def lora_oracle(module: LoRALinear, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The merged weight ``W₀ + (α/r)·B A`` applied once, in float64."""
    merged = module.base.weight.double() + module.scaling * module.lora_b.double() @ module.lora_a.double()
    return inputs[0].double() @ merged.T + module.base.bias.double()


def adapter_oracle(module: BottleneckAdapter, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """``x + W_up GELU(W_down x + b_down) + b_up`` with the exact (erf) GELU, in float64."""
    x = inputs[0].double()
    h = x @ module.down.weight.double().T + module.down.bias.double()
    h = 0.5 * h * (1 + torch.erf(h / 2**0.5))
    return x + h @ module.up.weight.double().T + module.up.bias.double()


def prompt_oracle(module: PromptTuning, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Row by row: the prompt, then the sequence."""
    x = inputs[0].double()
    return torch.stack([torch.cat([module.prompt.double(), x[b]]) for b in range(x.shape[0])])
