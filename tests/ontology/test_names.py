from __future__ import annotations

import pytest

from ontology.names import NameIndex, UnknownNameError, closest_names, normalise
from ontology.namespaces import CONCEPT
from ontology.vocabulary import AmbiguousNameError, Vocabulary

INDEX = NameIndex.from_labels(
    [
        ("c:ln", "LayerNorm", True),
        ("c:ln", "Layer Normalization", False),
        ("c:ln", "LN", False),
        ("c:gqa", "Grouped-Query Attention", True),
        ("c:gqa", "GQA", False),
        ("c:snn1", "Spiking Neural Network", True),
        ("c:snn1", "SNN", False),
        ("c:snn2", "Self-Normalizing Network", True),
        ("c:snn2", "SNN", False),
        ("c:tr", "Transformer", True),
    ]
)


def test_normalise_ignores_case_space_punctuation_and_accents() -> None:
    assert normalise("Layer-Norm") == normalise("layer norm") == "layernorm"
    assert normalise("Lebrón") == "lebron"


@pytest.mark.parametrize(
    "name",
    ["layer norm", "LayerNorm", "Layer Normalization", "ln", "layer_norm"],
)
def test_aliases_resolve_to_one_concept(name: str) -> None:
    assert INDEX.resolve(name) == ["c:ln"]


def test_parenthetical_and_plural_variants() -> None:
    assert INDEX.resolve("Grouped-Query Attention (GQA)") == ["c:gqa"]
    assert INDEX.resolve("Transformers") == ["c:tr"]


def test_ambiguous_name_returns_every_concept() -> None:
    assert INDEX.resolve("snn") == ["c:snn1", "c:snn2"]


def test_unknown_name_suggests_closest_labels() -> None:
    with pytest.raises(UnknownNameError) as info:
        INDEX.resolve_one("layernrom")
    assert info.value.suggestions[0] == "LayerNorm"
    assert len(info.value.suggestions) <= 5
    assert isinstance(info.value, LookupError)
    assert "did you mean LayerNorm" in str(info.value)


KINDED = NameIndex.from_labels(
    [
        ("c:adam", "Adam", True),
        ("c:drop", "Dropout", True),
        ("c:sparse", "Sparse", True),
        ("c:focal", "Focal Loss", True),
        ("c:dense", "Dense", True),
        ("c:linear", "Linear", True),
        ("c:linear", "Dense", False),
        ("c:body", "Body", True),
    ],
    kinds={
        "c:adam": "OPTIMIZER",
        "c:drop": "REGULARIZATION",
        "c:sparse": "OTHER",
        "c:focal": "LOSS",
        "c:dense": "OTHER",
        "c:linear": "LAYER",
    },
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Adam optimizer", ["c:adam"]),
        ("adam optimisers", ["c:adam"]),
        ("dropout layers", ["c:drop"]),
        ("focal losses", ["c:focal"]),  # "-es" plural
        ("bodies", ["c:body"]),  # "-ies" plural
        ("torch.optim.Adam", ["c:adam"]),
        ("keras.layers.Dense", ["c:linear"]),  # a module path narrows "Dense" to what a class can be
        ("Linear/Dense", ["c:linear"]),  # A/B: the concept both name
        ("Dense", ["c:dense", "c:linear"]),  # a bare ambiguous name stays ambiguous
        ("Sparse layer", []),  # "Sparse" is no layer: the role word does not reach it
        ("Dropout optimizer", []),  # a role word of the wrong kind
        ("Sparse/Adam", []),  # A and B name different concepts
        ("Body layer", []),  # no kind known: no role stripping
    ],
)
def test_typed_forms(name: str, expected: list[str]) -> None:
    assert KINDED.resolve_typed(name) == expected


def test_matching_by_name_reads_no_typed_form() -> None:
    """Loaders merge on :meth:`resolve`: a role word or module path must not merge two concepts."""
    assert KINDED.resolve("Adam optimizer") == KINDED.resolve("nn.Dropout") == KINDED.resolve("Linear/Dense") == []
    assert KINDED.resolve("focal losses") == ["c:focal"]


def test_a_typo_outranks_a_prefix() -> None:
    shown = {normalise(label): [label] for label in ("Layer", "LayerNorm", "Xavier Normal", "Batch Norm")}
    assert closest_names("layernrom", shown) == ["LayerNorm", "Layer"]  # the rest is noise, left out
    assert closest_names("xyzzy", shown) == []


def test_suggestions_only_among_the_given_iris() -> None:
    assert INDEX.suggest("layernrom", among={"c:tr", "c:gqa"}) == []
    assert INDEX.suggest("transfomer", among={"c:tr"}) == ["Transformer"]


# The built-in graph.

TYPOS = [  # (1–2 edits of a real name, the concept's preferred label)
    ("layernrom", "Layer Normalization"),
    ("transfomer", "Transformer"),
    ("atention", "Attention"),
    ("dropuot", "Dropout"),
    ("AdmaW", "AdamW"),
    ("adamm", "Adam"),
    ("batchnrom", "Batch Normalization"),
    ("convlution", "Convolution"),
    ("embeding", "Embedding"),
    ("softmx", "Softmax"),
    ("sigmod", "Sigmoid"),
    ("leaky rleu", "Leaky ReLU"),
    ("grouped qurey attention", "Grouped-Query Attention"),
    ("multi-head attentoin", "Multi-Head Attention"),
    ("cross entorpy loss", "Cross-Entropy Loss"),
    ("recurent neural network", "Recurrent Neural Network"),
    ("residual conection", "Residual Connection"),
    ("gradient clipng", "Gradient Clipping"),
    ("weight decya", "Weight Decay"),
    ("linear warmpu", "Linear Warmup"),
    ("mixture of experst", "Mixture of Experts"),
    ("rotary position embeding", "Rotary Position Embedding"),
    ("variational autoencodr", "Variational Autoencoder"),
    ("generative adversarial netwrok", "Generative Adversarial Network"),
    ("flash atention", "FlashAttention"),
    ("swigul", "SwiGLU"),
    ("rmsnrom", "RMS Normalization"),
    ("kl divergance", "KL Divergence"),
    ("lookahaed", "Lookahead"),
    ("RMSporp", "RMSprop"),
    ("depthwise seperable convolution", "Depthwise Separable Convolution"),
    ("trasnformer-xl", "Transformer-XL"),
]


@pytest.mark.parametrize(("typo", "intended"), TYPOS)
def test_a_typo_suggests_the_intended_concept_first(vocab: Vocabulary, typo: str, intended: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        vocab.resolve(typo)
    assert info.value.suggestions[0] == intended


FORMS = [  # (what people write, the concept's slug)
    ("layer norms", "layer-normalization"),
    ("transformers", "transformer"),
    ("GANs", "gan"),
    ("focal losses", "focal-loss"),
    ("Linear/Dense", "linear"),
    ("Adam optimizer", "adam"),
    ("AdamW optimiser", "adamw"),
    ("dropout layer", "dropout"),
    ("dropout layers", "dropout"),
    ("GELU activation", "gelu"),
    ("ReLU activation function", "relu"),
    ("GQA attention", "grouped-query-attention"),
    ("nn.Linear", "linear"),
    ("torch.nn.Linear", "linear"),
    ("keras.layers.Dense", "linear"),
    ("tf.keras.layers.Dense", "linear"),
    ("Conv2d", "conv2d"),
    ("BatchNorm2d", "batch-normalization"),
    ("nn.BatchNorm1d", "batch-normalization"),
    ("nn.LayerNorm", "layer-normalization"),
    ("nn.MultiheadAttention", "multi-head-attention"),
    ("keras.layers.MultiHeadAttention", "multi-head-attention"),
    ("nn.GELU", "gelu"),
    ("F.gelu", "gelu"),
    ("optim.AdamW", "adamw"),
    ("torch.optim.SGD", "sgd"),
    ("nn.CrossEntropyLoss", "cross-entropy-loss"),
    ("nn.MSELoss", "mse-loss"),
    ("nn.LSTM", "lstm"),
    ("nn.Embedding", "embedding"),
    ("nn.Dropout", "dropout"),
    ("nn.MaxPool2d", "max-pooling"),
    ("keras.layers.GlobalAveragePooling2D", "global-average-pooling"),
    ("nn.ConvTranspose1d", "transposed-convolution"),
    ("torch.nn.utils.clip_grad_norm_", "gradient-clipping"),
    ("nn.init.kaiming_uniform_", "kaiming-initialization"),
]


@pytest.mark.parametrize(("name", "slug"), FORMS)
def test_written_forms_resolve_to_the_intended_concept(vocab: Vocabulary, name: str, slug: str) -> None:
    assert vocab.resolve_concept(name) == str(CONCEPT[slug])


INTENDED_AMBIGUOUS = {"dense", "decoder", "encoder", "snn"}  # Dense: tensor or Linear; Encoder: generic or Transformer's


def test_every_label_and_alias_still_resolves_to_its_concept(vocab: Vocabulary) -> None:
    rows = vocab.store.select("SELECT ?c ?l WHERE { ?c a nnv:Concept . { ?c skos:prefLabel ?l } UNION { ?c skos:altLabel ?l } }")
    labels = [(str(r["c"]), str(r["l"])) for r in rows]
    assert len(labels) > 1000
    wrong = [(iri, label) for iri, label in labels if iri not in vocab.names.resolve_typed(label)]
    assert wrong == []
    changed = [label for _, label in labels if vocab.names.resolve_typed(label) != vocab.names.resolve(label)]
    assert changed == []  # a typed form never changes what a name means
    ambiguous = {key for key, iris in vocab.names.keys.items() if len(iris) > 1}
    assert "snn" in ambiguous and ambiguous <= INTENDED_AMBIGUOUS


def test_ambiguous_names_stay_ambiguous(vocab: Vocabulary) -> None:
    for name in ("SNN", "Dense", "encoder"):
        with pytest.raises(AmbiguousNameError) as info:
            vocab.resolve_concept(name)
        assert len(info.value.candidates) == 2
    with pytest.raises(UnknownNameError):
        vocab.resolve_concept("sparse layer")  # Sparse is a property, not a layer


def test_a_role_word_reaches_every_concept_of_its_kind(vocab: Vocabulary) -> None:
    roles = {"OPTIMIZER": "optimizer", "LOSS": "loss", "ACTIVATION": "activation", "ATTENTION": "attention", "LAYER": "layer"}
    checked = 0
    for iri, label in vocab.names.preferred.items():
        if role := roles.get(vocab.names.kinds.get(iri, "")):
            for form in (f"{label} {role}", f"{label} {role}s"):
                assert vocab.names.resolve_typed(form) == vocab.names.resolve(label), form
                checked += 1
    assert checked > 200


def test_merging_by_name_ignores_typed_forms(vocab: Vocabulary) -> None:
    """Papers with Code's "Spectral Gap Rewiring Layer" (alias "GAP-Layer") is no Global Average Pooling."""
    assert vocab.names.resolve("GAP-Layer") == []
    assert vocab.names.resolve_typed("GAP layer") == [str(CONCEPT["global-average-pooling"])]
