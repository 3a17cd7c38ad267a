"""Shared pieces of the pairing tasks: the built problem, seeded splits and batches, a reproducible run.

A task's ``build(seed, extras)`` returns a :class:`Problem`: the model, the loss of the mini-batch of
step ``i`` (a fixed function of ``(seed, i)``) and an evaluation on the fixed validation split of
that seed. The helpers at the end make a run reproducible and apply the recipe extras (decay split,
gradient clipping).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

LN2 = math.log(2.0)


@dataclass
class Problem:
    """A built task.

    Attributes:
        model: The network (its trainable parameters are what the optimizer updates).
        batch_loss: Task loss of the mini-batch of step ``i`` (no auxiliary terms).
        validate: ``(validation loss, validation metric)``, called in eval mode under ``no_grad``.
        aux_loss: The auxiliary loss of the last forward pass (mixture of experts), if any.

    """

    model: nn.Module
    batch_loss: Callable[[int], Tensor]
    validate: Callable[[], tuple[float, float]]
    aux_loss: Callable[[], Tensor] | None = field(default=None)

    def evaluate(self) -> tuple[float, float]:
        """Validation loss and metric, in eval mode and without gradients."""
        self.model.eval()
        with torch.no_grad():
            loss, metric = self.validate()
        self.model.train()
        return loss, metric


def generator(seed: int) -> torch.Generator:
    """A private CPU generator seeded with ``seed``."""
    return torch.Generator().manual_seed(seed)


def batch_indices(n: int, batch: int, seed: int) -> Callable[[int], Tensor]:
    """Indices of the mini-batch of step ``i`` among ``n`` examples: a fixed function of ``(seed, i)``."""
    return lambda i: torch.randint(0, n, (batch,), generator=generator(seed * 1_000_003 + i))


def split_indices(n: int, seed: int, val_fraction: float) -> tuple[Tensor, Tensor]:
    """A seeded permutation of ``range(n)`` cut into (train, validation) indices."""
    order = torch.randperm(n, generator=generator(seed))
    n_val = round(n * val_fraction)
    return order[n_val:], order[:n_val]


def accuracy(logits: Tensor, labels: Tensor) -> float:
    """Fraction of rows whose arg-max is the label."""
    return float((logits.argmax(dim=-1) == labels).float().mean())


def classifier(model: nn.Module, x: Tensor, y: Tensor, split: tuple[Tensor, Tensor], batch: int, seed: int) -> Problem:
    """Supervised classification with cross-entropy on ``split = (train, validation)`` rows; metric accuracy."""
    train, val = split
    sample = batch_indices(len(train), batch, seed)
    loss = nn.CrossEntropyLoss()

    def batch_loss(i: int) -> Tensor:
        rows = train[sample(i)]
        return loss(model(x[rows]), y[rows])  # type: ignore[no-any-return]

    def validate() -> tuple[float, float]:
        logits = model(x[val])
        return float(loss(logits, y[val])), accuracy(logits, y[val])

    return Problem(model, batch_loss, validate)


# --- Running: reproducible, single-threaded training --------------------------------------------


@contextlib.contextmanager
def isolated(seed: int) -> Iterator[None]:
    """One thread, deterministic algorithms and a private, seeded global RNG; all restored on exit."""
    threads = torch.get_num_threads()
    deterministic, warn_only = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with torch.random.fork_rng(devices=[]), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
            torch.manual_seed(seed)
            yield
    finally:
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        torch.set_num_threads(threads)


def param_groups(model: nn.Module, split: bool) -> list[dict[str, object]]:
    """All trainable parameters in one group, or (``split``) no weight decay on biases, norm weights and embeddings.

    Biases and normalisation weights are the parameters with fewer than two dimensions; embedding
    tables are the weights of ``nn.Embedding`` modules.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    if not split:
        return [{"params": params}]
    embeddings = {id(m.weight) for m in model.modules() if isinstance(m, nn.Embedding)}
    no_decay = {id(p) for p in params if p.ndim < 2 or id(p) in embeddings}
    return [
        {"params": [p for p in params if id(p) not in no_decay]},
        {"params": [p for p in params if id(p) in no_decay], "weight_decay": 0.0},
    ]


def clip_gradients(params: list[Tensor], max_norm: float, keep_graph: bool) -> None:
    """Clip the global gradient norm; out of place when the gradients carry a graph (Sophia's HVPs)."""
    if not keep_graph:
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        return
    grads = [p.grad for p in params if p.grad is not None]
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g.detach()) for g in grads]))
    scale = min(1.0, max_norm / (float(total) + 1e-6))
    if scale < 1.0:
        for p in params:
            if p.grad is not None:
                p.grad = p.grad * scale
