"""The statistics and verdicts of the pairing protocol (numpy only; no torch).

``summarise(results)`` turns a bag of stored trials into an :class:`EvidenceReport`: each pair's
tuned setting, the median and 95% bootstrap CI of its final validation metric and of its steps to
the family's target, the verdict of each claimed pair, and the ablations of the recipe extras.
``select_best`` picks the configuration a tuning sweep found, ``performance_profiles`` reads the
report as Dolan–Moré profiles. Optimizers, and a recipe with and without an extra, are compared seed
by seed (:mod:`~implementations.pairing.evidence.paired`). The protocol is stated in
``docs/pairing-protocol.md``.
"""

from implementations.pairing.evidence.paired import Comparison, compare, paired_difference_ci, paired_differences
from implementations.pairing.evidence.profiles import performance_profiles
from implementations.pairing.evidence.selection import MIN_SEEDS, family_target, select_best
from implementations.pairing.evidence.stats import LEVEL, RESAMPLES, EvidenceError, bootstrap_ci, difference_ci
from implementations.pairing.evidence.summary import EvidenceReport, effect_of, median_optimizer, summarise
from implementations.pairing.evidence.verdicts import MARGIN_ABSOLUTE, MARGIN_RELATIVE, decide_verdict, margin_for

__all__ = [
    "LEVEL",
    "MARGIN_ABSOLUTE",
    "MARGIN_RELATIVE",
    "MIN_SEEDS",
    "RESAMPLES",
    "Comparison",
    "EvidenceError",
    "EvidenceReport",
    "bootstrap_ci",
    "compare",
    "decide_verdict",
    "difference_ci",
    "effect_of",
    "family_target",
    "margin_for",
    "median_optimizer",
    "paired_difference_ci",
    "paired_differences",
    "performance_profiles",
    "select_best",
    "summarise",
]
