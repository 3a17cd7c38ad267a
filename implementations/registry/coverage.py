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
    "ARCHITECTURE",
}
KIND_REASONS = {
    "TRAINING_TECHNIQUE": "a training or deployment procedure (data, schedule, systems), not a component to instantiate",
    "OTHER": "a general term or idea, not a computational unit",
    "METRIC": "an evaluation metric, not a trainable component",
}
SPECULATIVE = "speculative: no published method to implement"

# Implementable kinds without a registration, each with its reason.
REASONS: dict[str, str] = {
    "3d-space-networks": "an umbrella term of the guide for networks on 3-D data; its members are registered individually (pointnet, conv3d)",
    "4d-spatiotemporal-networks": "needs 4-D sparse convolution (MinkowskiEngine's Minkowski CNN), not a dependency; conv3d over time frames is registered (conv3d)",
    "absolute-position-encoding": "a family or umbrella term; its members are registered individually (sinusoidal and learned positional embeddings)",
    "activation-function": "a family or umbrella term; its members are registered individually (relu, gelu, silu, …)",
    "adversarial-loss": "the GAN objective is a training loop between two networks; the registered binary-cross-entropy computes each side",
    "affine-transformation": "the map x ↦ Wx + b that the registered linear layer computes (its oracle is this closed form)",
    "anomaly-detection": "a task (flagging inputs unlike the training data), served by registered networks such as the autoencoder's reconstruction error",
    "attention": "a family or umbrella term; its members are registered individually (self-, cross-, multi-head, grouped-query attention, …)",
    "autoregressive-generation": "a decoding loop over a registered language model (gpt-2, llama, …), sampling one token at a time; kv-cache and speculative-decoding, which speed it up, are registered",
    "backpropagation": "the reverse-mode differentiation every registration is trained with (torch.autograd); the smoke test's backward check exercises it for each one, so it has no module of its own",
    "backpropagation-through-time": "backpropagation through a recurrent network unrolled over its time steps, as torch.autograd does for the registered lstm, gru and vanilla-rnn; a training procedure, not a module",
    "bdi-architecture": "a symbolic agent architecture of beliefs, desires and intentions (plan libraries and deliberation rules): no tensor computation",
    "behavioral-cloning": "supervised learning of a policy on expert (state, action) pairs: a registered network plus cross-entropy or MSE; it needs a dataset of demonstrations, not a component",
    "byte-pair-encoding": "a tokenizer trained on text, not a tensor operation",
    "catastrophic-forgetting": "a failure mode of sequential training (a network losing earlier tasks), not a component",
    "character-embedding": "a character CNN/RNN feeding word vectors; composable from registered embedding and conv1d",
    "compressed-sparse-attention": "described only in a 2026 technical report without a reference algorithm precise enough to reproduce",
    "conditional-computation": "the principle of running only part of a network per input; its registered forms are mixture-of-experts, expert-choice-routing and mixture-of-depths",
    "constitutional-ai": "a data-generation and fine-tuning procedure (critique and revision by a model against written principles, then RL from AI feedback); its objectives are the registered reinforcement-learning-from-human-feedback and value-alignment-reward-modeling",
    "constitutional-classifiers-plus-plus": "a deployment system of classifiers trained on synthetic data from a constitution, wrapped around a production model; there is no architecture or loss of its own to run",
    "contrastive-learning": "a family of objectives; its members are registered individually (contrastive-loss, triplet-loss, nt-xent, clip)",
    "decoder-block": "the registered transformer-decoder layer is the decoder block",
    "diffractive-deep-neural-network": "physical optical hardware (3-D-printed diffractive layers); each layer's phase/amplitude mask plus free-space propagation is a complex-valued linear map, the registered complex-valued-neural-network",
    "diffusion-transformer": "transformers has no Diffusion Transformer (DiT), and its reference, diffusers' DiTTransformer2DModel, needs diffusers, which is not a dependency; the ViT blocks it modulates with adaLN-Zero are registered (vision-transformer)",
    "elmo": "a pretrained bidirectional LSTM language model; its weights are not available offline",
    "emotional-state-spaces": "a modelling idea (continuous valence-arousal-dominance states), not a specific operation",
    "enas": "a neural-architecture search procedure (an RNN controller trained by policy gradient samples subgraphs of one shared network); a search over registered layers, not a component",
    "entity-embedding": "an application of the registered embedding layer to the values of a categorical variable",
    "fine-tuning": "continued training of a pretrained network on a new task; any registration can be fine-tuned, and its parameter-efficient forms (lora, adapter, prompt-tuning, prefix-tuning) are registered",
    "gail": "an imitation-learning procedure that needs an environment to roll out a policy: a discriminator (a registered MLP with binary cross-entropy) rewards a policy trained by RL",
    "gaussian-splatting": "a scene representation rendered by a tile-based differentiable rasteriser of 3-D Gaussians (CUDA kernels in the reference code); no CPU rasteriser is a dependency here",
    "global-add-pooling": "a one-line sum over nodes (x.sum(dim=0)), used inside the registered GIN layer",
    "gradient-boosting-machine": "an ensemble of decision trees fitted stage-wise to residuals, not a neural network (scikit-learn, XGBoost); nothing in torch to register",
    "head": "one attention head is a slice of the registered multi-head attention, not a module of its own",
    "hidden-layer": "a role a layer plays in a network (any registered layer can fill it), not a distinct operation",
    "identity-consistency-loss": "an application-specific objective with no standard formula",
    "input-layer": "a role a layer plays in a network (any registered layer can fill it), not a distinct operation",
    "izhikevich-model": "a biophysical neuron ODE for simulation studies, not a trainable deep-learning layer",
    "loss-function": "a family or umbrella term; its members are registered individually (cross-entropy, mse, focal, …)",
    "lottery-ticket-hypothesis": "a conjecture about trained networks, tested with the registered magnitude-pruning by rewinding weights; nothing to compute of its own",
    "maml": "a meta-training loop (inner gradient steps per task, outer update through them) around any registered network; it needs a task distribution, and its few-shot neighbours prototypical-network and matching-network are registered",
    "mask-r-cnn": "transformers has no Mask R-CNN (its MaskFormer/Mask2Former are query-based), and the reference, torchvision's maskrcnn_resnet50_fpn with RoIAlign and anchor ops from torchvision.ops, cannot be imported beside the CPU torch 2.13",
    "memristive-networks": "analogue memristor crossbar hardware; Ohm's and Kirchhoff's laws compute the registered linear layer's matrix-vector product in place",
    "meta-learning": "the research area of learning to learn; its runnable members are registered (prototypical-network, matching-network, darts)",
    "metric-learning": "a family of objectives; its members are registered individually (contrastive-loss, triplet-loss, arcface, cosface)",
    "monte-carlo-dropout": "an inference procedure (dropout left on, several stochastic passes averaged) around the registered dropout, not a component",
    "mpnn": "a general message-passing framework; GCN, GIN and GAT are its registered instances",
    "multi-persona-models": "a deployment pattern: one backbone with per-persona adapters, LoRA weights or prompts, all registered (adapter, lora, prompt-tuning, prefix-tuning)",
    "neural-architecture-search": "a search procedure over architectures built from registered layers; darts, its differentiable form, is registered",
    "neural-program-interpreter": "trained on execution traces of programs, which are not available here; its core is the registered lstm with a key-value program memory",
    "neuro-symbolic-ai": "a research field, not one network; logic-tensor-network is registered as its runnable instance",
    "optical-neural-network": "physical photonic hardware (Mach-Zehnder interferometer meshes); what it computes is the registered linear layer's matrix-vector product (a unitary-SVD factorisation of W) with an external nonlinearity",
    "paged-attention": "a KV-cache memory manager of an inference server (vLLM), not a network component",
    "parameter-efficient-fine-tuning": "a family or umbrella term; its members are registered individually (lora, adapter, prefix-tuning, prompt-tuning)",
    "pathnet": "an evolutionary (tournament) search over which modules each layer routes through; the modules are ordinary registered layers (linear, conv2d), the search is not a network",
    "persona-embeddings": "an application of the registered embedding layer to persona ids",
    "positional-encoding": "a family or umbrella term; its members are registered individually (sinusoidal, learned, rotary, ALiBi)",
    "pruning": "a family or umbrella term; its members are registered individually (magnitude-pruning, structured-pruning)",
    "quantum-classical-hybrid-networks": "a classical network around a parameterised quantum circuit: simulating the circuit needs a quantum-circuit simulator (PennyLane, Qiskit), not a dependency",
    "quantum-neural-network": "a parameterised quantum circuit: simulating it needs a quantum-circuit simulator (PennyLane, Qiskit), not a dependency",
    "rank-order-coding": "a spike-timing code (information in the order in which neurons first fire), an encoding of inputs for the registered spiking-neural-network rather than a layer",
    "regularization": "a family or umbrella term; its members are registered individually (dropout, stochastic depth, dropblock, …)",
    "reinforcement-learning": "a learning paradigm that needs an environment; its registered objectives are a3c and reinforcement-learning-from-human-feedback (PPO-clip)",
    "relative-position-encoding": "a family or umbrella term; its members are registered individually (rotary embeddings and ALiBi are its registered members)",
    "retinanet": "transformers has no RetinaNet, and the reference, torchvision's retinanet_resnet50_fpn (FPN, anchor generator, box coder), cannot be imported beside the CPU torch 2.13; its defining focal loss is registered (focal-loss)",
    "router-network": "the registered top-k-routing module is the router; see top-k-routing",
    "scratchpad": "a prompting and fine-tuning format (the model writes intermediate steps as tokens before the answer), not a network component",
    "sentence-embedding": "produced by a pretrained encoder (e.g. pooled BERT outputs), not a layer definition",
    "social-learning-and-imitation": "a research theme (learning from others' behaviour); its runnable forms are behavioural cloning with a registered network and gail's discriminator",
    "softmax-head": "a role a layer plays in a network (any registered layer can fill it), not a distinct operation (a registered linear layer followed by softmax)",
    "sparse-attention": "a family or umbrella term; its members are registered individually (sliding-window attention is registered; random/global patterns are combinations of masks)",
    "spiking-attention-mechanisms": "spiking variants need a spiking-neuron runtime (surrogate gradients over time steps) not provided here",
    "stable-diffusion-pipeline": "a sampling pipeline wiring three separately trained networks (VAE, text encoder, denoising U-Net) with a noise scheduler and classifier-free guidance; its parts are registered: vae, clip, u-net, diffusion-model",
    "style-transfer-via-persona-space": "a task and design pattern, built from the registered encoder-decoder and embedding (persona vectors) components",
    "transfer-learning": "reusing a network trained on one task for another; any registration can be transferred, and fine-tuning's parameter-efficient forms are registered",
    "uncertainty-quantification": "the task of estimating predictive uncertainty; served by monte-carlo-dropout (several passes with the registered dropout kept on) and by ensembles of any registration",
    "variational-quantum-eigensolver": "a parameterised quantum circuit minimising an energy expectation: simulating it needs a quantum-circuit simulator (PennyLane, Qiskit), not a dependency",
    "weight-decay": "an argument of every registered optimizer (weight_decay), not a separate component",
    "weisfeiler-lehman-test": "a graph-isomorphism heuristic (iterated colour refinement), not a trainable network; it bounds what the registered message-passing layers (gcn, gin, graphsage) can distinguish",
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
