"""In-process smoke tests: build, feed and check one implementation (runs inside the sandbox).

Checks per family:
    * module (and architecture): forward on sample inputs (finite), backward reaches every parameter with a finite
      gradient, same seed → same output, train/eval behaviour, oracle (if any);
    * architecture: the module checks, plus the output's shape against the registration's
      ``output_shape`` and the parameter count (also in :attr:`SmokeResult.parameters`);
    * loss: scalar, finite, finite gradient on the prediction, oracle (if any);
    * optimizer: 60 steps on a small least-squares problem (or the registration's own sample problem)
      cut the loss ≥ 1.5×, state_dict round trip, lockstep agreement with the oracle's optimizer (if any);
    * scheduler: the learning-rate trajectory is finite and positive, oracle (if any);
    * initializer: the tensor is filled with finite values, oracle statistics (if any);
    * every registered oracle case (a module, loss or optimizer run with other arguments or
      inputs): the oracle again.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from implementations.components.training.optimizer_checks import LOCKSTEP_STEPS, OracleUnavailableError, lockstep
from implementations.registry.factory import create, get_implementation
from implementations.registry.spec import Family, ImplementationSpec, OracleCase, import_target

OPTIMIZER_STEPS = 60
SCHEDULER_STEPS = 20


@dataclass
class SmokeCheck:
    """One named check."""

    name: str
    ok: bool
    detail: str | None = None
    value: int | None = None  # the measured number, where the check has one (the parameter count)


@dataclass
class SmokeResult:
    """Outcome of a smoke test; ``ok`` is true when every check passed and nothing raised."""

    term: str
    ok: bool
    checks: list[SmokeCheck] = field(default_factory=list)
    duration_ms: float = 0.0
    error: str | None = None
    parameters: int | None = None


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, tuple | list):
        return [t for item in value for t in _tensors(item)]
    return []


def _finite(tensors: list[torch.Tensor]) -> bool:
    return all(bool(torch.isfinite(t).all()) for t in tensors if t.is_floating_point())


def _seeded(build: Callable[[], Any], seed: int = 0) -> Any:
    torch.manual_seed(seed)
    return build()


def _compare(name: str, got: Any, expected: Any, tolerance: float) -> SmokeCheck:
    got_t, exp_t = _tensors(got), _tensors(expected)
    if len(got_t) != len(exp_t) or any(g.shape != e.shape for g, e in zip(got_t, exp_t, strict=False)):
        return SmokeCheck(name, False, "shapes differ from the oracle")
    diff = max((float((g.detach().double() - e.detach().double()).abs().max()) for g, e in zip(got_t, exp_t, strict=True)), default=0.0)
    return SmokeCheck(name, diff <= tolerance, f"max |diff| = {diff:.2e} (tolerance {tolerance:g})")


def _inputs(spec: ImplementationSpec, args: Mapping[str, Any], sample: str | None = None) -> Any:
    target = sample or spec.sample
    assert target, f"{spec.concept} has no sample inputs"
    return _seeded(lambda: import_target(target)(args), seed=1)


def _module_oracle(spec: ImplementationSpec, module: Any, inputs: Any, args: Mapping[str, Any], name: str = "oracle") -> SmokeCheck:
    """The module's eval output against the oracle's."""
    assert spec.oracle, f"{spec.concept} has no oracle"
    module.eval()
    with torch.no_grad():
        got = _tensors(module(*inputs))
        expected = import_target(spec.oracle)(module, inputs, args)
    return _compare(name, got if len(got) != 1 else got[0], expected, spec.tolerance)


def _module_checks(spec: ImplementationSpec, args: Mapping[str, Any]) -> list[SmokeCheck]:
    return _module_run(spec, args)[0]


def _module_run(spec: ImplementationSpec, args: Mapping[str, Any]) -> tuple[list[SmokeCheck], Any, list[torch.Tensor]]:
    """The module checks, the trained-once module and its eval outputs (for further checks)."""
    inputs = _inputs(spec, args)
    with torch.no_grad():
        first = _tensors(_seeded(lambda: create(spec.concept, **args)).eval()(*inputs))
        again = _tensors(_seeded(lambda: create(spec.concept, **args)).eval()(*inputs))
    same = all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    module = _seeded(lambda: create(spec.concept, **args))
    module.train()
    out = module(*inputs)
    outs = _tensors(out)
    checks = [SmokeCheck("forward", bool(outs), f"{len(outs)} output tensor(s), shapes {[tuple(t.shape) for t in outs]}")]
    checks.append(SmokeCheck("finite", _finite(outs), "all outputs finite" if _finite(outs) else "non-finite output"))
    loss = sum(t.float().sum() for t in outs if t.is_floating_point() and t.requires_grad)
    params = [p for p in module.parameters() if p.requires_grad]
    if isinstance(loss, torch.Tensor):
        loss.backward()  # type: ignore[no-untyped-call]
        missing = [n for n, p in module.named_parameters() if p.requires_grad and (p.grad is None or not _finite([p.grad]))]
        checks.append(
            SmokeCheck(
                "backward",
                not missing,
                f"{len(params)} parameter tensor(s) with finite gradients" if not missing else f"no/NaN grad: {missing[:5]}",
            )
        )
    module.eval()
    with torch.no_grad():
        evaluated = _tensors(module(*inputs))
    checks.append(SmokeCheck("deterministic", same, "same seed → identical eval output" if same else "outputs differ under the same seed"))
    differs = any(not torch.allclose(a.detach(), b) for a, b in zip(outs, evaluated, strict=True))
    checks.append(
        SmokeCheck(
            "train_eval", True, "train and eval outputs differ (stochastic or batch statistics)" if differs else "train and eval agree"
        )
    )
    if spec.oracle:
        checks.append(_module_oracle(spec, module, inputs, args))
    return checks, module, evaluated


def _architecture_checks(spec: ImplementationSpec, args: Mapping[str, Any]) -> list[SmokeCheck]:
    """A module's checks, plus the output's shape against the registration's expectation and the parameter count."""
    assert spec.output_shape, f"{spec.concept} has no output_shape"
    checks, module, outs = _module_run(spec, args)
    expected = tuple(import_target(spec.output_shape)(args, _inputs(spec, args)))
    got = tuple(outs[0].shape) if len(outs) == 1 else None
    checks.append(SmokeCheck("shape", got == expected, f"output {got}, expected {expected}"))
    count = sum(p.numel() for p in module.parameters())
    checks.append(SmokeCheck("parameters", count > 0, f"{count:,} parameters", count))
    return checks


def _loss_oracle(spec: ImplementationSpec, loss_fn: Any, inputs: Any, args: Mapping[str, Any], name: str = "oracle") -> SmokeCheck:
    """The loss value against the oracle's."""
    assert spec.oracle, f"{spec.concept} has no oracle"
    with torch.no_grad():
        return _compare(name, loss_fn(*inputs), import_target(spec.oracle)(loss_fn, inputs, args), spec.tolerance)


def _loss_checks(spec: ImplementationSpec, args: Mapping[str, Any]) -> list[SmokeCheck]:
    loss_fn = create(spec.concept, **args)
    inputs = _inputs(spec, args)
    value = loss_fn(*inputs)
    checks = [SmokeCheck("scalar", value.numel() == 1, f"shape {tuple(value.shape)}")]
    checks.append(SmokeCheck("finite", _finite([value]), f"loss = {float(value.detach()):.4g}"))
    value.backward()
    grad = inputs[0].grad
    checks.append(SmokeCheck("backward", grad is not None and _finite([grad]), "finite gradient on the prediction"))
    if spec.minimum_at_target:
        with torch.no_grad():
            at_target = float(loss_fn(inputs[1].clone(), *inputs[1:]))
        detail = f"loss at the target {at_target:.3g} ≤ loss at the sample {float(value.detach()):.3g}"
        checks.append(SmokeCheck("minimal_at_target", at_target <= float(value.detach()) + 1e-9, detail))
    if spec.oracle:
        checks.append(_loss_oracle(spec, loss_fn, inputs, args))
    return checks


def _regression_problem() -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    x = torch.randn(64, 8)
    y = x @ torch.randn(8, 1) + 0.5
    return torch.nn.Linear(8, 1), x, y


def _optimizer_oracle(spec: ImplementationSpec, args: Mapping[str, Any], name: str = "oracle") -> SmokeCheck:
    """A few steps beside the oracle's optimizer (see :mod:`implementations.components.training.optimizer_checks`)."""
    assert spec.oracle, f"{spec.concept} has no oracle"
    try:
        reference = import_target(spec.oracle)(args)
    except OracleUnavailableError as exc:
        return SmokeCheck(name, True, f"oracle unavailable: {exc}")
    largest, moved = lockstep(lambda params: create(spec.concept, params=params, **args), reference)
    detail = f"{LOCKSTEP_STEPS} steps in lockstep: max |diff| = {largest:.2e} (tolerance {spec.tolerance:g}), parameters moved {moved:.2g}"
    return SmokeCheck(name, largest <= spec.tolerance and moved > 1e-3, detail)


def _optimizer_checks(spec: ImplementationSpec, args: Mapping[str, Any]) -> list[SmokeCheck]:
    model, x, y = import_target(spec.sample)(args) if spec.sample else _regression_problem()
    optimizer = create(spec.concept, params=model.parameters(), **args)
    losses = []
    for _ in range(OPTIMIZER_STEPS):

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward(create_graph=getattr(optimizer, "needs_hessian", False))  # type: ignore[no-untyped-call]
            return loss

        losses.append(float(optimizer.step(closure).detach()))
    finite = all(math.isfinite(v) for v in losses)
    ratio = losses[0] / max(losses[-1], 1e-12)
    checks = [SmokeCheck("finite", finite, f"{OPTIMIZER_STEPS} losses finite" if finite else "non-finite loss")]
    checks.append(SmokeCheck("loss_decreases", finite and ratio >= 1.5, f"loss {losses[0]:.4g} → {losses[-1]:.4g} ({ratio:.1f}× lower)"))
    state = copy.deepcopy(optimizer.state_dict())
    clone = create(spec.concept, params=model.parameters(), **args)
    clone.load_state_dict(state)
    round_trip = str(clone.state_dict()) == str(optimizer.state_dict())
    checks.append(SmokeCheck("state_dict", round_trip, "state_dict round trip is lossless" if round_trip else "state differs after reload"))
    if spec.oracle:
        checks.append(_optimizer_oracle(spec, args))
    return checks


def _scheduler_checks(spec: ImplementationSpec, args: Mapping[str, Any]) -> list[SmokeCheck]:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = create(spec.concept, optimizer=optimizer, **args)
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(SCHEDULER_STEPS):
        optimizer.step()
        scheduler.step(*([1.0] if "Plateau" in type(scheduler).__name__ else []))
        lrs.append(optimizer.param_groups[0]["lr"])
    ok = all(math.isfinite(v) and v >= 0 for v in lrs)
    checks = [SmokeCheck("finite", ok, f"lr trajectory {', '.join(f'{v:.3g}' for v in lrs[:6])}, …")]
    if spec.oracle:
        expected = import_target(spec.oracle)(scheduler, lrs, args)
        checks.append(
            _compare("oracle", torch.tensor(lrs, dtype=torch.float64), torch.tensor(expected, dtype=torch.float64), spec.tolerance)
        )
    return checks


def _initializer_checks(spec: ImplementationSpec, args: Mapping[str, Any]) -> list[SmokeCheck]:
    init = create(spec.concept, **args)
    weight = torch.empty(256, 512)
    torch.manual_seed(0)
    init(weight)
    checks = [SmokeCheck("finite", _finite([weight]), f"mean {float(weight.mean()):.4f}, std {float(weight.std()):.4f}")]
    if spec.oracle:
        expected = import_target(spec.oracle)(weight, args)
        checks.append(_compare("oracle", weight.std().double(), torch.tensor(expected, dtype=torch.float64), spec.tolerance))
    return checks


_CHECKS: dict[Family, Callable[[ImplementationSpec, Mapping[str, Any]], list[SmokeCheck]]] = {
    Family.MODULE: _module_checks,
    Family.ARCHITECTURE: _architecture_checks,
    Family.LOSS: _loss_checks,
    Family.OPTIMIZER: _optimizer_checks,
    Family.SCHEDULER: _scheduler_checks,
    Family.INITIALIZER: _initializer_checks,
}


def _oracle_case(spec: ImplementationSpec, case: OracleCase) -> SmokeCheck:
    """The oracle check of one registered case, on a fresh seeded build."""
    args, name = spec.validate_args({**spec.smoke_args, **case.args}), f"oracle[{case.label}]"
    if spec.family is Family.OPTIMIZER:
        return _optimizer_oracle(spec, args, name)
    built = _seeded(lambda: create(spec.concept, **args))
    inputs = _inputs(spec, args, case.sample)
    if spec.family is Family.LOSS:
        return _loss_oracle(spec, built, inputs, args, name)
    return _module_oracle(spec, built, inputs, args, name)


def run_smoke_test(term: str, args: Mapping[str, Any] | None = None) -> SmokeResult:
    """Run the checks for ``term`` in this process (see :func:`implementations.smoke_test` for the sandbox).

    Without ``args``, every registered oracle case adds an ``oracle[<case>]`` check.
    """
    start = time.perf_counter()
    spec = get_implementation(term)
    merged = spec.validate_args({**spec.smoke_args, **(args or {})})
    try:
        checks = _CHECKS[spec.family](spec, merged)
        checks += [_oracle_case(spec, case) for case in (() if args else spec.oracle_cases)]
    except Exception as exc:  # a failing implementation is a result, not a crash
        return SmokeResult(spec.concept, False, [], (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}")
    ok = all(check.ok for check in checks)
    count = next((c.value for c in checks if c.name == "parameters"), None)
    return SmokeResult(spec.concept, ok, checks, (time.perf_counter() - start) * 1000, None if ok else "a check failed", count)
