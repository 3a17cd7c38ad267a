"""Reference optimizers and schedules: step-by-step agreement with pytorch-optimizer, closed forms, smoke tests."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from pytorch_optimizer import LARS as RefLARS
from pytorch_optimizer import Adan as RefAdan
from pytorch_optimizer import Lamb as RefLamb
from pytorch_optimizer import Lion as RefLion
from pytorch_optimizer import NovoGrad as RefNovoGrad
from pytorch_optimizer import SophiaH as RefSophiaH

from implementations.components.training.layerwise_optimizers import LAMB, LARS, NovoGrad
from implementations.components.training.optimizer_checks import OptimizerFactory, lockstep
from implementations.components.training.optimizers import Adan, Lion, Sophia
from implementations.components.training.schedulers import LinearWarmup, WarmupCosine
from implementations.registry.factory import create
from implementations.registry.smoke import run_smoke_test

STEPS = 12
SLUGS = ["lion", "sophia", "lamb", "lars", "adan", "novograd", "warmup-cosine-schedule", "linear-warmup"]

pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Tiny tensors: intra-op threads only add contention (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.LayerNorm(8), torch.nn.Tanh(), torch.nn.Linear(8, 3))


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return torch.randn(32, 6, generator=gen), torch.randn(32, 3, generator=gen)


def _closure(model: torch.nn.Module, opt: torch.optim.Optimizer, create_graph: bool = False) -> Callable[[], Any]:
    x, y = _data()

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward(create_graph=create_graph)  # type: ignore[no-untyped-call]
        return loss

    return closure


def _lockstep(ours: OptimizerFactory, theirs: OptimizerFactory) -> None:
    """Both optimizers in lockstep on copies of one float64 model (the smoke oracle's harness)."""
    largest, moved = lockstep(ours, theirs)
    assert largest <= 1e-10, f"max |diff| {largest:.2e}"
    assert moved > 1e-3, "the parameters hardly moved, so the comparison is vacuous"


# ---------------------------------------------------------------- agreement with pytorch-optimizer


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_lion_matches_pytorch_optimizer(weight_decay: float) -> None:
    _lockstep(
        lambda p: Lion(p, lr=1e-3, betas=(0.9, 0.99), weight_decay=weight_decay),
        lambda p: RefLion(p, lr=1e-3, betas=(0.9, 0.99), weight_decay=weight_decay),
    )


@pytest.mark.parametrize(
    ("decoupled", "foreach", "clamp"), [(True, None, 10.0), (False, None, 10.0), (True, False, 10.0), (False, False, 1.0)]
)
def test_lamb_matches_pytorch_optimizer(decoupled: bool, foreach: bool | None, clamp: float) -> None:
    def theirs(params: Any) -> torch.optim.Optimizer:
        opt = RefLamb(params, lr=1e-2, weight_decay=0.05, weight_decouple=decoupled, foreach=foreach)
        opt.clamp = clamp  # the φ bound is a class attribute there; 1.0 is below some weight norms here
        return opt

    _lockstep(
        lambda p: LAMB(p, lr=1e-2, weight_decay=0.05, clamp_value=clamp, bias_correction="step", decoupled_weight_decay=decoupled),
        theirs,
    )


@pytest.mark.parametrize(("nesterov", "foreach"), [(False, None), (True, None), (False, False)])
def test_lars_matches_pytorch_optimizer(nesterov: bool, foreach: bool | None) -> None:
    kw: dict[str, Any] = {"lr": 1.0, "momentum": 0.9, "weight_decay": 1e-2, "trust_coefficient": 1e-2, "nesterov": nesterov}
    _lockstep(lambda p: LARS(p, exclude_vectors=True, **kw), lambda p: RefLARS(p, foreach=foreach, **kw))


@pytest.mark.parametrize(
    ("update_period", "num_samples", "weight_decay", "clip", "beta2"),
    [(1, 1, 0.0, 0.5, 0.95), (3, 2, 0.1, 2.0, 0.5)],  # 30-70 % of the coordinates clipped: both branches are exercised
)
def test_sophia_matches_pytorch_optimizer_same_probes(
    update_period: int, num_samples: int, weight_decay: float, clip: float, beta2: float
) -> None:
    lr, eps, betas = 0.05, 1e-12, (0.9, beta2)  # SophiaH(lr, p, eps, wd) == Sophia(lr·p, gamma=p, eps·p, wd/p)
    _lockstep(
        lambda p: Sophia(
            p,
            lr=lr * clip,
            gamma=clip,
            eps=eps * clip,
            weight_decay=weight_decay / clip,
            update_period=update_period,
            num_samples=num_samples,
            betas=betas,
        ),
        lambda p: RefSophiaH(
            p, lr=lr, p=clip, eps=eps, weight_decay=weight_decay, update_period=update_period, num_samples=num_samples, betas=betas
        ),
    )


def test_sophia_matches_pytorch_optimizer_given_hessian() -> None:
    model_a, model_b = _model(), _model()
    opt_a = Sophia(model_a.parameters(), lr=0.02 * 2.0, gamma=2.0, betas=(0.9, 0.95), eps=1e-12 * 2.0)
    opt_b = RefSophiaH(model_b.parameters(), lr=0.02, p=2.0, betas=(0.9, 0.95), eps=1e-12)
    closure_a, closure_b = _closure(model_a, opt_a), _closure(model_b, opt_b)
    gen = torch.Generator().manual_seed(3)
    for _ in range(STEPS):
        h = [torch.rand(p.shape, generator=gen) for p in model_a.parameters()]
        opt_a.step(closure_a, hessian=h)
        opt_b.step(closure_b, hessian=[t.clone() for t in h])
        for a, b in zip(model_a.parameters(), model_b.parameters(), strict=True):
            assert float((a - b).detach().abs().max()) <= 1e-5
    moved = (model_a[0].weight - _model()[0].weight).detach().abs().max()  # type: ignore[index]
    assert float(moved) > 1e-3


@pytest.mark.parametrize(("weight_decay", "decoupled"), [(0.0, False), (0.02, False), (0.02, True)])
def test_adan_matches_pytorch_optimizer(weight_decay: float, decoupled: bool) -> None:
    _lockstep(
        lambda p: Adan(p, lr=1e-2, weight_decay=weight_decay, decoupled_weight_decay=decoupled),
        lambda p: RefAdan(p, lr=1e-2, weight_decay=weight_decay, weight_decouple=decoupled),
    )


@pytest.mark.parametrize(("weight_decay", "grad_averaging"), [(0.0, False), (0.01, True)])
def test_novograd_matches_pytorch_optimizer(weight_decay: float, grad_averaging: bool) -> None:
    _lockstep(
        lambda p: NovoGrad(p, lr=1e-2, weight_decay=weight_decay, grad_averaging=grad_averaging),
        lambda p: RefNovoGrad(p, lr=1e-2, weight_decay=weight_decay, grad_averaging=grad_averaging),
    )


# ---------------------------------------------------------------- paper conventions in closed form


def _one_step(opt_factory: Callable[[Any], torch.optim.Optimizer]) -> tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]:
    """Parameters before and after one step, and the gradients (float64)."""
    model = _model().double()
    before = [p.detach().clone() for p in model.parameters()]
    x, y = (t.double() for t in _data())
    opt = opt_factory(model.parameters())
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()  # type: ignore[no-untyped-call]
    grads = [p.grad.detach().clone() for p in model.parameters()]  # type: ignore[union-attr]
    opt.step()
    return before, [p.detach() for p in model.parameters()], grads


def test_lamb_paper_first_step_closed_form() -> None:
    lr, decay, eps = 0.01, 0.1, 1e-6
    before, after, grads = _one_step(lambda p: LAMB(p, lr=lr, weight_decay=decay, eps=eps))
    for w, w_new, g in zip(before, after, grads, strict=True):
        direction = g / (g.abs() + eps) + decay * w  # m̂ = g, v̂ = g² at t = 1
        if float(w.norm()) == 0.0:  # zero-initialised LayerNorm bias: trust ratio 1
            torch.testing.assert_close(w_new, w - lr * direction, atol=1e-12, rtol=0)
            continue
        trust = min(float(w.norm()), 10.0) / (float(direction.norm()) + eps)
        torch.testing.assert_close(w_new, w - lr * trust * direction, atol=1e-12, rtol=0)
        # the step length is lr·φ(‖w‖), whatever the gradient scale
        assert math.isclose(float((w_new - w).norm()), lr * min(float(w.norm()), 10.0), rel_tol=1e-4)


def test_lars_paper_first_step_closed_form() -> None:
    lr, decay, eta = 0.5, 0.01, 1e-3
    before, after, grads = _one_step(lambda p: LARS(p, lr=lr, weight_decay=decay, trust_coefficient=eta))
    for w, w_new, g in zip(before, after, grads, strict=True):  # every tensor adapted, biases included
        norm = float(w.norm())
        local = eta * norm / (float(g.norm()) + decay * norm) if norm > 0 else 1.0  # zero LayerNorm bias: rate 1
        torch.testing.assert_close(w_new, w - lr * local * (g + decay * w), atol=1e-12, rtol=0)


def test_lion_first_step_is_signed_gradient() -> None:
    before, after, grads = _one_step(lambda p: Lion(p, lr=0.01, weight_decay=0.5))
    for w, w_new, g in zip(before, after, grads, strict=True):
        torch.testing.assert_close(w_new, w * (1 - 0.01 * 0.5) - 0.01 * torch.sign(g), atol=1e-12, rtol=0)


def test_novograd_first_step_closed_form() -> None:
    before, after, grads = _one_step(lambda p: NovoGrad(p, lr=0.1, weight_decay=0.0, eps=0.0))
    for w, w_new, g in zip(before, after, grads, strict=True):
        torch.testing.assert_close(w_new, w - 0.1 * g / g.norm(), atol=1e-12, rtol=0)


def test_adan_first_step_is_adam_like() -> None:
    # Δ = 0 at the first step, so θ moves by lr·g/(|g| + ε) (all bias corrections equal 1 − β)
    before, after, grads = _one_step(lambda p: Adan(p, lr=0.01, eps=0.0))
    for w, w_new, g in zip(before, after, grads, strict=True):
        torch.testing.assert_close(w_new, w - 0.01 * torch.sign(g), atol=1e-12, rtol=0)


def test_sophia_hutchinson_estimate_is_u_times_hessian_u() -> None:
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(5, 5, generator=gen, dtype=torch.float64)
    hess = a @ a.T
    x = torch.nn.Parameter(torch.randn(5, generator=gen, dtype=torch.float64))
    opt = Sophia([x], seed=7, num_samples=3)
    (0.5 * x @ hess @ x).backward(create_graph=True)  # type: ignore[no-untyped-call]
    estimate = opt.hutchinson([x])[0]
    probes = torch.randn(3, 5, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    torch.testing.assert_close(estimate, (probes * (probes @ hess)).mean(0), atol=1e-12, rtol=0)


def test_sophia_update_is_clipped_and_needs_create_graph() -> None:
    x = torch.nn.Parameter(torch.zeros(4))
    opt = Sophia([x], lr=0.1, gamma=0.01, betas=(0.0, 0.0))
    x.grad = torch.tensor([1.0, -1.0, 1e-6, -1e-6])
    opt.step(hessian=[torch.ones(4)])
    # m / max(γh, ε) = ±100 → clipped to ±1; ±1e-4 stays
    torch.testing.assert_close(x.detach(), torch.tensor([-0.1, 0.1, -1e-5, 1e-5]))
    x.grad = torch.ones(4)
    opt.step()  # no estimate due at the second step (update_period 10): a plain gradient suffices
    with pytest.raises(RuntimeError, match="create_graph"):
        Sophia([x]).step()  # a fresh optimizer estimates at its first step


def test_sophia_seed_makes_runs_reproducible() -> None:
    results = []
    for _ in range(2):
        model = _model()
        opt = Sophia(model.parameters(), lr=0.01, update_period=1, seed=5)
        closure = _closure(model, opt, create_graph=True)
        for _ in range(4):
            torch.randn(3)  # disturb the global RNG: must not matter with a private generator
            opt.step(closure)
        results.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    torch.testing.assert_close(results[0], results[1], atol=0, rtol=0)


def test_invalid_arguments_raise() -> None:
    params = [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(ValueError, match="bias_correction"):
        LAMB(params, bias_correction="adam")
    with pytest.raises(ValueError):
        Lion(params, lr=-1.0)


# ---------------------------------------------------------------- schedules


def _trajectory(factory: Callable[[torch.optim.Optimizer], Any], steps: int, lrs: tuple[float, ...] = (1.0, 0.3)) -> list[list[float]]:
    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs])
    sched = factory(opt)
    out = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append([g["lr"] for g in opt.param_groups])
    return out


@pytest.mark.parametrize(("warmup", "total", "min_lr"), [(5, 20, 0.0), (4, 10, 0.05), (0, 8, 0.01)])
def test_warmup_cosine_trajectory(warmup: int, total: int, min_lr: float) -> None:
    got = _trajectory(lambda o: WarmupCosine(o, warmup_steps=warmup, total_steps=total, min_lr=min_lr), 25)
    for t, row in enumerate(got):
        for base, lr in zip((1.0, 0.3), row, strict=True):
            if t < warmup:
                want = base * t / warmup
            else:
                want = min_lr + (base - min_lr) * 0.5 * (1 + math.cos(math.pi * min(1.0, (t - warmup) / (total - warmup))))
            assert lr == pytest.approx(want, abs=1e-12), (t, base)
    assert got[warmup][0] == pytest.approx(1.0) and got[-1][0] == pytest.approx(min_lr)


@pytest.mark.parametrize(("warmup", "total"), [(5, 20), (3, 6), (0, 10)])
def test_linear_warmup_trajectory(warmup: int, total: int) -> None:
    got = _trajectory(lambda o: LinearWarmup(o, warmup_steps=warmup, total_steps=total), 25)
    for t, row in enumerate(got):
        for base, lr in zip((1.0, 0.3), row, strict=True):
            want = base * t / warmup if t < warmup else base * max(0.0, (total - t) / (total - warmup))
            assert lr == pytest.approx(want, abs=1e-12), (t, base)
    assert got[-1] == [0.0, 0.0]


def test_scheduler_resumes_from_state_dict() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = WarmupCosine(opt, warmup_steps=3, total_steps=10)
    for _ in range(6):
        opt.step()
        sched.step()
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched2 = WarmupCosine(opt2, warmup_steps=3, total_steps=10)
    sched2.load_state_dict(sched.state_dict())
    opt.step()
    sched.step()
    opt2.step()
    sched2.step()
    assert sched2.get_last_lr() == pytest.approx(sched.get_last_lr())


def test_invalid_schedule_raises() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    with pytest.raises(ValueError):
        LinearWarmup(opt, warmup_steps=10, total_steps=5)


# ---------------------------------------------------------------- registry


@pytest.mark.parametrize("slug", SLUGS)
def test_smoke(slug: str) -> None:
    result = run_smoke_test(slug)
    assert result.ok, (result.error, [(c.name, c.detail) for c in result.checks if not c.ok])


@pytest.mark.parametrize("slug", SLUGS[:6])
def test_create_with_defaults(slug: str) -> None:
    model = torch.nn.Linear(3, 2)
    opt = create(slug, params=model.parameters())
    assert isinstance(opt, torch.optim.Optimizer)
    assert opt.state_dict()["param_groups"][0]["lr"] == copy.deepcopy(opt.defaults["lr"])
