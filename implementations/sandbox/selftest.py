"""A module that misbehaves on request: the target of the sandbox's test-only registrations.

The project never registers it. The sandbox's tests register :data:`SELFTEST_SPEC` (in the
sandbox with ``Sandbox(extra_specs=[SELFTEST_SPEC])``, and for the duration of a test in the
caller's registry) to show that a worker contains whatever a constructor or a forward pass does:
crash, exit, hang, hog memory, leave a thread running or change torch's global state.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import torch

from implementations.registry.spec import Family, ImplementationSpec


def _spin() -> NoReturn:
    while True:
        pass


def _recurse(depth: int = 0) -> int:
    return _recurse(depth + 1) + 1


def _exit(code: int) -> NoReturn:
    sys.exit(code)


def _raise(error: BaseException) -> NoReturn:
    raise error


def _pollute() -> None:
    torch.set_default_dtype(torch.float64)
    torch.set_grad_enabled(False)
    torch.set_num_threads(2)
    torch.manual_seed(123)


BEHAVIOURS: dict[str, Callable[[], object]] = {
    "none": lambda: None,
    "segfault": lambda: ctypes.string_at(0),
    "abort": os.abort,
    "kill-self": lambda: os.kill(os.getpid(), signal.SIGKILL),
    "os-exit": lambda: os._exit(3),
    "sys-exit": lambda: _exit(4),
    "system-exit": lambda: _raise(SystemExit("leaving")),
    "keyboard-interrupt": lambda: _raise(KeyboardInterrupt()),
    "sleep": lambda: time.sleep(3600),
    "spin": _spin,
    "recurse": _recurse,
    "allocate": lambda: bytearray(64 * 1024**3),
    "allocate-tensor": lambda: torch.ones(2**36),
    "close-connection": lambda: os.closerange(3, 1024),
    "stray-thread": lambda: threading.Thread(target=time.sleep, args=(3600,), daemon=True).start(),
    "pollute": _pollute,
}


class Misbehaving(torch.nn.Module):
    """A linear layer that first does ``behaviour`` (see ``BEHAVIOURS``) at ``stage`` (``init`` or ``forward``).

    Its ``repr`` shows torch's global state, so a test can see what the worker reset.
    """

    def __init__(self, behaviour: str = "none", stage: str = "forward", features: int = 4) -> None:
        super().__init__()
        if behaviour not in BEHAVIOURS or stage not in ("init", "forward"):
            raise ValueError(f"unknown behaviour {behaviour!r} or stage {stage!r}")
        self.behaviour, self.stage = behaviour, stage
        self.linear = torch.nn.Linear(features, features)
        if stage == "init":
            BEHAVIOURS[behaviour]()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``behaviour`` (at the forward stage), then the linear map."""
        if self.stage == "forward":
            BEHAVIOURS[self.behaviour]()
        out: torch.Tensor = self.linear(x)
        return out

    def extra_repr(self) -> str:
        """Torch's global state as this process sees it."""
        return (
            f"default_dtype={torch.get_default_dtype()}, grad_enabled={torch.is_grad_enabled()}, "
            f"threads={torch.get_num_threads()}, seed={torch.initial_seed()}, pid={os.getpid()}"
        )


def sample(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """A batch of vectors ``[4, features]``."""
    return (torch.randn(4, int(args.get("features", 4))),)


SELFTEST_SPEC = ImplementationSpec(
    "sandbox-selftest",
    "implementations.sandbox.selftest:Misbehaving",
    Family.MODULE,
    defaults={"behaviour": "none", "stage": "forward", "features": 4},
    arg_types={"behaviour": str, "stage": str, "features": int},
    sample="implementations.sandbox.selftest:sample",
    notes="test-only: the project never registers it",
)
