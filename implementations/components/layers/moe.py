"""Sparse mixture of experts: a top-k router, the expert layer and its load-balancing loss.

Tokens are the vectors on the last axis of the input; every leading axis is flattened into one
token axis ``N``. Nothing here drops tokens (no expert capacity limit), which keeps the reference
exact and deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class TopKRouter(nn.Module):
    """Token-choice routing: each token picks the ``k`` experts with the highest router probability.

    ``p = softmax(x W_r)``; the gates of the chosen experts are their probabilities, renormalised
    to sum to one when ``normalize`` (equal to a softmax over the k selected logits, as in Shazeer
    et al. 2017 and Mixtral), or left as they are (Switch Transformer's ``k = 1`` gate ``p_i(x)``).
    With ``k = 1`` and ``normalize`` the gate is always 1, so the router then learns only from an
    auxiliary loss; use ``normalize=False`` for Switch routing.

    References: Shazeer, Mirhoseini, Maziarz, Davis, Le, Hinton, Dean (2017), "Outrageously Large
    Neural Networks: The Sparsely-Gated Mixture-of-Experts Layer", arXiv:1701.06538; Fedus, Zoph,
    Shazeer (2022), "Switch Transformers", arXiv:2101.03961.

    Args:
        dim: Token width.
        num_experts: Number of experts ``E``.
        k: Experts per token.
        normalize: Renormalise the k gates to sum to one.
        bias: Whether the router projection has a bias.

    """

    def __init__(self, dim: int, num_experts: int, k: int = 2, normalize: bool = True, bias: bool = False) -> None:
        super().__init__()
        if not 1 <= k <= num_experts:
            raise ValueError(f"k={k} must lie in [1, num_experts={num_experts}]")
        self.num_experts, self.k, self.normalize = num_experts, k, normalize
        self.proj = nn.Linear(dim, num_experts, bias=bias)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Route tokens ``[..., dim]``.

        Returns:
            ``(gates [..., k], expert indices [..., k], router logits [..., E])``.

        """
        logits = self.proj(x)
        gates, indices = torch.softmax(logits, dim=-1).topk(self.k, dim=-1)
        if self.normalize:
            gates = gates / gates.sum(dim=-1, keepdim=True)
        return gates, indices, logits


class LoadBalancingLoss(nn.Module):
    """Switch-style auxiliary loss ``E · Σ_i f_i · P_i`` that pushes a router towards uniform load.

    ``f_i`` is the fraction of the ``N·k`` token-to-expert assignments that go to expert ``i`` (the
    top-k choices; not differentiable) and ``P_i`` the mean router probability of expert ``i``
    (differentiable). The loss is 1 under perfectly uniform routing and up to ``E`` when one expert
    takes everything; it is usually scaled by a small coefficient (α = 0.01 in Switch). For
    ``k > 1``, dividing ``f`` by ``k`` keeps that scale (implementations that sum the k one-hot
    masks instead report ``k`` times this value).

    Reference: Fedus, Zoph, Shazeer (2022), "Switch Transformers: Scaling to Trillion Parameter
    Models with Simple and Efficient Sparsity", Eq. 4–6, arXiv:2101.03961.

    Args:
        k: Experts chosen per token.
        from_logits: Whether the input holds router logits (True) or probabilities (False).

    """

    def __init__(self, k: int = 1, from_logits: bool = True) -> None:
        super().__init__()
        self.k, self.from_logits = k, from_logits

    def forward(self, router: Tensor) -> Tensor:
        """Scalar loss for router logits or probabilities ``[..., E]``."""
        experts = router.shape[-1]
        probs = torch.softmax(router, dim=-1) if self.from_logits else router
        probs = probs.reshape(-1, experts)
        chosen = probs.detach().topk(self.k, dim=-1).indices
        fraction = F.one_hot(chosen, experts).sum(dim=(0, 1)).to(probs.dtype) / chosen.numel()
        return experts * (fraction * probs.mean(dim=0)).sum()


class MixtureOfExperts(nn.Module):
    """A sparsely-gated mixture-of-experts feed-forward layer with top-k token-choice routing.

    Each token goes through its ``k`` chosen expert MLPs (``Linear → GELU → Linear``) and the
    outputs are summed with the router gates: ``y = Σ_{i ∈ topk(x)} g_i(x) · E_i(x)``. After each
    forward, :attr:`aux_loss` holds the load-balancing loss of that batch (add ``α · aux_loss`` to
    the training loss) and :attr:`router_logits` the router's logits.

    References: Shazeer et al. (2017), "Outrageously Large Neural Networks: The Sparsely-Gated
    Mixture-of-Experts Layer", arXiv:1701.06538; Fedus, Zoph, Shazeer (2022), "Switch
    Transformers", arXiv:2101.03961.

    Args:
        dim: Token width.
        num_experts: Number of experts ``E``.
        k: Experts per token (1 gives Switch routing).
        hidden_dim: Hidden width of every expert (default ``4·dim``).
        bias: Whether the expert projections have biases.
        normalize: Renormalise the k gates to sum to one.

    """

    def __init__(
        self, dim: int, num_experts: int = 4, k: int = 2, hidden_dim: int | None = None, bias: bool = True, normalize: bool = True
    ) -> None:
        super().__init__()
        hidden = 4 * dim if hidden_dim is None else hidden_dim
        self.dim, self.num_experts, self.k = dim, num_experts, k
        self.router = TopKRouter(dim, num_experts, k=k, normalize=normalize)
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(dim, hidden, bias=bias), nn.GELU(), nn.Linear(hidden, dim, bias=bias)) for _ in range(num_experts)
        )
        self.balance = LoadBalancingLoss(k=k)
        self.aux_loss: Tensor = torch.zeros(())
        self.router_logits: Tensor | None = None

    def forward(self, x: Tensor) -> Tensor:
        """Mix experts over tokens ``[..., dim]``; returns the same shape."""
        tokens = x.reshape(-1, self.dim)
        gates, indices, logits = self.router(tokens)
        self.router_logits = logits
        self.aux_loss = self.balance(logits)
        out = torch.zeros_like(tokens)
        for e, expert in enumerate(self.experts):
            token, slot = (indices == e).nonzero(as_tuple=True)
            # Every expert runs, even on zero tokens, so all parameters take part in backward.
            contribution = expert(tokens[token]) * gates[token, slot, None]
            out = out.index_add(0, token, contribution)
        return out.reshape(x.shape)


# --- Samples and oracles --------------------------------------------------------------------------


def router_logits(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Router logits ``[N, E]`` (requiring grad) for :class:`LoadBalancingLoss`."""
    logits = torch.randn(32, 4, requires_grad=True)
    if args.get("from_logits", True):
        return (logits,)
    return (torch.softmax(logits.detach(), dim=-1).requires_grad_(),)


def load_balancing_oracle(loss_fn: LoadBalancingLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """E · Σ_i f_i P_i with the top-k assignments counted token by token, in float64."""
    probs = inputs[0].detach().double()
    probs = torch.softmax(probs, dim=-1) if loss_fn.from_logits else probs
    tokens, experts = probs.shape
    counts = [0] * experts
    for row in probs.tolist():
        for e in sorted(range(experts), key=lambda i: -row[i])[: loss_fn.k]:
            counts[e] += 1
    total = sum(counts[e] / (tokens * loss_fn.k) * float(probs[:, e].mean()) for e in range(experts))
    return torch.tensor(experts * total, dtype=torch.float64)


def top_k_routing_oracle(module: TopKRouter, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Gates, indices and logits from the float64 softmax of x W_r."""
    x = inputs[0].double()
    logits = x @ module.proj.weight.double().T
    logits = logits + module.proj.bias.double() if module.proj.bias is not None else logits
    top, idx = torch.softmax(logits, dim=-1).topk(module.k, dim=-1)
    if module.normalize:
        top = top / top.sum(-1, keepdim=True)
    return top, idx, logits


def moe_oracle(module: MixtureOfExperts, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Dense evaluation: every expert on every token, weighted by a gate matrix that is zero off the top-k."""
    x = inputs[0].double()
    tokens = x.reshape(-1, module.dim)
    top, idx, logits = top_k_routing_oracle(module.router, (tokens,), args)
    gates = torch.zeros_like(logits).scatter(1, idx, top)  # [N, E], zero off the top-k
    outputs = []
    for expert in module.experts:
        assert isinstance(expert, nn.Sequential)
        first, last = expert[0], expert[2]
        assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)
        h = tokens @ first.weight.double().T + (first.bias.double() if first.bias is not None else 0.0)
        h = h * 0.5 * (1.0 + torch.erf(h / math.sqrt(2.0)))
        outputs.append(h @ last.weight.double().T + (last.bias.double() if last.bias is not None else 0.0))
    mixed = (gates[:, :, None] * torch.stack(outputs, dim=1)).sum(dim=1)
    return mixed.reshape(x.shape)
