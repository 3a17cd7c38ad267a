"""The task families of the pairing protocol, their claims and the methods they compare (no torch).

``CLAIMS`` is the sources' "Layer → Optimizer" table (guide L5967–L5974), all 8 rows; spiking
networks are claimed to train with their own methods, surrogate gradients and STDP, so their
candidates are training methods beside the SGD + momentum baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adafactor", "lion", "sophia", "lamb", "lars", "adan", "novograd")
BASELINE = "sgd"  # SGD with momentum 0.9: the baseline every verdict is also checked against
SPIKING_METHODS = ("surrogate-gradient", "stdp", BASELINE)

# Recipe extras: the names a TrialConfig's ``extras`` may hold.
EXTRAS = ("warmup-cosine", "grad-clip", "decay-split", "load-balancing", "batch-norm")


@dataclass(frozen=True)
class FamilySpec:
    """One task family.

    Attributes:
        family: Concept slug of the layer family.
        claimed: The optimizers (or methods) the sources claim for it.
        note: The note the table attaches to the claim.
        candidates: Every optimizer or method the sweep tunes on this family.
        extras: The claimed recipe extras, on by default for every candidate (so runs differ only in
            the optimizer) and ablated on the claimed optimizers.

    """

    family: str
    claimed: tuple[str, ...]
    note: str
    candidates: tuple[str, ...] = OPTIMIZERS
    extras: tuple[str, ...] = ()


FAMILY_SPECS: dict[str, FamilySpec] = {
    spec.family: spec
    for spec in (
        FamilySpec("linear", ("adam", "adamw", "sgd"), "use weight decay", extras=("decay-split",)),
        FamilySpec("convolution", ("sgd", "adamw"), "BatchNorm helps", extras=("batch-norm",)),
        FamilySpec("transformer", ("adamw", "lion", "sophia"), "warmup + cosine decay", extras=("decay-split", "warmup-cosine")),
        FamilySpec("recurrent-neural-network", ("adam", "rmsprop"), "gradient clipping essential", extras=("grad-clip",)),
        FamilySpec("graph-neural-network", ("adam", "adamw"), "node-level normalization"),
        FamilySpec("embedding", ("adamw", "adagrad"), "sparse gradients"),
        FamilySpec("mixture-of-experts", ("adamw",), "expert routing; AdamW + load-balancing loss", extras=("load-balancing",)),
        FamilySpec(
            "spiking-neural-network",
            ("surrogate-gradient", "stdp"),
            "specialized training: custom methods (STDP, surrogate gradients)",
            candidates=SPIKING_METHODS,
        ),
    )
}
FAMILIES = tuple(FAMILY_SPECS)
