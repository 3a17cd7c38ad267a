"""Which concepts have an implementation, and why the others do not.

A concept of an implementable kind (layers, activations, …) without a registration needs an
explicit reason in :data:`REASONS`; ``nnvocab coverage`` and a test fail on an unexplained gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from implementations.registry.spec import registry
from loaders.curated import load_curated

IMPLEMENTABLE = {
    "LAYER",
    "ACTIVATION",
    "NORMALIZATION",
    "ATTENTION",
    "EMBEDDING",
    "LOSS",
    "OPTIMIZER",
    "SCHEDULER",
    "INITIALIZATION",
    "REGULARIZATION",
}
KIND_REASONS = {
    "ARCHITECTURE": "architecture-level: a whole model family assembled from registered layers, not one component",
    "TRAINING_TECHNIQUE": "a training or deployment procedure (data, schedule, systems), not a component to instantiate",
    "OTHER": "a general term or idea, not a computational unit",
    "METRIC": "an evaluation metric, not a trainable component",
}
SPECULATIVE = "speculative: no published method to implement"

# Implementable kinds without a registration, each with its reason.
REASONS: dict[str, str] = {
    "absolute-position-encoding": "a family or umbrella term; its members are registered individually (sinusoidal and learned positional embeddings)",
    "activation-function": "a family or umbrella term; its members are registered individually (relu, gelu, silu, …)",
    "adaptive-lif": "spiking neurons need a time-stepped simulation with surrogate gradients; not implemented yet",
    "adversarial-loss": "the GAN objective is a training loop between two networks; the registered binary-cross-entropy computes each side",
    "attention": "a family or umbrella term; its members are registered individually (self-, cross-, multi-head, grouped-query attention, …)",
    "axial-attention": "not implemented yet: needs a 2-D wrapper that runs registered attention along rows then columns",
    "bahdanau-attention": "not implemented yet: additive attention over RNN encoder states (planned with the sequence-to-sequence task)",
    "byte-pair-encoding": "a tokenizer trained on text, not a tensor operation",
    "causal-convolution": "not implemented yet: a conv1d padded (k − 1)·dilation steps on the left only; the registered conv1d computes it on a left-padded input",
    "cfc": "closed-form continuous-time cells (Hasani et al. 2022); not implemented yet (the reference is the ncps package)",
    "character-embedding": "a character CNN/RNN feeding word vectors; composable from registered embedding and conv1d",
    "compressed-sparse-attention": "described only in a 2026 technical report without a reference algorithm precise enough to reproduce",
    "cosface": "not implemented yet: a margin variant of the registered ArcFace loss (cos θ − m)",
    "ct-rnn": "needs an ODE solver loop; not implemented yet",
    "cutmix": "a data augmentation that pastes patches between images in the training loop",
    "decoder-block": "the registered transformer-decoder layer is the decoder block",
    "deformable-convolution": "needs the deformable-conv sampling op (torchvision.ops.deform_conv2d), and torchvision cannot be installed beside torch 2.13",
    "dilated-attention": "not implemented yet: a dilated variant of the registered sliding-window mask",
    "elmo": "a pretrained bidirectional LSTM language model; its weights are not available offline",
    "embedding-dropout": "not implemented yet: dropout of whole rows of the embedding matrix, so every occurrence of a dropped token loses its vector",
    "emotional-state-spaces": "a modelling idea (continuous valence-arousal-dominance states), not a specific operation",
    "entity-embedding": "an application of the registered embedding layer to the values of a categorical variable",
    "expert-choice-routing": "not implemented yet: experts pick tokens (Zhou et al. 2022); token-choice top-k routing is registered",
    "flashattention": "an exact IO-aware CUDA kernel for the same maths as registered attention; torch's scaled_dot_product_attention dispatches to it on GPUs",
    "global-add-pooling": "a one-line sum over nodes (x.sum(dim=0)), used inside the registered GIN layer",
    "global-local-attention": "not implemented yet: sliding-window attention plus a few global tokens (Longformer)",
    "gradient-penalty": "a WGAN-GP term computed from a critic's input gradients inside a GAN training loop",
    "graphsage": "not implemented yet: neighbour sampling and aggregation (the registered GCN/GIN/GAT cover dense message passing)",
    "head": "one attention head is a slice of the registered multi-head attention, not a module of its own",
    "hidden-layer": "a role a layer plays in a network (any registered layer can fill it), not a distinct operation",
    "hyena": "not implemented yet: long implicit convolutions with FFT and gating (Poli et al. 2023)",
    "hypergraph-neural-network": "not implemented yet: needs an incidence-matrix convolution (Feng et al. 2019)",
    "identity-consistency-loss": "an application-specific objective with no standard formula",
    "input-layer": "a role a layer plays in a network (any registered layer can fill it), not a distinct operation",
    "izhikevich-model": "a biophysical neuron ODE for simulation studies, not a trainable deep-learning layer",
    "kv-cache": "an inference-time cache of keys and values across decoding steps, not a trainable component",
    "l1-regularization": "a penalty λ·Σ|w| added to the training loss, one line in a training loop",
    "leaky-integrate-and-fire": "spiking neurons need a time-stepped simulation with surrogate gradients; not implemented yet",
    "liquid-time-constant-network": "needs an ODE solver loop (Hasani et al. 2021); not implemented yet",
    "longformer-bigbird": "an architecture combining window, global and random attention patterns; see sliding-window-attention",
    "lookahead": "an optimizer wrapper around a base optimizer; not implemented yet",
    "loss-function": "a family or umbrella term; its members are registered individually (cross-entropy, mse, focal, …)",
    "memory-efficient-attention": "a kernel-level implementation of exact attention (xFormers / SDPA backends), not a different function",
    "minlstm": "not implemented yet: parallel-scan minimal LSTM (Feng et al. 2024)",
    "mixup": "a data augmentation that mixes pairs of examples and labels in the training loop",
    "monte-carlo-dropout": "an inference procedure (dropout left on, several stochastic passes averaged) around the registered dropout, not a component",
    "mpnn": "a general message-passing framework; GCN, GIN and GAT are its registered instances",
    "octave-convolution": "not implemented yet: high/low-frequency split convolution (Chen et al. 2019)",
    "paged-attention": "a KV-cache memory manager of an inference server (vLLM), not a network component",
    "perceptual-loss": "needs a pretrained VGG feature extractor, whose weights are not available offline",
    "persona-embeddings": "an application of the registered embedding layer to persona ids",
    "positional-encoding": "a family or umbrella term; its members are registered individually (sinusoidal, learned, rotary, ALiBi)",
    "random-attention": "not implemented yet: BigBird's random-key pattern needs a seeded sparse mask",
    "regularization": "a family or umbrella term; its members are registered individually (dropout, stochastic depth, dropblock, …)",
    "relative-position-encoding": "a family or umbrella term; its members are registered individually (rotary embeddings and ALiBi are its registered members)",
    "rnn-transducer": "not implemented yet: the RNN-T lattice loss (torchaudio's rnnt_loss is not installed)",
    "router-network": "the registered top-k-routing module is the router; see top-k-routing",
    "sam": "an optimizer wrapper needing two forward/backward passes per step around a base optimizer; not implemented yet",
    "sentence-embedding": "produced by a pretrained encoder (e.g. pooled BERT outputs), not a layer definition",
    "softmax-head": "a role a layer plays in a network (any registered layer can fill it), not a distinct operation (a registered linear layer followed by softmax)",
    "sparse-attention": "a family or umbrella term; its members are registered individually (sliding-window attention is registered; random/global patterns are combinations of masks)",
    "spiking-attention-mechanisms": "spiking variants need a spiking-neuron runtime (surrogate gradients over time steps) not provided here",
    "stochastic-pooling": "not in torch; not implemented yet (Zeiler & Fergus 2013 sampling by activation)",
    "weight-clipping": "an in-place clamp of critic weights after each WGAN step, part of the training loop",
    "weight-decay": "an argument of every registered optimizer (weight_decay), not a separate component",
    "word2vec": "a method that trains word vectors on a text corpus, not a layer; its vectors can initialise the registered embedding layer",
}


@dataclass(frozen=True)
class CoverageRow:
    """One concept and its implementation status."""

    concept: str
    name: str
    kind: str
    status: str
    target: str | None
    reason: str | None


def reason_for(concept: str, kind: str, status: str) -> str | None:
    """Why ``concept`` has no implementation (``None`` when nothing explains it)."""
    if status == "SPECULATIVE":
        return SPECULATIVE
    if concept in REASONS:
        return REASONS[concept]
    return KIND_REASONS.get(kind)


def coverage_report() -> list[CoverageRow]:
    """Every built-in concept with its target or the reason it has none, sorted by concept."""
    specs = registry()
    rows = []
    for concept in sorted(load_curated().concepts.values(), key=lambda c: c.id):
        spec = specs.get(concept.id)
        kind, status = concept.kind.value, concept.status.value
        rows.append(
            CoverageRow(
                concept.id,
                concept.name,
                kind,
                status,
                spec.target if spec else None,
                None if spec else reason_for(concept.id, kind, status),
            )
        )
    return rows
