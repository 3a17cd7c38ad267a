"""The pairing evidence of a store's trials, computed once per store version, and its JSON (torch-free).

The GraphQL ``evidence`` field and ``nnvocab pairs --json`` read :func:`get_evidence`; it summarises the
stored ``nnv:PairingTrial`` activities again only after a write (``store.version()`` changed).
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import TYPE_CHECKING, Any

from implementations.pairing.protocol import PairEvidence
from ontology.store import TripleStore
from service.sweeps import list_trials

if TYPE_CHECKING:  # the statistics (numpy) load on the first evidence request, not at server start
    from implementations.pairing.evidence import EvidenceReport

_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[TripleStore, tuple[str, EvidenceReport]] = weakref.WeakKeyDictionary()


def get_evidence(store: TripleStore) -> EvidenceReport:
    """The evidence of the trials stored in ``store``; the same object until the store is written again."""
    version = store.version()
    with _lock:
        cached = _cache.get(store)
    if cached is not None and cached[0] == version:
        return cached[1]
    from implementations.pairing.evidence import summarise

    report = summarise(list_trials(store))
    with _lock:
        _cache[store] = (version, report)  # a write during the summary changed the version: the next call recomputes
    return report


def get_measured(report: EvidenceReport, family: str, optimizer: str) -> PairEvidence | None:
    """The evidence on the (family, optimizer) slug pair, or ``None`` when no run measured it."""
    found = report.get(family, optimizer)
    return found if found is not None and found.runs else None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def evidence_json(e: PairEvidence) -> dict[str, Any]:
    """One pair's evidence as JSON: the verdict and the numbers behind it (``None`` for a target never reached)."""
    return {
        "verdict": e.verdict.value if e.verdict else None,
        "metric": e.metric,
        "higher_is_better": e.higher_is_better,
        "median": _finite(e.median),
        "ci_low": _finite(e.ci[0]),
        "ci_high": _finite(e.ci[1]),
        "steps_to_target": _finite(e.steps_to_target),
        "steps_ci": [_finite(e.steps_ci[0]), _finite(e.steps_ci[1])],
        "runs": e.runs,
        "protocol": e.protocol,
        "lr": e.config.lr,
        "weight_decay": e.config.weight_decay,
        "reason": e.reason,
    }
