"""The pairing protocol's sweep: the trial plan, its execution on Ray (or a process pool), resumable.

``SweepPlan`` says which configurations each phase runs; ``run_sweep`` runs the missing ones phase
by phase and hands each result to a callback as it finishes. Importing this package imports
neither torch nor Ray.
"""

from implementations.pairing.sweep.phases import SweepOutcome, run_sweep
from implementations.pairing.sweep.plan import PlanError, SweepPlan, select_pairs, tuning_points
from implementations.pairing.sweep.runner import BACKENDS, Backend, TrialRunner, load_trial_function, open_backend, run_trials

__all__ = [
    "BACKENDS",
    "Backend",
    "PlanError",
    "SweepOutcome",
    "SweepPlan",
    "TrialRunner",
    "load_trial_function",
    "open_backend",
    "run_sweep",
    "run_trials",
    "select_pairs",
    "tuning_points",
]
