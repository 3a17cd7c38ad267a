"""Reference losses, structured dropout, graph layers and LeCun normal: values against oracles."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from implementations.components.layers.graph import GATConv, GCNConv, GINConv, gat_oracle
from implementations.components.layers.regularization import DropBlock2d, DropConnectLinear, StochasticDepth
from implementations.components.training.initializers import lecun_normal_
from implementations.components.training.losses import (
    ArcFaceLoss,
    ContrastiveLoss,
    DiceLoss,
    FocalLoss,
    InfoNCE,
    IoULoss,
    NTXentLoss,
    WassersteinLoss,
)
from implementations.registry.factory import create, get_implementation
from implementations.registry.smoke import run_smoke_test

SLUGS = [
    "focal-loss", "dice-loss", "nt-xent", "contrastive-loss", "iou-loss", "arcface", "wasserstein-loss",
    "stochastic-depth", "dropblock", "dropconnect", "gcn", "gin", "gat", "lecun-normal-initialization",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.mark.parametrize("slug", SLUGS)
def test_smoke(slug: str) -> None:
    result = run_smoke_test(slug)
    assert result.ok, (result.error, [(c.name, c.detail) for c in result.checks if not c.ok])
    assert get_implementation(slug).target.startswith("implementations.")


def test_aliases_resolve() -> None:
    assert get_implementation("DropPath").concept == "stochastic-depth"
    assert get_implementation("SimCLR loss").concept == "nt-xent"
    assert isinstance(create("GCNConv", in_channels=3, out_channels=2), GCNConv)


# --- losses -------------------------------------------------------------------------------------


def test_focal_gamma_zero_is_cross_entropy() -> None:
    logits, classes = torch.randn(10, 4), torch.randint(0, 4, (10,))
    assert torch.allclose(FocalLoss(alpha=None, gamma=0.0)(logits, classes), F.cross_entropy(logits, classes), atol=1e-6)
    target = torch.randint(0, 2, (10, 3)).float()
    expected = F.binary_cross_entropy_with_logits(logits[:, :3], target)
    assert torch.allclose(FocalLoss(alpha=None, gamma=0.0)(logits[:, :3], target), expected, atol=1e-6)


def test_focal_alpha_matches_closed_form() -> None:
    logits, target = torch.randn(6, 5, dtype=torch.float64), torch.randint(0, 2, (6, 5)).double()
    alpha, gamma = 0.25, 2.0
    p = 1 / (1 + torch.exp(-logits))
    expected = torch.where(target == 1, -alpha * (1 - p) ** gamma * torch.log(p), -(1 - alpha) * p**gamma * torch.log(1 - p)).mean()
    assert torch.allclose(FocalLoss(alpha, gamma)(logits, target), expected, atol=1e-12)
    # Multi-class with per-class weights: −α_y (1 − p_y)^γ log p_y.
    classes, weights = torch.randint(0, 5, (6,)), [0.1, 0.2, 0.3, 0.2, 0.2]
    probs = torch.softmax(logits, 1)
    terms = [-weights[y] * (1 - probs[i, y]) ** 1.5 * math.log(probs[i, y]) for i, y in enumerate(classes.tolist())]
    got = FocalLoss(weights, 1.5, reduction="sum")(logits, classes)
    assert math.isclose(float(got), sum(terms), rel_tol=1e-12)


def test_focal_down_weights_easy_examples() -> None:
    easy, hard = torch.tensor([6.0]), torch.tensor([-1.0])
    one = torch.ones(1)
    focal, bce = FocalLoss(None, 2.0), FocalLoss(None, 0.0)
    assert focal(easy, one) / bce(easy, one) < 1e-4 < focal(hard, one) / bce(hard, one)


def test_dice_zero_at_target_and_closed_form() -> None:
    mask = torch.randint(0, 2, (3, 1, 5, 5)).double()
    mask[:, :, 0, 0] = 1
    for squared in (True, False):
        assert float(DiceLoss(activation="none", squared=squared)(mask, mask)) == pytest.approx(0.0, abs=1e-12)
    probs = torch.rand(3, 1, 5, 5, dtype=torch.float64)
    got = DiceLoss(smooth=0.5, activation="none", reduction="none")(probs, mask)
    for i in range(3):
        p, g = probs[i], mask[i]
        expected = 1 - (2 * (p * g).sum() + 0.5) / ((p**2).sum() + (g**2).sum() + 0.5)
        assert float(got[i]) == pytest.approx(float(expected), abs=1e-12)
    # Softmax over classes with class-id targets equals the one-hot form.
    logits, ids = torch.randn(2, 3, 4, 4, dtype=torch.float64), torch.randint(0, 3, (2, 4, 4))
    one_hot = F.one_hot(ids, 3).permute(0, 3, 1, 2)
    expected = DiceLoss(activation="none")(logits.softmax(1), one_hot)
    assert torch.allclose(DiceLoss(activation="softmax")(logits, ids), expected)


def test_nt_xent_matches_loop_reference() -> None:
    z1, z2, tau = torch.randn(5, 7, dtype=torch.float64), torch.randn(5, 7, dtype=torch.float64), 0.3
    z = torch.cat([z1, z2])
    n = z.shape[0]
    total = 0.0
    for i in range(n):
        sims = [float(z[i] @ z[k]) / (float(z[i].norm()) * float(z[k].norm())) / tau for k in range(n)]
        positive = i + 5 if i < 5 else i - 5
        total += -sims[positive] + math.log(sum(math.exp(sims[k]) for k in range(n) if k != i))
    assert float(NTXentLoss(tau)(z1, z2)) == pytest.approx(total / n, abs=1e-12)
    assert InfoNCE is NTXentLoss
    # Identical, mutually orthogonal views: loss = −1/τ + log(e^{1/τ} + 2B − 2).
    eye = torch.eye(4, dtype=torch.float64)
    floor = -1 / tau + math.log(math.exp(1 / tau) + 6 * math.exp(0.0))
    assert float(NTXentLoss(tau)(eye, eye)) == pytest.approx(floor, abs=1e-12)


def test_contrastive_loss_terms() -> None:
    x1, x2 = torch.zeros(3, 2), torch.tensor([[3.0, 4.0], [0.3, 0.4], [3.0, 4.0]])
    loss = ContrastiveLoss(margin=1.0, reduction="none")(x1, x2, torch.tensor([0, 1, 1]))
    assert torch.allclose(loss, torch.tensor([0.5 * 25, 0.5 * 0.5**2, 0.0]))
    same = torch.randn(2, 4, requires_grad=True)
    ContrastiveLoss()(same, same.detach(), torch.tensor([1, 1])).backward()
    assert same.grad is not None and torch.isfinite(same.grad).all()


def test_iou_loss_boxes_and_masks() -> None:
    pred, target = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]]), torch.tensor([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]])
    assert torch.allclose(IoULoss(reduction="none", eps=0.0)(pred, target), torch.tensor([1 - 1 / 7, 1.0]))
    assert float(IoULoss()(target, target)) == pytest.approx(0.0, abs=1e-6)
    mask = torch.tensor([[1.0, 1.0, 0.0, 0.0]])
    assert float(IoULoss("mask", eps=0.0)(torch.tensor([[1.0, 0.0, 1.0, 0.0]]), mask)) == pytest.approx(1 - 1 / 3)
    assert float(IoULoss("mask")(mask, mask)) == pytest.approx(0.0, abs=1e-6)


def test_arcface_margin_and_zero_margin() -> None:
    loss = ArcFaceLoss(embedding_dim=4, num_classes=3, s=10.0, m=0.0).double()
    x, y = torch.randn(5, 4, dtype=torch.float64), torch.randint(0, 3, (5,))
    cosine = F.normalize(x, dim=1) @ F.normalize(loss.weight, dim=1).T
    assert torch.allclose(loss(x, y), F.cross_entropy(10.0 * cosine, y))
    loss.m = 0.3
    theta = torch.arccos(cosine.gather(1, y[:, None])).squeeze(1)
    target_logits = loss.logits(x, y).gather(1, y[:, None]).squeeze(1)
    expected = torch.where(theta + 0.3 < math.pi, 10 * torch.cos(theta + 0.3), 10 * (torch.cos(theta) - 0.3 * math.sin(0.3)))
    assert torch.allclose(target_logits, expected)
    assert float(loss(x, y).detach()) > float(F.cross_entropy(10.0 * cosine, y).detach())


def test_wasserstein_critic_and_generator() -> None:
    fake, real = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([5.0, 7.0])
    assert float(WassersteinLoss()(fake, real)) == pytest.approx(2.0 - 6.0)
    assert float(WassersteinLoss("generator")(fake)) == pytest.approx(-2.0)


# --- structured dropout -------------------------------------------------------------------------


def test_stochastic_depth_eval_identity_and_row_drops() -> None:
    layer = StochasticDepth(p=0.3, mode="row")
    x = torch.randn(4000, 3, 2) + 5
    assert torch.equal(layer.eval()(x), x)
    out = layer.train()(x)
    ratio = out / x
    per_sample = ratio.flatten(1)
    kept = per_sample[:, 0] != 0
    assert torch.allclose(per_sample[kept], torch.full_like(per_sample[kept], 1 / 0.7))
    assert torch.equal(per_sample[~kept], torch.zeros_like(per_sample[~kept]))
    assert float(kept.double().mean()) == pytest.approx(0.7, abs=0.03)
    assert float(out.mean() / x.mean()) == pytest.approx(1.0, abs=0.05)


def test_stochastic_depth_batch_mode_and_wrapped_branch() -> None:
    branch = torch.nn.Linear(3, 3)
    layer = StochasticDepth(p=0.5, mode="batch", module=branch).train()
    x = torch.randn(8, 3)
    outputs = [layer(x) for _ in range(40)]
    dropped = [torch.allclose(o, x) for o in outputs]
    kept = [torch.allclose(o, x + 2 * branch(x)) for o in outputs]
    assert all(d or k for d, k in zip(dropped, kept, strict=True)) and any(dropped) and any(kept)
    assert torch.allclose(layer.eval()(x), x + branch(x))


def test_dropblock_blocks_and_scale() -> None:
    layer = DropBlock2d(p=0.2, block_size=3).train()
    x = torch.ones(64, 4, 12, 12)
    out = layer(x)
    zero = out == 0
    assert 0.15 < float(zero.float().mean()) <= 0.2  # γ targets p; overlapping blocks land a little below it
    assert torch.allclose(out[~zero], torch.full_like(out[~zero], x.numel() / float((~zero).sum())))
    # Every dropped unit lies in a fully dropped 3×3 square.
    fully_dropped_corners = -F.max_pool2d(-zero.float(), 3, stride=1)
    covered = F.max_pool2d(F.pad(fully_dropped_corners, (2, 2, 2, 2)), 3, stride=1)
    assert torch.equal(covered.bool(), zero)
    assert torch.equal(layer.eval()(x), x)


def test_dropconnect_masks_weights() -> None:
    layer = DropConnectLinear(6, 4, p=0.5, bias=False).train()
    x = torch.eye(6)
    out = layer(x)  # rows of x pick columns of W: each entry is 0 or 2·W
    weight_t = layer.weight.detach().T
    assert torch.all((out == 0) | torch.isclose(out, 2 * weight_t))
    per_sample = DropConnectLinear(6, 4, p=0.5, per_sample=True).train()
    means = torch.stack([per_sample(x) for _ in range(2000)]).mean(0)
    assert torch.allclose(means, per_sample.eval()(x), atol=0.1)


# --- graph layers -------------------------------------------------------------------------------


def _graph(n: int = 7) -> tuple[torch.Tensor, torch.Tensor]:
    upper = torch.triu((torch.rand(n, n) < 0.5).double(), 1)
    return torch.randn(n, 5, dtype=torch.float64), upper + upper.T


def test_gcn_dense_closed_form_and_gradcheck() -> None:
    x, adj = _graph()
    layer = GCNConv(5, 3).double()
    assert layer.bias is not None
    with torch.no_grad():
        layer.bias.normal_()
    a_tilde = adj + torch.eye(7, dtype=torch.float64)
    d = torch.diag(a_tilde.sum(1).pow(-0.5))
    assert torch.allclose(layer(x, adj), d @ a_tilde @ d @ x @ layer.weight + layer.bias, atol=1e-12)
    x.requires_grad_()
    assert torch.autograd.gradcheck(lambda f, w: F.linear(layer.propagation_matrix(adj) @ f, w.T), (x, layer.weight))
    assert torch.autograd.gradcheck(lambda f: layer(f, adj), (x,))


def test_gin_eps_zero_is_mlp_of_neighbour_sum() -> None:
    x, adj = _graph()
    layer = GINConv(5, 4, eps=0.0).double()
    summed = torch.stack([x[v] + sum(x[u] for u in range(7) if adj[v, u]) for v in range(7)])
    assert torch.allclose(layer(x, adj), layer.mlp(summed), atol=1e-12)
    learnable = GINConv(5, 4, eps=0.5, train_eps=True).double()
    learnable(x, adj).sum().backward()
    assert learnable.eps.grad is not None and "eps" in dict(learnable.named_parameters())
    assert torch.allclose(learnable(x, adj), learnable.mlp(1.5 * x + adj @ x))


@pytest.mark.parametrize(("heads", "concat"), [(1, True), (3, True), (3, False)])
def test_gat_matches_node_loop(heads: int, concat: bool) -> None:
    x, adj = _graph()
    layer = GATConv(5, 4, heads=heads, concat=concat).double().eval()
    out = layer(x, adj)
    assert out.shape == (7, 4 * heads if concat else 4)
    assert torch.allclose(out, gat_oracle(layer, (x, adj), {}), atol=1e-10)
    alpha, _ = layer.attention(x, adj)
    allowed = (adj + torch.eye(7, dtype=torch.float64)).bool()
    assert torch.allclose(alpha.sum(-1), torch.ones(heads, 7, dtype=torch.float64))
    assert torch.equal(alpha[:, ~allowed], torch.zeros_like(alpha[:, ~allowed]))


# --- initialiser --------------------------------------------------------------------------------


def test_lecun_normal_std() -> None:
    weight = lecun_normal_(torch.empty(256, 512))
    assert float(weight.std()) == pytest.approx(1 / math.sqrt(512), abs=1e-3)
    assert abs(float(weight.mean())) < 1e-3
    conv = lecun_normal_(torch.empty(64, 16, 3, 3), gain=2.0)
    assert float(conv.std()) == pytest.approx(2 / math.sqrt(16 * 9), abs=3e-3)
    init = create("lecun_normal")
    assert init(torch.empty(8, 4)).shape == (8, 4)
