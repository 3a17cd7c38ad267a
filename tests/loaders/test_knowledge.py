"""Knowledge corrections: the Layer → Optimizer table in full, fact-check corrections with errata, model users."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loaders.curated import load_curated
from loaders.errors import LoaderError
from ontology import repository
from ontology.namespaces import CONCEPT, MODEL
from ontology.views import ConceptView, PairingView, slug_of
from ontology.vocabulary import Vocabulary
from tests.conftest import SEED_GUIDE, shared_file

# The table's eight rows as the seed prints them (columns run together), each with the concepts its
# optimizers and its note name; row i is on line FIRST_ROW + i.
FIRST_ROW = 5967
Row = tuple[str, str, str, str, list[str]]
TABLE_ROWS: list[Row] = [
    ("Linear/Dense", "Adam, AdamW, SGD+Momentum", "Use weight decay", "linear", ["adam", "adamw", "sgd", "weight-decay"]),
    ("Conv (2D/3D)", "SGD+Momentum, AdamW", "BatchNorm helps", "convolution", ["sgd", "adamw", "batch-normalization"]),
    ("Transformer", "AdamW, Lion, Sophia", "Warmup + cosine decay", "transformer", ["adamw", "lion", "sophia", "warmup-cosine-schedule"]),
    ("RNN/LSTM", "Adam, RMSprop", "Gradient clipping essential", "recurrent-neural-network", ["adam", "rmsprop", "gradient-clipping"]),
    ("GNN", "Adam, AdamW", "Node-level normalization", "graph-neural-network", ["adam", "adamw"]),
    ("SNN", "Custom (STDP, surrogate gradients)", "Specialized training", "spiking-neural-network", ["stdp", "surrogate-gradient"]),
    ("Embedding", "AdamW, Adagrad", "Sparse gradients", "embedding", ["adamw", "adagrad", "sparse"]),
    ("MoE", "AdamW + load balancing loss", "Expert routing", "mixture-of-experts", ["adamw", "load-balancing-loss", "router-network"]),
]


def _concept(vocab: Vocabulary, slug: str) -> ConceptView:
    return repository.get_concepts(vocab.store, [str(CONCEPT[slug])])[str(CONCEPT[slug])]


def _pairing(view: ConceptView, partner: str) -> PairingView:
    return next(p for p in view.pairs_with if p.concept == str(CONCEPT[partner]))


def test_the_seed_table_is_the_one_these_tests_check() -> None:
    lines = shared_file(SEED_GUIDE).read_text(encoding="utf-8").splitlines()
    assert lines[FIRST_ROW - 4] == "Summary Table: Layer → Optimizer Pairing"
    assert lines[FIRST_ROW - 2] == "Layer TypeBest OptimizersNotes"
    assert [lines[FIRST_ROW - 1 + i] for i in range(len(TABLE_ROWS))] == ["".join(row[:3]) for row in TABLE_ROWS]
    assert lines[FIRST_ROW - 1 + len(TABLE_ROWS)] == ""


@pytest.mark.parametrize(("index", "row"), list(enumerate(TABLE_ROWS)), ids=[row[3] for row in TABLE_ROWS])
def test_every_table_row_is_a_pairing_with_its_note_and_line(vocab: Vocabulary, index: int, row: Row) -> None:
    layer = _concept(vocab, row[3])
    for partner in row[4]:
        pairing = _pairing(layer, partner)
        assert FIRST_ROW + index in {s.line for s in pairing.sources}, partner
        assert pairing.note, partner


def test_convolution_pairs_with_batch_normalization_from_the_conv_row(vocab: Vocabulary) -> None:
    pairing = _pairing(_concept(vocab, "convolution"), "batch-normalization")
    assert [s.line for s in pairing.sources] == [FIRST_ROW + 1]
    assert "BatchNorm" in (pairing.note or "")
    assert any(p.concept == str(CONCEPT["convolution"]) for p in _concept(vocab, "batch-normalization").pairs_with)


def test_snn_row_means_the_spiking_network_with_its_training_methods(vocab: Vocabulary) -> None:
    snn = _concept(vocab, "spiking-neural-network")
    assert snn.kind == "ARCHITECTURE" and "spike" in snn.definition
    papers = repository.get_papers(vocab.store, _concept(vocab, "surrogate-gradient").papers + _concept(vocab, "stdp").papers)
    assert {(p.arxiv_id, p.year) for p in papers.values()} == {("1901.09948", 2019), (None, 1998)}
    assert {p.doi for p in papers.values()} >= {"10.1523/JNEUROSCI.18-24-10464.1998"}


def test_mobilenet_v3_uses_hard_swish(vocab: Vocabulary) -> None:
    block = _concept(vocab, "inverted-residual-block")
    assert "MobileNetV3 (hard-swish" in block.definition and "swish gives the MBConv block of MobileNetV3" not in block.definition
    erratum = next(e for e in block.errata if "1905.02244" in (e.reference or ""))
    assert "hard-swish" in erratum.correction and erratum.source is not None and erratum.source.line == 2769
    assert str(MODEL["mobilenet-v3"]) in _concept(vocab, "hardswish").models
    assert str(MODEL["mobilenet-v3"]) not in _concept(vocab, "silu").models


def test_adamw_rejects_sparse_gradients_as_torch_does(vocab: Vocabulary) -> None:
    torch = pytest.importorskip("torch")
    adamw = _concept(vocab, "adamw")
    erratum = next(e for e in adamw.errata if e.source is not None and e.source.line == FIRST_ROW + 6)
    assert "SparseAdam" in erratum.correction
    assert "rejects sparse gradients" in (_pairing(adamw, "embedding").note or "")
    table = torch.nn.Embedding(4, 2, sparse=True)
    table(torch.tensor([1])).sum().backward()
    with pytest.raises(RuntimeError, match="does not support sparse gradients") as raised:
        torch.optim.AdamW(table.parameters()).step()
    assert str(raised.value).split(" ", 1)[1].split(",")[0] in erratum.correction  # "does not support sparse gradients"


def test_lamb_baseline_bert_batch_is_512(vocab: Vocabulary) -> None:
    corrections = [e.correction for e in _concept(vocab, "lamb").errata]
    assert any("batch size 512" in c for c in corrections)
    assert [c for c in corrections if re.search(r"batch(?: size)?[ =]256\b", c)] == []


def test_constitutional_classifiers_plus_plus_has_its_paper(vocab: Vocabulary) -> None:
    concept = _concept(vocab, "constitutional-classifiers-plus-plus")
    papers = repository.get_papers(vocab.store, concept.papers)
    found = {p.arxiv_id: p for p in papers.values()}
    assert found["2601.04603"].title.startswith("Constitutional Classifiers++") and found["2601.04603"].year == 2026


def test_prompt_tuning_sizes_follow_lester_et_al(vocab: Vocabulary) -> None:
    concept = _concept(vocab, "prompt-tuning")
    assert "T5-XXL (about 11B parameters)" in concept.definition and "a few thousand" not in concept.definition
    length = next(h for h in concept.hyperparameters if h.name == "num_virtual_tokens")
    assert "1–150" in (length.description or "") and "100 by default" in (length.description or "")
    assert any("2104.08691" in (e.reference or "") and "T5-XXL" in e.correction for e in concept.errata)


def test_single_model_lists_gained_canonical_users_with_their_papers(vocab: Vocabulary) -> None:
    expected = {
        "rmsprop": {"dqn", "inception-v3", "mobilenet-v2", "efficientnet"},
        "top-k-routing": {"mixtral-8x7b", "gshard", "switch-transformer", "glam"},
        "vision-transformer": {"vit", "deit", "clip", "dinov2"},
        "masked-language-model": {"bert", "roberta", "albert"},
        "linear-warmup": {"bert", "gpt-3", "llama"},
    }
    for slug, models in expected.items():
        assert {slug_of(m) for m in _concept(vocab, slug).models} == models, slug
    rows = vocab.store.select(f"SELECT ?p WHERE {{ <{MODEL['inception-v3']}> schema:subjectOf ?p }}")
    assert [slug_of(str(r["p"])) for r in rows] == ["szegedy2016-inceptionv3"]
    dangling = vocab.store.select("SELECT ?m ?p WHERE { ?m a nnv:Model ; schema:subjectOf ?p FILTER NOT EXISTS { ?p a nnv:Paper } }")
    assert dangling == []


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


CONCEPT_YAML = """concepts:
  - id: thing
    name: Thing
    kind: OTHER
    definition: A concept used only by this test of the curated loader.
    models: [m]
    sources: [{line: 1}]
papers:
  - {id: p1, title: One}
  - {id: p2, title: Two}
"""


def test_copies_of_a_model_add_up_their_papers(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CONCEPT_YAML + "models:\n  - {id: m, name: M, papers: [p1]}\n")
    _write(tmp_path, "b.yaml", "models:\n  - {id: m, name: M}\n  - {id: m, name: M, papers: [p2, p1]}\n")
    assert load_curated(tmp_path).models["m"].papers == ["p1", "p2"]


def test_copies_of_a_model_must_agree_and_its_papers_must_exist(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", CONCEPT_YAML + "models:\n  - {id: m, name: M, papers: [p1]}\n")
    _write(tmp_path, "b.yaml", "models:\n  - {id: m, name: Other}\n")
    with pytest.raises(LoaderError, match="model 'm' is defined again"):
        load_curated(tmp_path)
    _write(tmp_path, "b.yaml", "models:\n  - {id: m, name: M, papers: [p3]}\n")
    with pytest.raises(LoaderError, match="model 'm' papers → unknown 'p3'"):
        load_curated(tmp_path)
