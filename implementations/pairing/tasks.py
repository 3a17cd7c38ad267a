"""One small, deterministic benchmark task per layer family, keyed by the family's concept slug.

Every task draws its synthetic data from a ``torch.Generator`` seeded by ``seed`` and builds its
model from the registered implementations (:func:`implementations.create`), so the same seed gives
the same data and — under the same global seed — the same initial weights. Targets are
standardised and classes balanced, so a constant prediction does not pass the 1.5× test of
:mod:`implementations.pairing.verify`: the loss must fall through learning. The module ends with
the torch helpers of a reproducible run (isolated RNG and threads, decay split, gradient clipping).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from implementations.registry.factory import create


@dataclass
class Problem:
    """A built task: the model, its training objective and its full-data loss.

    Attributes:
        model: The network, built from registered implementations.
        batch_loss: Task loss of the mini-batch used at step ``i`` (no auxiliary terms).
        full_loss: Task loss over the whole training set (called under ``no_grad``, eval mode).
        aux_loss: The auxiliary loss of the last forward pass (mixture of experts), if any.

    """

    model: nn.Module
    batch_loss: Callable[[int], Tensor]
    full_loss: Callable[[], Tensor]
    aux_loss: Callable[[], Tensor] | None = None

    def evaluate(self) -> float:
        """The full training-set loss, in eval mode and without gradients."""
        self.model.eval()
        with torch.no_grad():
            value = float(self.full_loss())
        self.model.train()
        return value


@dataclass(frozen=True)
class Task:
    """A benchmark for one layer family.

    Attributes:
        family: Concept slug of the layer family (``convolution``).
        summary: What the model learns, in one line.
        steps: Default number of optimizer steps.
        build: ``build(seed) -> Problem``; call after ``torch.manual_seed`` for reproducible weights.

    """

    family: str
    summary: str
    steps: int
    build: Callable[[int], Problem]


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _sampler(n: int, batch: int, seed: int) -> Callable[[int], Tensor]:
    """Indices of the mini-batch of step ``i``: a fixed function of ``(seed, i)``."""
    return lambda i: torch.randint(0, n, (batch,), generator=_generator(seed * 1_000_003 + i))


def _supervised(model: nn.Module, x: Tensor, y: Tensor, loss: nn.Module, batch: int, seed: int) -> Problem:
    sample = _sampler(len(x), batch, seed)

    def batch_loss(i: int) -> Tensor:
        idx = sample(i)
        return loss(model(x[idx]), y[idx])  # type: ignore[no-any-return]

    return Problem(model, batch_loss, lambda: loss(model(x), y))


def _standardise(y: Tensor) -> Tensor:
    return (y - y.mean()) / y.std()


def build_linear(seed: int) -> Problem:
    """MLP regression: a 16-64-64-1 ReLU network of ``linear`` layers fits a random tanh teacher."""
    g = _generator(seed)
    x = torch.randn(1024, 16, generator=g)
    w1, w2 = torch.randn(16, 32, generator=g) / 4, torch.randn(32, 1, generator=g)
    y = _standardise(torch.tanh(x @ w1) @ w2 + 0.1 * torch.randn(1024, 1, generator=g))
    layers = [create("linear", in_features=16, out_features=64), create("relu"), create("linear", in_features=64, out_features=64)]
    model = nn.Sequential(*layers, create("relu"), create("linear", in_features=64, out_features=1))
    return _supervised(model, x, y, create("mse-loss"), 128, seed)


def _bars() -> Tensor:
    """Templates ``[4, 25, 1, 8, 8]``: bars of length 4 (horizontal, vertical, both diagonals) at the 25 positions of a 5×5 grid."""
    out = torch.zeros(4, 25, 1, 8, 8)
    for pos in range(25):
        r, c = divmod(pos, 5)
        for i in range(4):
            out[0, pos, 0, r + 2, c + i] = out[1, pos, 0, r + i, c + 2] = 1.0
            out[2, pos, 0, r + i, c + i] = out[3, pos, 0, r + i, c + 3 - i] = 1.0
    return out


def build_convolution(seed: int) -> Problem:
    """Classify the orientation of a bar in a noisy 8×8 image: conv2d → batch norm → ReLU (×2) → pool → linear."""
    g = _generator(seed)
    labels = torch.arange(1024) % 4
    images = _bars()[labels, torch.randint(0, 25, (1024,), generator=g)] + 0.5 * torch.randn(1024, 1, 8, 8, generator=g)

    def stage(cin: int, cout: int) -> list[nn.Module]:
        return [create("conv2d", in_channels=cin, out_channels=cout), create("batch-normalization", num_features=cout), create("relu")]

    model = nn.Sequential(
        *stage(1, 8),
        create("max-pooling"),
        *stage(8, 16),
        create("global-average-pooling"),
        nn.Flatten(),
        create("linear", in_features=16, out_features=4),
    )
    return _supervised(model, images, labels, create("cross-entropy-loss"), 64, seed)


class _TokenClassifier(nn.Module):
    """Per-token classifier ``[B, T] ids → [B, V, T]`` logits (class axis second, for cross-entropy)."""

    def __init__(self, body: nn.Sequential) -> None:
        super().__init__()
        self.body = body

    def forward(self, ids: Tensor) -> Tensor:
        return self.body(ids).transpose(1, 2)  # type: ignore[no-any-return]


def build_transformer(seed: int, vocab: int = 16, length: int = 8, width: int = 32, layers: int = 2) -> Problem:
    """Sort 8 tokens from a vocabulary of 16: embeddings → two pre-norm transformer blocks → per-token softmax."""
    g = _generator(seed)
    x = torch.randint(0, vocab, (2048, length), generator=g)
    y = x.sort(dim=1).values
    blocks = [create("transformer-block", d_model=width, nhead=4, dim_feedforward=2 * width, dropout=0.0) for _ in range(layers)]
    body = nn.Sequential(
        create("token-embedding", num_embeddings=vocab, embedding_dim=width),
        create("learned-positional-embedding", max_len=length, dim=width),
        *blocks,
        create("layer-normalization", normalized_shape=width),
        create("linear", in_features=width, out_features=vocab),
    )
    return _supervised(_TokenClassifier(body), x, y, create("cross-entropy-loss"), 64, seed)


class _LastStep(nn.Module):
    """Read a sequence with an LSTM and regress from its last hidden state."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.lstm = create("lstm", input_size=2, hidden_size=hidden)
        self.head = create("linear", in_features=hidden, out_features=1)

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])  # type: ignore[no-any-return]


def build_recurrent(seed: int, length: int = 16) -> Problem:
    """The adding problem (Hochreiter & Schmidhuber, 1997): sum the two marked values of a 16-step sequence."""
    g = _generator(seed)
    values = torch.rand(2048, length, generator=g)
    first = torch.randint(0, length // 2, (2048,), generator=g)
    second = torch.randint(length // 2, length, (2048,), generator=g)
    marks = torch.zeros(2048, length)
    rows = torch.arange(2048)
    marks[rows, first] = marks[rows, second] = 1.0
    y = _standardise((values * marks).sum(1, keepdim=True))
    return _supervised(_LastStep(32), torch.stack([values, marks], dim=-1), y, create("mse-loss"), 64, seed)


class _BagOfIds(nn.Module):
    """Mean of the embeddings of a bag of ids, then a linear classifier."""

    def __init__(self, vocab: int, dim: int, classes: int) -> None:
        super().__init__()
        self.embedding = create("embedding", num_embeddings=vocab, embedding_dim=dim)
        self.head = create("linear", in_features=dim, out_features=classes)

    def forward(self, ids: Tensor) -> Tensor:
        return self.head(self.embedding(ids).mean(dim=1))  # type: ignore[no-any-return]


def build_embedding(seed: int, vocab: int = 5000, classes: int = 4, bag: int = 8) -> Problem:
    """Classify bags of 8 ids from 5,000 Zipf-distributed ids; each id carries a hidden score per class.

    The label is the class with the highest summed score; rare ids get few (sparse) gradient updates.
    """
    g = _generator(seed)
    zipf = 1.0 / (torch.arange(vocab, dtype=torch.float) + 10.0)
    ids = torch.multinomial(zipf, 4096 * bag, replacement=True, generator=g).view(4096, bag)
    scores = torch.randn(vocab, classes, generator=g)
    labels = scores[ids].sum(dim=1).argmax(dim=1)
    return _supervised(_BagOfIds(vocab, 16, classes), ids, labels, create("cross-entropy-loss"), 128, seed)


class _GraphNet(nn.Module):
    """Two GCN layers with a node-level LayerNorm between them, on a fixed adjacency."""

    def __init__(self, adj: Tensor, features: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.register_buffer("adj", adj)
        self.conv1 = create("gcn", in_channels=features, out_channels=hidden)
        self.norm = create("layer-normalization", normalized_shape=hidden)
        self.conv2 = create("gcn", in_channels=hidden, out_channels=classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv2(torch.relu(self.norm(self.conv1(x, self.adj))), self.adj)  # type: ignore[no-any-return]


def build_graph(
    seed: int, nodes: int = 240, classes: int = 4, features: int = 16, p_in: float = 0.05, p_out: float = 0.02, signal: float = 0.5
) -> Problem:
    """Node classification on a stochastic block model (4 blocks, p_in 0.05, p_out 0.02) with noisy features.

    Full-batch training on every node; features hold a weak class signal that graph smoothing amplifies.
    """
    g = _generator(seed)
    labels = torch.arange(nodes) % classes
    same = labels[:, None] == labels[None, :]
    upper = torch.triu((torch.rand(nodes, nodes, generator=g) < torch.where(same, p_in, p_out)).float(), diagonal=1)
    adj = upper + upper.T
    x = signal * torch.randn(classes, features, generator=g)[labels] + torch.randn(nodes, features, generator=g)
    model = _GraphNet(adj, features, 32, classes)
    loss = create("cross-entropy-loss")
    return Problem(model, lambda _: loss(model(x), labels), lambda: loss(model(x), labels))


def build_moe(seed: int, dim: int = 8) -> Problem:
    """Mixture regression: a different linear map in each quadrant of (x₀, x₁); linear → mixture-of-experts → linear."""
    g = _generator(seed)
    x = torch.randn(2048, dim, generator=g)
    regime = (x[:, 0] > 0).long() * 2 + (x[:, 1] > 0).long()
    maps = torch.randn(4, dim, generator=g) / math.sqrt(dim)
    y = _standardise((x * maps[regime]).sum(1, keepdim=True))
    moe = create("mixture-of-experts", dim=16, num_experts=4, k=2, hidden_dim=32)
    model = nn.Sequential(create("linear", in_features=dim, out_features=16), moe, create("linear", in_features=16, out_features=1))
    problem = _supervised(model, x, y, create("mse-loss"), 128, seed)
    problem.aux_loss = lambda: moe.aux_loss
    return problem


TASKS: dict[str, Task] = {
    t.family: t
    for t in [
        Task("linear", "MLP regression of a random tanh teacher (1,024 points, batch 128)", 200, build_linear),
        Task("convolution", "bar-orientation classification of noisy 8×8 images (conv2d + batch norm)", 150, build_convolution),
        Task("transformer", "sorting 8 tokens of a 16-token vocabulary with two transformer blocks", 150, build_transformer),
        Task("recurrent-neural-network", "the adding problem over 16 steps with an LSTM", 250, build_recurrent),
        Task("graph-neural-network", "node classification on a 240-node stochastic block model with GCN", 50, build_graph),
        Task("embedding", "bag-of-ids classification over 5,000 Zipf-distributed ids", 300, build_embedding),
        Task("mixture-of-experts", "piecewise-linear regression with a top-2 mixture of 4 experts", 200, build_moe),
    ]
}


# --- Running: reproducible, single-threaded training --------------------------------------------


@contextlib.contextmanager
def isolated(seed: int) -> Iterator[None]:
    """One thread, deterministic algorithms and a private, seeded RNG; all restored on exit."""
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


def param_groups(model: nn.Module, split: bool) -> list[dict[str, Any]]:
    """All parameters in one group, or (``split``) no weight decay on biases and norm weights (ndim < 2)."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not split:
        return [{"params": params}]
    return [{"params": [p for p in params if p.ndim >= 2]}, {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]


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
