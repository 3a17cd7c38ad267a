"""Optimizer–layer pairings: realistic tasks per layer family, one trial of the protocol, a quick verifier.

``run_trial(TrialConfig(...))`` (:mod:`implementations.pairing.trial`) trains one configuration and
measures it on validation; ``verify_pairing("transformer", "adamw")`` checks one claim of the
sources' "Layer → Optimizer" table with one such trial; ``claimed_pairs()`` lists the claims
(:mod:`implementations.pairing.families`) and ``list_tasks()`` the task families. Importing the
package does not import torch; the tasks (:mod:`implementations.pairing.tasks`) load when a run starts.
"""

from implementations.pairing.families import BASELINE, FAMILIES, FAMILY_SPECS, OPTIMIZERS
from implementations.pairing.trial import default_steps, eval_every, run_trial
from implementations.pairing.verify import (
    DEFAULT_LEARNING_RATES,
    claimed_pairs,
    default_lr,
    list_tasks,
    resolve_family,
    resolve_optimizer,
    verify_pairing,
)

__all__ = [
    "BASELINE",
    "DEFAULT_LEARNING_RATES",
    "FAMILIES",
    "FAMILY_SPECS",
    "OPTIMIZERS",
    "claimed_pairs",
    "default_lr",
    "default_steps",
    "eval_every",
    "list_tasks",
    "resolve_family",
    "resolve_optimizer",
    "run_trial",
    "verify_pairing",
]
