"""Linear-recurrence sequence models with two equivalent forms: S4D, RetNet, and xLSTM's mLSTM.

Registered in :mod:`implementations.architectures.sequence`. Each layer has a ``mode`` attribute:
the parallel form (convolution, parallel retention) used by default and a
step-by-step recurrence; :func:`recurrent_oracle` runs a float64 copy in the recurrent mode so
the smoke test checks that the two forms agree. Sequences are batch-first ``[B, T, D]``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def run_float64_twin(module: nn.Module, inputs: Sequence[Tensor], **attributes: Any) -> Tensor:
    """Run a float64 copy of ``module`` whose submodules have ``attributes`` set (where they have them)."""
    twin = copy.deepcopy(module).double()
    for layer in twin.modules():
        for name, value in attributes.items():
            if hasattr(layer, name):
                setattr(layer, name, value)
    out: Tensor = twin(*(x.double() if x.is_floating_point() else x for x in inputs))
    return out


def recurrent_oracle(module: nn.Module, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """The module's output computed step by step (every ``mode`` set to ``"recurrent"``), in float64."""
    return run_float64_twin(module, inputs, mode="recurrent")


class S4DLayer(nn.Module):
    """Diagonal structured state-space layer (S4D-Lin), one SSM per channel, with a GELU-GLU output.

    Gu, Gupta, Goel, Ré (2022), "On the Parameterization and Initialization of Diagonal State
    Space Models", arXiv:2206.11893. ``x' = A x + B u``, ``y = C x + D u`` with diagonal complex
    ``A_n = −½ + iπn``, discretised by zero-order hold with a learned step ``Δ``: ``Ā = exp(ΔA)``,
    ``B̄ = (exp(ΔA) − 1)/A`` (``B = 1``, folded into ``C``). Convolution mode: ``y = K * u + D u``
    with ``K_l = 2 Re(Σ_n C_n B̄_n Ā_n^l)`` through an FFT; recurrent mode: ``x_l = Ā x_{l−1} + B̄ u_l``,
    ``y_l = 2 Re(C x_l) + D u_l``.

    Args:
        d_model: Channels ``H``.
        d_state: State size ``N`` (``N/2`` complex conjugate pairs).
        dt_min: Smallest initial step.
        dt_max: Largest initial step.

    """

    def __init__(self, d_model: int, d_state: int = 16, dt_min: float = 1e-3, dt_max: float = 1e-1) -> None:
        super().__init__()
        half = d_state // 2
        self.log_dt = nn.Parameter(torch.rand(d_model) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        self.c = nn.Parameter(torch.randn(d_model, half, 2) * 0.5**0.5)
        self.log_a_real = nn.Parameter(torch.log(0.5 * torch.ones(d_model, half)))
        self.a_imag = nn.Parameter(math.pi * torch.arange(half).float().repeat(d_model, 1))
        self.d = nn.Parameter(torch.randn(d_model))
        self.output = nn.Linear(d_model, 2 * d_model)
        self.mode = "convolution"

    def discretised(self) -> tuple[Tensor, Tensor, Tensor]:
        """``Ā``, ``B̄`` and ``C`` (complex, ``[H, N/2]``)."""
        a = -torch.exp(self.log_a_real) + 1j * self.a_imag
        dt_a = a * torch.exp(self.log_dt)[:, None]
        return torch.exp(dt_a), (torch.exp(dt_a) - 1) / a, torch.view_as_complex(self.c)

    def kernel(self, length: int) -> Tensor:
        """``K`` ``[H, L]``."""
        a_bar, b_bar, c = self.discretised()
        powers = a_bar[:, :, None] ** torch.arange(length, device=a_bar.device)
        return 2 * torch.einsum("hn,hnl->hl", c * b_bar, powers).real

    def forward(self, u: Tensor) -> Tensor:
        """``[B, L, H]`` → ``[B, L, H]``."""
        length = u.shape[1]
        if self.mode == "recurrent":
            a_bar, b_bar, c = self.discretised()
            x, ys = torch.zeros_like(a_bar[None].expand(u.shape[0], -1, -1)), []
            for t in range(length):
                x = a_bar * x + b_bar * u[:, t, :, None]
                ys.append(2 * (c * x).sum(-1).real)
            y = torch.stack(ys, 1)
        else:
            spectrum = torch.fft.rfft(u, n=2 * length, dim=1) * torch.fft.rfft(self.kernel(length).T, n=2 * length, dim=0)
            y = torch.fft.irfft(spectrum, n=2 * length, dim=1)[:, :length]
        return F.glu(self.output(F.gelu(y + u * self.d)), dim=-1)


class MultiScaleRetention(nn.Module):
    """RetNet's multi-scale retention: per-head decay ``γ_h = 1 − 2^{−5−h}``, group norm and a swish gate.

    Sun, Dong, Huang, Ma, Xia, Xue, Wang, Wei (2023), "Retentive Network: A Successor to
    Transformer for Large Language Models", arXiv:2307.08621. Parallel form
    ``(Q Kᵀ ⊙ D) V`` with ``D_nm = γ^{n−m}`` for ``n ≥ m`` (else 0); recurrent form
    ``S_n = γ S_{n−1} + K_nᵀ V_n``, ``o_n = Q_n S_n``. The xPos rotation of ``Q`` and ``K`` is left out.

    Args:
        d_model: Width.
        num_heads: Heads (scales).

    """

    gamma: Tensor

    def __init__(self, d_model: int, num_heads: int = 4) -> None:
        super().__init__()
        self.num_heads, self.head_dim = num_heads, d_model // num_heads
        self.qkvg = nn.Linear(d_model, 4 * d_model, bias=False)
        self.out = nn.Linear(d_model, d_model, bias=False)
        self.norm = nn.GroupNorm(num_heads, d_model)
        self.register_buffer("gamma", 1 - 2.0 ** (-5 - torch.arange(num_heads).float()))
        self.mode = "parallel"

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, D]`` → ``[B, T, D]``."""
        batch, length, width = x.shape
        q, k, v, g = self.qkvg(x).chunk(4, -1)
        q, k, v = (t.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2) for t in (q, k, v))
        k = k / math.sqrt(self.head_dim)
        if self.mode == "recurrent":
            state, outs = q.new_zeros(batch, self.num_heads, self.head_dim, self.head_dim), []
            for t in range(length):
                state = self.gamma[:, None, None] * state + k[:, :, t, :, None] * v[:, :, t, None, :]
                outs.append(q[:, :, t, None] @ state)
            y = torch.cat(outs, 2)
        else:
            n = torch.arange(length, device=x.device)
            gap = (n[:, None] - n[None, :]).to(x.dtype)
            decay = torch.where(gap >= 0, self.gamma[:, None, None] ** gap.clamp_min(0), torch.zeros((), dtype=x.dtype))
            y = ((q @ k.transpose(-2, -1)) * decay) @ v
        y = self.norm(y.transpose(1, 2).reshape(batch * length, width)).view(batch, length, width)
        out: Tensor = self.out(F.silu(g) * y)
        return out


class MLSTMBlock(nn.Module):
    """An xLSTM block with the matrix-memory mLSTM (pre-up-projection, residual).

    Beck, Pöppel, Spanring, Auer, Prudnikova, Kopp, Klambauer, Brandstetter, Hochreiter (2024),
    "xLSTM: Extended Long Short-Term Memory", arXiv:2405.04517. Per head:
    ``C_t = f_t C_{t−1} + i_t v_t k_tᵀ``, ``n_t = f_t n_{t−1} + i_t k_t``,
    ``h_t = o_t ⊙ C_t q_t / max(|n_tᵀ q_t|, 1)`` with exponential input gate ``i = exp(ĩ)``, sigmoid
    forget gate and the stabiliser ``m_t = max(log f_t + m_{t−1}, ĩ_t)`` (states kept scaled by
    ``exp(−m_t)``, so the bound becomes ``exp(−m_t)``). Block: LayerNorm → up-projection to two
    branches → mLSTM on one, swish gate from the other → GroupNorm → down-projection. The
    block's short causal convolution is left out. Only a recurrent form is given (``stabilize``
    toggles the stabiliser, which must not change the result).

    Args:
        d_model: Width.
        num_heads: mLSTM heads.
        proj_factor: Up-projection factor.

    """

    def __init__(self, d_model: int, num_heads: int = 4, proj_factor: int = 2) -> None:
        super().__init__()
        inner = proj_factor * d_model
        self.num_heads, self.head_dim = num_heads, inner // num_heads
        self.norm = nn.LayerNorm(d_model)
        self.up = nn.Linear(d_model, 2 * inner)
        self.qkvo = nn.Linear(inner, 4 * inner)
        self.if_gates = nn.Linear(inner, 2 * num_heads)
        self.out_norm = nn.GroupNorm(num_heads, inner)
        self.down = nn.Linear(inner, d_model)
        self.stabilize = True

    def cell(self, a: Tensor) -> Tensor:
        """The mLSTM over ``[B, T, inner]`` → ``[B, T, inner]``."""
        batch, length, inner = a.shape
        q, k, v, o = (t.view(batch, length, self.num_heads, self.head_dim) for t in self.qkvo(a).chunk(4, -1))
        k = k / math.sqrt(self.head_dim)
        i_pre, f_pre = self.if_gates(a).chunk(2, -1)  # [B, T, heads]
        log_f = F.logsigmoid(f_pre)
        c = a.new_zeros(batch, self.num_heads, self.head_dim, self.head_dim)
        n, m, hs = a.new_zeros(batch, self.num_heads, self.head_dim), a.new_zeros(batch, self.num_heads), []
        for t in range(length):
            m_new = torch.maximum(log_f[:, t] + m, i_pre[:, t]) if self.stabilize else torch.zeros_like(m)
            i_gate, f_gate = torch.exp(i_pre[:, t] - m_new)[..., None], torch.exp(log_f[:, t] + m - m_new)[..., None]
            c = f_gate[..., None] * c + i_gate[..., None] * v[:, t, :, :, None] * k[:, t, :, None, :]
            n = f_gate * n + i_gate * k[:, t]
            bound = torch.maximum((n * q[:, t]).sum(-1).abs(), torch.exp(-m_new))[..., None]
            hs.append(torch.sigmoid(o[:, t]) * (c @ q[:, t, :, :, None])[..., 0] / bound)
            m = m_new
        return torch.stack(hs, 1).reshape(batch, length, inner)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, D]`` → ``[B, T, D]``."""
        a, z = self.up(self.norm(x)).chunk(2, -1)
        h = self.cell(a)
        h = self.out_norm(h.reshape(-1, h.shape[-1])).view_as(h)
        out: Tensor = x + self.down(h * F.silu(z))
        return out


def unstabilized_oracle(module: nn.Module, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """The xLSTM output without the mLSTM stabiliser (plain ``exp`` gates), in float64."""
    return run_float64_twin(module, inputs, stabilize=False)


class PreNorm(nn.Module):
    """``x + layer(LayerNorm(x))``: a pre-norm residual around a sequence layer."""

    def __init__(self, d_model: int, layer: nn.Module) -> None:
        super().__init__()
        self.norm, self.layer = nn.LayerNorm(d_model), layer

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, D]`` → ``[B, T, D]``."""
        out: Tensor = x + self.layer(self.norm(x))
        return out


def build_s4d(d_model: int = 32, d_state: int = 16, num_layers: int = 2) -> nn.Module:
    """A stack of pre-norm residual :class:`S4DLayer` (Gu et al. 2022, arXiv:2206.11893)."""
    return nn.Sequential(*(PreNorm(d_model, S4DLayer(d_model, d_state)) for _ in range(num_layers)))


def build_retnet(d_model: int = 32, num_heads: int = 4, num_layers: int = 2) -> nn.Module:
    """RetNet blocks: ``X + MSR(LN(X))`` then ``X + FFN(LN(X))`` (Sun et al. 2023, arXiv:2307.08621)."""
    blocks: list[nn.Module] = []
    for _ in range(num_layers):
        ffn = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.GELU(), nn.Linear(2 * d_model, d_model))
        blocks += [PreNorm(d_model, MultiScaleRetention(d_model, num_heads)), PreNorm(d_model, ffn)]
    return nn.Sequential(*blocks)


def build_xlstm(d_model: int = 32, num_heads: int = 4, num_layers: int = 2) -> nn.Module:
    """A stack of residual :class:`MLSTMBlock` (Beck et al. 2024, arXiv:2405.04517)."""
    return nn.Sequential(*(MLSTMBlock(d_model, num_heads) for _ in range(num_layers)))
