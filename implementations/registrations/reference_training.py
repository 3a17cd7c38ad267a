"""Registrations of the training components that finish the coverage list (data only: no torch import here).

Optimizer wrappers (SAM, Lookahead, gradient and weight clipping, ZeRO), batch mixing (Mixup,
CutMix), penalties and extra losses (L1, gradient penalty, distillation, CosFace, perceptual,
RNN-T), all in ``implementations.components.training``.
"""

from __future__ import annotations

from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, OracleCase, register_all

TRAINING = "implementations.components.training."
WRAP, WRAP_CHECKS = TRAINING + "optim_wrappers:", TRAINING + "optim_wrapper_checks:"
PEN, MIXING, PERCEPTUAL, RNNT = TRAINING + "penalties:", TRAINING + "mixing:", TRAINING + "perceptual:", TRAINING + "rnnt:"
LC = TRAINING + "loss_checks:"
WRAPPER = {"base": str, "lr": float, "momentum": float, "weight_decay": float}
SMOKE_LR = {"lr": 0.05}


def _wrapper(
    concept: str, target: str, defaults: dict[str, Any], types: dict[str, Any], smoke: dict[str, Any], notes: str
) -> ImplementationSpec:
    """An optimizer wrapper around a torch base optimizer, checked in lockstep against its oracle."""
    return ImplementationSpec(
        concept,
        WRAP + target,
        Family.OPTIMIZER,
        {"momentum": 0.0, "weight_decay": 0.0, **defaults},
        {**WRAPPER, **types},
        oracle=f"{WRAP_CHECKS}{concept.replace('-', '_')}_oracle",
        smoke_args=smoke,
        tolerance=1e-8,
        notes=notes,
    )


def _loss(
    concept: str, target: str, defaults: dict[str, Any], types: dict[str, Any], sample: str, oracle: str, notes: str
) -> ImplementationSpec:
    return ImplementationSpec(concept, target, Family.LOSS, defaults, types, sample=sample, oracle=oracle, tolerance=1e-5, notes=notes)


OPTIMIZER_WRAPPERS = [
    _wrapper(
        "sam",
        "SAM",
        {"base": "sgd", "lr": 0.1, "rho": 0.05, "adaptive": False},
        {"rho": float, "adaptive": bool},
        SMOKE_LR,
        "Sharpness-aware minimisation around a torch base optimizer (step needs a closure); oracle: pytorch-optimizer's SAM.",
    ),
    _wrapper(
        "lookahead",
        "Lookahead",
        {"base": "sgd", "lr": 0.1, "k": 5, "alpha": 0.5},
        {"k": int, "alpha": float},
        SMOKE_LR,
        "k fast steps of the base optimizer, then the slow weights move α of the way; oracle: pytorch-optimizer's Lookahead.",
    ),
    _wrapper(
        "gradient-clipping",
        "GradientClipping",
        {"base": "sgd", "lr": 0.1, "max_norm": 1.0},
        {"max_norm": float},
        SMOKE_LR,
        "The base optimizer after clipping the global gradient norm; oracle: torch.nn.utils.clip_grad_norm_ then the base step.",
    ),
    _wrapper(
        "weight-clipping",
        "WeightClipping",
        {"base": "rmsprop", "lr": 5e-5, "clip": 0.01},
        {"clip": float},
        {"lr": 0.01, "clip": 10.0},
        "The base optimizer, then every weight clamped to [−clip, clip] (WGAN critic, Algorithm 1); oracle: torch.clamp after the step.",
    ),
    _wrapper(
        "zero",
        "zero_redundancy",
        {"base": "adam", "lr": 1e-3},
        {},
        SMOKE_LR,
        "ZeRO stage 1: torch.distributed.optim.ZeroRedundancyOptimizer in a one-process gloo group (started on first use); "
        "oracle: the plain base optimizer, which one rank must equal.",
    ),
]

MIXING_AND_PENALTIES = [
    ImplementationSpec(
        "mixup",
        MIXING + "Mixup",
        Family.MODULE,
        {"alpha": 0.2, "num_classes": 10},
        {"alpha": float, "num_classes": int},
        sample=MIXING + "labelled_images",
        oracle=MIXING + "mixup_oracle",
        notes="(images, labels) → (λx + (1−λ)x_π, soft labels); λ ~ Beta(α, α) from torch's generator.",
    ),
    ImplementationSpec(
        "cutmix",
        MIXING + "CutMix",
        Family.MODULE,
        {"alpha": 1.0, "num_classes": 10},
        {"alpha": float, "num_classes": int},
        sample=MIXING + "labelled_images",
        oracle=MIXING + "cutmix_oracle",
        notes="(images, labels) → images with a partner's box pasted in, labels weighted by the kept area.",
    ),
    _loss(
        "l1-regularization",
        PEN + "L1Penalty",
        {"weight": 1e-4},
        {"weight": float},
        PEN + "weights_to_penalise",
        PEN + "l1_oracle",
        "λ Σ|w| over the tensors given (typically model.parameters()); add it to the loss.",
    ),
    ImplementationSpec(
        "gradient-penalty",
        PEN + "GradientPenalty",
        Family.MODULE,
        {"in_features": 8, "hidden_features": 16, "weight": 10.0},
        {"in_features": int, "hidden_features": int, "weight": float},
        sample=PEN + "real_fake_pairs",
        oracle=PEN + "gradient_penalty_oracle",
        tolerance=1e-4,
        notes="WGAN-GP: λ (‖∇D(x̂)‖ − 1)² at x̂ = εx + (1−ε)x̃, for the small critic it holds (forward(real, fake, ε)).",
    ),
    _loss(
        "knowledge-distillation",
        PEN + "KnowledgeDistillationLoss",
        {"temperature": 4.0, "alpha": 0.9},
        {"temperature": float, "alpha": float},
        PEN + "distillation_inputs",
        PEN + "distillation_oracle",
        "α T² KL(teacher_T ‖ student_T) + (1 − α) CE(student, y); forward(student, teacher, labels).",
    ),
    _loss(
        "cosface",
        PEN + "CosFaceLoss",
        {"embedding_dim": 8, "num_classes": 5, "s": 64.0, "m": 0.35, "reduction": "mean"},
        {"embedding_dim": int, "num_classes": int, "s": float, "m": float, "reduction": str},
        LC + "embeddings_with_labels",
        PEN + "cosface_oracle",
        "Large-margin cosine loss: the target logit becomes s(cos θ_y − m); holds the learnable class centres.",
    ),
    ImplementationSpec(
        "perceptual-loss",
        PERCEPTUAL + "PerceptualLoss",
        Family.LOSS,
        {"in_channels": 3, "activation": True, "pool": "max", "seed": 0},
        {"in_channels": int, "activation": bool, "pool": str, "seed": int},
        sample=PERCEPTUAL + "image_pairs",
        oracle=PERCEPTUAL + "perceptual_oracle",
        tolerance=1e-4,
        oracle_cases=(OracleCase({"activation": False, "pool": "avg"}),),
        notes="A randomly initialised, frozen VGG-style extractor (no pretrained weights offline).",
    ),
    _loss(
        "rnn-transducer",
        RNNT + "RNNTLoss",
        {"blank": 0, "reduction": "mean"},
        {"blank": int, "reduction": str},
        RNNT + "transducer_lattice",
        RNNT + "rnnt_oracle",
        "RNN-T loss: −log Σ over alignments, by the forward variables in log space; forward(logits [B,T,U+1,V], targets, lengths).",
    ),
]

register_all([*OPTIMIZER_WRAPPERS, *MIXING_AND_PENALTIES])
