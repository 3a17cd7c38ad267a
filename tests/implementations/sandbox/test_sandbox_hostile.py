"""A hostile-input corpus, written as data: every case ends refused or ok=false, within the time limit.

``REFUSED`` cases never reach a worker (``ImplementationError``: bad types, unknown keys, NaN,
deep nesting…), ``UNKNOWN`` cases name no registration, ``FAILS`` cases run and come back
``ok=false`` (parameter cap, allocation failure, exceptions, crashes, wall-clock kills). The
``sandbox-selftest`` registration misbehaves on request (see ``implementations.sandbox.selftest``).
After the corpus the same pool still answers a normal smoke test.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from implementations import ImplementationError, UnknownImplementationError
from implementations.registry.spec import _REGISTRY
from implementations.sandbox.sandbox import Sandbox, SandboxLimits
from implementations.sandbox.selftest import SELFTEST_SPEC

LIMITS = SandboxLimits(wall_seconds=1.5, cpu_seconds=1, memory_mb=768)
SLACK_SECONDS = 4.0  # kill, reap and re-fork on a loaded two-core machine
REFUSED, UNKNOWN, FAILS = "refused", "unknown", "fails"
SELF = SELFTEST_SPEC.concept


@dataclass(frozen=True)
class Case:
    """One hostile request and what must come of it (``reason``: a regex the error matches)."""

    id: str
    term: str
    args: Any = None
    op: str = "smoke"
    expect: str = FAILS
    reason: str = ""


def nested(depth: int, leaf: Any = 1, container: type = dict) -> Any:
    """``depth`` levels of dicts (``{"a": {"a": ...}}``) or lists around ``leaf``, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = {"a": value} if container is dict else [value]
    return value


CAP = "parameters exceed|overflow|can't allocate|out of memory|timed out|CPU time"
ALLOC = "can't allocate|out of memory|MemoryError|timed out|CPU time"
KILLED = "timed out|CPU time"
GIGA, HUGE = 10**9, 2**62

DIMS = [
    Case("dims/linear-in-1e9", "linear", {"in_features": GIGA}, reason=CAP),
    Case("dims/linear-out-2^62", "linear", {"out_features": HUGE}, reason=CAP),
    Case("dims/linear-both-1e5-instantiate", "linear", {"in_features": 10**5, "out_features": 10**5}, "instantiate", reason=CAP),
    Case("dims/embedding-rows-2^62", "embedding", {"num_embeddings": HUGE}, "instantiate", reason=CAP),
    Case("dims/embedding-width-1e9", "embedding", {"embedding_dim": GIGA}, reason=CAP),
    Case("dims/token-embedding-1e12", "token-embedding", {"num_embeddings": 10**12, "embedding_dim": 1000}, "instantiate", reason=CAP),
    Case("dims/conv2d-out-1e9", "conv2d", {"out_channels": GIGA}, reason=CAP),
    Case("dims/conv2d-kernel-1e5", "conv2d", {"kernel_size": [10**5, 10**5]}, reason=CAP),
    Case("dims/conv3d-in-2^62", "conv3d", {"in_channels": HUGE}, "instantiate", reason=CAP),
    Case("dims/lstm-hidden-1e6", "lstm", {"hidden_size": 10**6}, reason=CAP),
    Case("dims/gru-input-1e9", "gru", {"input_size": GIGA}, "instantiate", reason=CAP),
    Case("dims/mha-embed-2^40", "multi-head-attention", {"embed_dim": 2**40, "num_heads": 1}, reason=CAP),
    Case("dims/cross-attention-kdim-2^40", "cross-attention", {"kdim": 2**40}, "instantiate", reason=CAP),
    Case("dims/learned-positions-1e9", "learned-positional-embedding", {"max_len": GIGA}, reason=CAP),
    Case("dims/bilinear-1e5", "bilinear", {"in1_features": 10**5, "in2_features": 10**5}, reason=CAP),
    Case("dims/layer-norm-shape-1e9", "layer-normalization", {"normalized_shape": [GIGA]}, reason=CAP),
    Case("dims/rmsnorm-shape-2^31-squared", "rmsnorm", {"normalized_shape": [2**31, 2**31]}, "instantiate", reason=CAP),
    Case("dims/batch-norm-features-1e9", "batch-normalization", {"num_features": GIGA}, reason=CAP),
    Case("dims/group-norm-channels-2^62", "group-normalization", {"num_groups": 1, "num_channels": HUGE}, reason=CAP),
    Case("dims/prelu-2^62", "prelu", {"num_parameters": HUGE}, "instantiate", reason=CAP),
    Case("dims/swiglu-dim-1e6", "swiglu", {"dim": 10**6}, reason=CAP),
    Case("dims/gat-heads-1e9", "gat", {"heads": GIGA}, reason=CAP),
    Case("dims/patch-embedding-patch-1e5", "patch-embedding", {"patch_size": 10**5}, reason=CAP),
    Case("dims/transformer-ff-1e9", "transformer-block", {"dim_feedforward": GIGA}, reason=CAP),
    Case("dims/sparse-linear-1e6", "sparse-linear", {"in_features": 10**6, "out_features": 10**6}, reason=CAP),
]

ALLOCATIONS = [
    Case("alloc/sinusoidal-buffer-1e9", "sinusoidal-positional-encoding", {"max_len": GIGA}, reason=ALLOC),
    Case("alloc/adaptive-pool-output-1e5", "adaptive-pooling", {"output_size": [10**5, 10**5]}, reason=ALLOC),
    Case("alloc/global-max-pool-output-1e5", "global-max-pooling", {"output_size": [10**5, 10**5]}, reason=ALLOC),
    Case("alloc/conv2d-padding-1e5", "conv2d", {"padding": 10**5}, reason=ALLOC),
    Case("alloc/transposed-conv-stride-1e5", "transposed-convolution", {"stride": 10**5}, reason=ALLOC),
    Case("alloc/selftest-bytearray-64g", SELF, {"behaviour": "allocate"}, reason="MemoryError|out of memory"),
    Case("alloc/selftest-tensor-256g", SELF, {"behaviour": "allocate-tensor"}, reason="can't allocate"),
    Case("alloc/selftest-bytearray-in-init", SELF, {"behaviour": "allocate", "stage": "init"}, "instantiate", reason="out of memory"),
]

ENDLESS = [
    Case("loop/spectral-norm-1e9-iterations", "spectral-normalization", {"n_power_iterations": GIGA}, reason=KILLED),
    Case("loop/moe-1e6-experts", "mixture-of-experts", {"num_experts": 10**6}, reason=KILLED),
    Case("loop/dense-block-1e6-layers", "dense-block", {"num_layers": 10**6}, "instantiate", reason=KILLED),
    Case("loop/rnn-1e7-layers", "vanilla-rnn", {"num_layers": 10**7}, reason=KILLED),
    Case("loop/selftest-sleep", SELF, {"behaviour": "sleep"}, reason="timed out"),
    Case("loop/selftest-spin", SELF, {"behaviour": "spin"}, reason=KILLED),
    Case("loop/selftest-sleep-in-init", SELF, {"behaviour": "sleep", "stage": "init"}, "instantiate", reason="timed out"),
    Case("loop/selftest-spin-in-init", SELF, {"behaviour": "spin", "stage": "init"}, "instantiate", reason=KILLED),
]

CRASHES = [
    Case("crash/segfault", SELF, {"behaviour": "segfault"}, reason="SIGSEGV"),
    Case("crash/segfault-in-init", SELF, {"behaviour": "segfault", "stage": "init"}, "instantiate", reason="SIGSEGV"),
    Case("crash/abort", SELF, {"behaviour": "abort"}, reason="SIGABRT"),
    Case("crash/kill-self", SELF, {"behaviour": "kill-self"}, reason="SIGKILL"),
    Case("crash/os-exit", SELF, {"behaviour": "os-exit"}, reason="exited with code 3"),
    Case("crash/os-exit-in-init", SELF, {"behaviour": "os-exit", "stage": "init"}, "instantiate", reason="exited with code 3"),
    Case("crash/sys-exit", SELF, {"behaviour": "sys-exit"}, reason="SystemExit: 4"),
    Case("crash/raise-system-exit", SELF, {"behaviour": "system-exit"}, reason="SystemExit: leaving"),
    Case("crash/raise-system-exit-in-init", SELF, {"behaviour": "system-exit", "stage": "init"}, "instantiate", reason="SystemExit"),
    Case("crash/keyboard-interrupt", SELF, {"behaviour": "keyboard-interrupt"}, reason="KeyboardInterrupt"),
    Case(
        "crash/keyboard-interrupt-in-init",
        SELF,
        {"behaviour": "keyboard-interrupt", "stage": "init"},
        "instantiate",
        reason="KeyboardInterrupt",
    ),
    Case("crash/infinite-recursion", SELF, {"behaviour": "recurse"}, reason="RecursionError"),
    Case("crash/close-own-connection", SELF, {"behaviour": "close-connection"}, reason="sandbox process"),
    Case("crash/unknown-behaviour", SELF, {"behaviour": "__import__('os').system('id')"}, reason="unknown behaviour"),
]

BAD_VALUES = [
    Case("value/linear-in-negative", "linear", {"in_features": -1}, reason="negative"),
    Case("value/linear-out-negative-instantiate", "linear", {"out_features": -8}, "instantiate", reason="negative dimension"),
    Case("value/conv2d-stride-zero", "conv2d", {"stride": 0}, reason="non-positive stride"),
    Case("value/conv2d-groups-zero", "conv2d", {"groups": 0}, reason="groups must be a positive integer"),
    Case("value/conv2d-groups-negative", "conv2d", {"groups": -1}, "instantiate", reason="groups must be a positive integer"),
    Case("value/conv2d-kernel-zero", "conv2d", {"kernel_size": 0}, reason="RuntimeError"),
    Case("value/conv2d-padding-negative", "conv2d", {"padding": -5}, reason="negative padding"),
    Case("value/mha-heads-zero", "multi-head-attention", {"num_heads": 0}, reason="num_heads must be greater than 0"),
    Case("value/mha-heads-negative", "multi-head-attention", {"num_heads": -4}, "instantiate", reason="num_heads must be greater than 0"),
    Case("value/embedding-rows-negative", "embedding", {"num_embeddings": -1}, reason="negative dimension"),
    Case("value/lstm-layers-zero", "lstm", {"num_layers": 0}, reason="num_layers must be greater than zero"),
    Case("value/lstm-hidden-zero", "lstm", {"hidden_size": 0}, reason="hidden_size must be greater than zero"),
    Case("value/dropout-p-negative", "dropout", {"p": -0.5}, reason="between 0 and 1"),
    Case("value/dropout-p-above-one", "dropout", {"p": 1.5}, reason="between 0 and 1"),
    Case("value/alpha-dropout-p-two", "alpha-dropout", {"p": 2.0}, "instantiate", reason="between 0 and 1"),
    Case("value/sgd-lr-negative", "sgd", {"lr": -1.0}, reason="Invalid learning rate"),
    Case("value/sgd-lr-1e308", "sgd", {"lr": 1e308}, reason="overflow"),
    Case("value/sgd-lr-denormal", "sgd", {"lr": 1e-320}, reason="a check failed"),
    Case("value/adam-beta-negative", "adam", {"betas": (-0.5, 0.9)}, reason="Invalid beta"),
    Case("value/adamw-eps-negative", "adamw", {"eps": -1.0}, reason="Invalid epsilon"),
    Case("value/adam-weight-decay-negative", "adam", {"weight_decay": -1.0}, reason="Invalid weight_decay"),
    Case("value/step-lr-step-zero", "step-lr", {"step_size": 0}, reason="ZeroDivisionError"),
    Case("value/step-lr-gamma-negative", "step-lr", {"gamma": -1.0}, reason="a check failed"),
    Case("value/cosine-tmax-zero", "cosine-annealing", {"T_max": 0}, reason="ZeroDivisionError"),
    Case("value/one-cycle-steps-zero", "one-cycle", {"total_steps": 0}, reason="positive integer total_steps"),
    Case("value/max-pool-kernel-zero", "max-pooling", {"kernel_size": 0}, reason="kernel size should be greater than zero"),
    Case("value/max-pool-padding-1e5", "max-pooling", {"padding": 10**5}, reason="pad should be at most half"),
    Case("value/group-norm-groups-zero", "group-normalization", {"num_groups": 0}, reason="ZeroDivisionError"),
    Case(
        "value/group-norm-indivisible",
        "group-normalization",
        {"num_groups": 3, "num_channels": 16},
        "instantiate",
        reason="must be divisible",
    ),
    Case("value/layer-norm-eps-negative", "layer-normalization", {"eps": -1.0}, reason="a check failed"),
    Case("value/huber-delta-zero", "huber-loss", {"delta": 0.0}, reason="non-positive values for delta"),
    Case("value/softmax-dim-5", "softmax", {"dim": 5}, reason="Dimension out of range"),
    Case("value/glu-dim-7", "gated-linear-unit", {"dim": 7}, reason="Dimension out of range"),
    Case("value/ctc-blank-100", "ctc-loss", {"blank": 100}, reason="blank must be in label range"),
    Case("value/label-smoothing-2", "cross-entropy-loss", {"label_smoothing": 2.0}, reason="label_smoothing must be between"),
    Case("value/xavier-gain-1e308", "xavier-initialization", {"gain": 1e308}, reason="a check failed"),
    Case("value/top-k-above-experts", "top-k-routing", {"k": 100}, reason="must lie in"),
    Case("value/sliding-window-zero", "sliding-window-attention", {"window_size": 0}, reason="window_size must be"),
]

NOT_JSON = [
    Case("json/dropout-p-nan", "dropout", {"p": float("nan")}, expect=REFUSED, reason="not a JSON number"),
    Case("json/sgd-lr-inf", "sgd", {"lr": float("inf")}, expect=REFUSED, reason="not a JSON number"),
    Case("json/sgd-lr-minus-inf", "sgd", {"lr": float("-inf")}, expect=REFUSED, reason="not a JSON number"),
    Case("json/layer-norm-eps-nan", "layer-normalization", {"eps": float("nan")}, "instantiate", REFUSED, "not a JSON number"),
    Case("json/adam-betas-nan", "adam", {"betas": (float("nan"), 0.9)}, expect=REFUSED, reason="not a JSON number"),
    Case("json/leaky-relu-slope-inf", "leaky-relu", {"negative_slope": float("inf")}, expect=REFUSED, reason="not a JSON number"),
    Case("json/linear-in-1e100", "linear", {"in_features": 10**100}, expect=REFUSED, reason="beyond 64 bits"),
    Case("json/linear-in-minus-2^63-1", "linear", {"in_features": -(2**63) - 1}, expect=REFUSED, reason="beyond 64 bits"),
    Case("json/args-a-list", "linear", [1, 2], expect=REFUSED, reason="JSON object"),
    Case("json/args-a-string", "linear", "in_features=3", expect=REFUSED, reason="JSON object"),
    Case("json/bytes-value", "gelu", {"approximate": b"tanh"}, expect=REFUSED, reason="bytes is not a JSON value"),
    Case("json/set-value", "conv2d", {"kernel_size": {3, 5}}, expect=REFUSED, reason="set is not a JSON value"),
    Case("json/function-value", "gelu", {"approximate": os.system}, expect=REFUSED, reason="not a JSON value"),
    Case("json/non-string-key", "linear", {1: 2}, expect=REFUSED, reason="keys must be strings"),
    Case("json/string-1mb", "transformer-block", {"activation": "x" * 10**6}, expect=REFUSED, reason="longer than"),
    Case("json/100k-values", "conv2d", {"kernel_size": list(range(10**5))}, expect=REFUSED, reason="more than"),
    Case("json/10k-keys", "linear", {f"k{i}": i for i in range(10**4)}, expect=REFUSED, reason="more than"),
]

DEEP = [
    Case("deep/dict-10k", "linear", {"in_features": nested(10**4)}, expect=REFUSED, reason="deeper than"),
    Case("deep/list-10k", "conv2d", {"kernel_size": nested(10**4, 3, list)}, expect=REFUSED, reason="deeper than"),
    Case("deep/list-100k-instantiate", "conv2d", {"kernel_size": nested(10**5, 3, list)}, "instantiate", REFUSED, "deeper than"),
    Case("deep/dict-10k-unknown-key", "linear", {"__class__": nested(10**4)}, expect=REFUSED, reason="deeper than"),
    Case("deep/args-object-9-levels", "linear", nested(9), expect=REFUSED, reason="deeper than"),
]

WRONG_TYPES = [
    Case("type/linear-in-string", "linear", {"in_features": "16"}, expect=REFUSED, reason="in_features"),
    Case("type/linear-in-list", "linear", {"in_features": [16]}, expect=REFUSED, reason="in_features"),
    Case("type/linear-in-dict", "linear", {"in_features": {"value": 16}}, expect=REFUSED, reason="in_features"),
    Case("type/linear-in-bool", "linear", {"in_features": True}, expect=REFUSED, reason="in_features"),
    Case("type/linear-in-float", "linear", {"in_features": 16.0}, "instantiate", REFUSED, "in_features"),
    Case("type/linear-in-null", "linear", {"in_features": None}, expect=REFUSED, reason="in_features"),
    Case("type/linear-bias-string", "linear", {"bias": "false"}, expect=REFUSED, reason="bias"),
    Case("type/linear-bias-int", "linear", {"bias": 0}, expect=REFUSED, reason="bias"),
    Case("type/dropout-p-string", "dropout", {"p": "0.5"}, expect=REFUSED, reason="p"),
    Case("type/dropout-p-bool", "dropout", {"p": True}, expect=REFUSED, reason="p"),
    Case("type/sgd-lr-string", "sgd", {"lr": "fast"}, expect=REFUSED, reason="lr"),
    Case("type/sgd-lr-list", "sgd", {"lr": [0.1]}, expect=REFUSED, reason="lr"),
    Case("type/conv2d-kernel-string", "conv2d", {"kernel_size": "3"}, expect=REFUSED, reason="kernel_size"),
    Case("type/conv2d-kernel-dict", "conv2d", {"kernel_size": {"h": 3}}, expect=REFUSED, reason="kernel_size"),
    Case("type/conv2d-kernel-mixed-list", "conv2d", {"kernel_size": [3, "3"]}, expect=REFUSED, reason="kernel_size"),
    Case("type/conv2d-kernel-float", "conv2d", {"kernel_size": 3.5}, expect=REFUSED, reason="kernel_size"),
    Case("type/adam-amsgrad-string", "adam", {"amsgrad": "yes"}, expect=REFUSED, reason="amsgrad"),
    Case("type/embedding-padding-float", "embedding", {"padding_idx": 1.5}, expect=REFUSED, reason="padding_idx"),
    Case("type/gelu-approximate-int", "gelu", {"approximate": 1}, expect=REFUSED, reason="approximate"),
    Case("type/unknown-key", "linear", {"in_featurez": 3}, expect=REFUSED, reason="accepted: bias, in_features, out_features"),
]

NAMES = [
    Case("name/term-os-system", "os.system", expect=UNKNOWN),
    Case("name/term-dunder-import", "__import__", expect=UNKNOWN),
    Case("name/term-dunder-class", "__class__", op="instantiate", expect=UNKNOWN),
    Case("name/term-torch-nn-module", "torch.nn.Module", expect=UNKNOWN),
    Case("name/term-selftest-target", "implementations.sandbox.selftest:Misbehaving", expect=UNKNOWN),
    Case("name/term-path-traversal", "../../etc/passwd", expect=UNKNOWN),
    Case("name/term-shell", "linear; rm -rf /", op="instantiate", expect=UNKNOWN),
    Case("name/term-empty", "", expect=UNKNOWN),
    Case("name/term-10k-chars", "x" * 10**4, expect=REFUSED, reason="term longer than"),
    Case("name/key-dunder-class", "linear", {"__class__": "os.system"}, expect=REFUSED, reason="__class__"),
    Case("name/key-dunder-init", "linear", {"__init__": 1}, "instantiate", REFUSED, "__init__"),
    Case("name/key-dunder-dict", "linear", {"__dict__": {}}, expect=REFUSED, reason="__dict__"),
    Case("name/key-modules", "linear", {"_modules": {}}, expect=REFUSED, reason="_modules"),
    Case(
        "name/activation-os-system",
        "transformer-block",
        {"activation": "os.system"},
        reason="activation should be relu/gelu, not os.system",
    ),
    Case("name/activation-dunder-import", "transformer-encoder", {"activation": "__import__"}, "instantiate", reason="not __import__"),
    Case(
        "name/reduction-torch-nn-module", "cross-entropy-loss", {"reduction": "torch.nn.Module"}, reason="not a valid value for reduction"
    ),
    Case("name/reduction-dunder-class", "mse-loss", {"reduction": "__class__"}, reason="not a valid value for reduction"),
    Case("name/gelu-approximate-dunder", "gelu", {"approximate": "__class__"}, reason="either none or tanh"),
    Case("name/kaiming-nonlinearity-os-system", "kaiming-initialization", {"nonlinearity": "os.system"}, reason="Unsupported nonlinearity"),
    Case("name/kaiming-mode-import", "kaiming-initialization", {"mode": "__import__('os')"}, reason="not supported"),
    Case("name/stochastic-depth-mode-exec", "stochastic-depth", {"mode": "exec"}, reason="mode must be"),
    Case("name/iou-mode-eval", "iou-loss", {"mode": "eval"}, reason="mode must be"),
    Case("name/wasserstein-mode-subprocess", "wasserstein-loss", {"mode": "subprocess.Popen"}, reason="mode must be"),
    Case("name/dice-activation-builtins", "dice-loss", {"activation": "builtins.exec"}, reason="activation must be"),
]

CORPUS = DIMS + ALLOCATIONS + ENDLESS + CRASHES + BAD_VALUES + NOT_JSON + DEEP + WRONG_TYPES + NAMES


@pytest.fixture(scope="module")
def hostile() -> Iterator[Sandbox]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(_REGISTRY, SELF, SELFTEST_SPEC)  # the caller's registry, for argument checks
        sandbox = Sandbox(LIMITS, extra_specs=[SELFTEST_SPEC])
        sandbox.start()
        yield sandbox
        sandbox.stop()


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    assert len(CORPUS) >= 100
    assert len({case.id for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_hostile_input_is_refused_or_fails_within_the_limit(hostile: Sandbox, case: Case) -> None:
    run = hostile.smoke_test if case.op == "smoke" else hostile.instantiate
    start = time.perf_counter()
    if case.expect == FAILS:
        result = run(case.term, case.args)
        assert result["ok"] is False, result
        assert re.search(case.reason, result["error"] or ""), result["error"]
    else:
        error = UnknownImplementationError if case.expect == UNKNOWN else ImplementationError
        with pytest.raises(error, match=case.reason or "unknown term"):
            run(case.term, case.args)
    assert time.perf_counter() - start < LIMITS.wall_seconds + SLACK_SECONDS


def test_unknown_terms_suggest_close_names(hostile: Sandbox) -> None:
    with pytest.raises(UnknownImplementationError, match="did you mean") as info:
        hostile.smoke_test("layernrom")
    assert "Layer Normalization" in info.value.suggestions
    with pytest.raises(UnknownImplementationError, match="did you mean Linear"):
        hostile.instantiate("lineaar")


def test_the_pool_still_answers_after_the_corpus(hostile: Sandbox) -> None:
    result = hostile.smoke_test("linear", {"in_features": 6, "out_features": 3})
    assert result["ok"] is True and result["error"] is None
    assert {c["name"]: c["ok"] for c in result["checks"]}["oracle"] is True
    for _ in range(500):  # replacements are forked in the background (at most 5 s)
        if len(hostile.worker_pids()) == 2:
            break
        time.sleep(0.01)
    assert len(hostile.worker_pids()) == 2
