"""One realistic, offline, deterministic training task per family of the pairing protocol.

=========================  =====================================================  ===============
family                     task                                                   metric
=========================  =====================================================  ===============
linear                     MLP on scikit-learn's digits                           accuracy
convolution                small CNN on the digits (extra ``batch-norm``)         accuracy
transformer                causal character-level Transformer LM, shipped corpus  bits-per-char
recurrent-neural-network   character-level LSTM LM, same corpus                   bits-per-char
graph-neural-network       GCN node classification on a stochastic block model   accuracy
embedding                  next-item recommender, user/item embedding tables      hit-rate@10
mixture-of-experts         top-2 MoE classifier on the digits                     accuracy
spiking-neural-network     LIF network on rate-coded digits                       accuracy
=========================  =====================================================  ===============

This module does not import torch: :class:`Task` names its builder (``module:function``) and
:meth:`Task.build` imports it when a run starts. Every builder takes a
:class:`~implementations.pairing.protocol.TrialConfig` (seed, extras, and for spiking networks the
training method) and returns a :class:`~implementations.pairing.tasks._common.Problem`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from implementations.pairing.protocol import TrialConfig
    from implementations.pairing.tasks._common import Problem


class UnknownTaskError(LookupError):
    """No task for the family."""


@dataclass(frozen=True)
class Task:
    """The task of one family.

    Attributes:
        family: Concept slug of the family.
        summary: What the model learns, in one line.
        metric: Name of the validation metric.
        higher_is_better: Direction of the metric (accuracies up, bits per character down).
        steps: Default number of optimizer steps.
        builder: ``module:function`` building the problem from a trial configuration.
        extras: The extras the task itself implements (beyond warmup-cosine, grad-clip, decay-split).
        methods: Training methods of the family → the optimizer each one steps with.

    """

    family: str
    summary: str
    metric: str
    higher_is_better: bool
    steps: int
    builder: str
    extras: frozenset[str] = field(default_factory=frozenset)
    methods: dict[str, str] = field(default_factory=dict)

    @property
    def eval_every(self) -> int:
        """Optimizer steps between validations (10 evaluations after step 0)."""
        return max(1, self.steps // 10)

    def build(self, config: TrialConfig) -> Problem:
        """Build the problem of ``config`` (imports torch and the family's module)."""
        module, function = self.builder.split(":")
        problem: Problem = getattr(importlib.import_module(f"implementations.pairing.tasks.{module}"), function)(config)
        return problem


TASKS: dict[str, Task] = {
    t.family: t
    for t in (
        Task("linear", "MLP 64-128-128-10 on the 8×8 digits", "accuracy", True, 150, "digits:build_linear"),
        Task(
            "convolution",
            "two-stage CNN on the 8×8 digits",
            "accuracy",
            True,
            120,
            "digits:build_convolution",
            extras=frozenset({"batch-norm"}),
        ),
        Task("transformer", "2-layer causal Transformer character LM", "bits-per-char", False, 120, "charlm:build_transformer"),
        Task("recurrent-neural-network", "LSTM character LM", "bits-per-char", False, 150, "charlm:build_recurrent"),
        Task("graph-neural-network", "2-layer GCN on a 400-node stochastic block model", "accuracy", True, 100, "graph:build_graph"),
        Task("embedding", "next-item recommender over 1,000 users × 300 items", "hit-rate@10", True, 200, "recommender:build_embedding"),
        Task(
            "mixture-of-experts",
            "top-2 of 4 experts classifier on the digits",
            "accuracy",
            True,
            150,
            "digits:build_moe",
            extras=frozenset({"load-balancing"}),
        ),
        Task(
            "spiking-neural-network",
            "LIF network on rate-coded digits",
            "accuracy",
            True,
            150,
            "spiking:build_spiking",
            methods={"surrogate-gradient": "adam", "stdp": "adam"},
        ),
    )
}


def get_task(family: str) -> Task:
    """The task of ``family``.

    Raises:
        UnknownTaskError: No task for the family.

    """
    try:
        return TASKS[family]
    except KeyError:
        raise UnknownTaskError(f"no pairing task for '{family}' (tasks: {', '.join(TASKS)})") from None
