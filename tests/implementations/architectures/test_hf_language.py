"""Language, speech and multimodal architectures: published sizes on the meta device, masks, memory, marginals, frozen parts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from implementations import create, get_implementation
from implementations.registry.spec import import_target

ROOT = Path(__file__).resolve().parents[3]
XLNET_ONLY = ("r_s_bias", "seg_embed")  # segment-type attention, which Transformer-XL does not have
WHISPER_TINY = {"vocab_size": 51865, "num_mel_bins": 80, "d_model": 384, "encoder_layers": 4, "decoder_layers": 4}
WHISPER_TINY |= {"encoder_attention_heads": 6, "decoder_attention_heads": 6, "encoder_ffn_dim": 1536, "decoder_ffn_dim": 1536}
WHISPER_TINY |= {"max_source_positions": 1500, "max_target_positions": 448, "pad_token_id": 50257, "bos_token_id": 50257}
WHISPER_TINY |= {"eos_token_id": 50257, "decoder_start_token_id": 50258}
BART_BASE = {"vocab_size": 50265, "max_position_embeddings": 1024, "d_model": 768, "encoder_layers": 6, "decoder_layers": 6}
BART_BASE |= {"encoder_attention_heads": 12, "decoder_attention_heads": 12, "encoder_ffn_dim": 3072, "decoder_ffn_dim": 3072}

# Published configurations and the parameter counts of their transformers model classes (model cards).
PUBLISHED = [
    (
        "llama",  # LLaMA-2-7B
        {"vocab_size": 32000, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32, "num_attention_heads": 32}
        | {"num_key_value_heads": 32, "max_position_embeddings": 4096},
        6_738_415_616,
    ),
    ("gpt-2", {"vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12}, 124_439_808),  # GPT-2 small
    ("gpt-1", {"vocab_size": 40478, "n_positions": 512, "n_embd": 768, "n_layer": 12, "n_head": 12}, 116_534_784),
    ("t5", {"vocab_size": 32128, "d_model": 512, "d_kv": 64, "d_ff": 2048, "num_layers": 6, "num_heads": 8}, 60_506_624),  # T5-small
    (
        "bert",  # bert-base-uncased with its MLM head
        {"vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}
        | {"max_position_embeddings": 512},
        109_514_298,
    ),
    ("whisper", WHISPER_TINY, 37_760_640),  # whisper-tiny
    ("encoder-decoder", BART_BASE, 139_420_416),  # bart-base
]


def _inputs(term: str, **args: Any) -> tuple[torch.Tensor, ...]:
    spec = get_implementation(term)
    assert spec.sample is not None
    torch.manual_seed(1)
    inputs: tuple[torch.Tensor, ...] = import_target(spec.sample)(spec.validate_args(args))
    return inputs


def _built(term: str, **args: Any) -> Any:
    torch.manual_seed(0)
    return create(term, **args).eval()


@pytest.mark.parametrize(("term", "args", "expected"), PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_published_configuration_has_the_published_parameter_count(term: str, args: dict[str, Any], expected: int) -> None:
    with torch.device("meta"):
        model = create(term, **args)
    assert sum(p.numel() for p in model.parameters()) == expected


def test_prefix_lm_is_bidirectional_over_the_prefix_and_causal_after_it() -> None:
    model = _built("prefix-lm", prefix_length=3)
    assert model.mask(5).int().tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 0, 0], [1, 1, 1, 0, 0], [1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]
    (ids,) = _inputs("prefix-lm")
    with torch.no_grad():
        base = model(ids)
        in_prefix, after = ids.clone(), ids.clone()
        in_prefix[:, 2] = (in_prefix[:, 2] + 1) % 256
        after[:, 6] = (after[:, 6] + 1) % 256
        changed_prefix, changed_after = model(in_prefix), model(after)
    assert not torch.allclose(changed_prefix[:, 0], base[:, 0])  # position 0 sees prefix position 2
    torch.testing.assert_close(changed_after[:, :6], base[:, :6])  # nothing sees the future after the prefix


def test_transformer_xl_context_grows_one_segment_per_layer_through_the_memory() -> None:
    # 2 layers, 2-token segments, a memory of one segment: segment k reads segments k-1 and k-2, never k-3 (Dai et al. §3.2).
    model = _built("transformer-xl", segment_length=2, mem_len=2)
    (ids,) = _inputs("transformer-xl")
    first, second = ids.clone(), ids.clone()
    first[:, 0] = (first[:, 0] + 1) % 256
    second[:, 1] = (second[:, 1] + 1) % 256
    with torch.no_grad():
        base, changed_first, changed_second = model(ids), model(first), model(second)
    torch.testing.assert_close(changed_second[:, 0], base[:, 0])  # causal inside a segment
    for segment, reached in ((1, True), (2, True), (3, False)):
        span = slice(2 * segment, 2 * segment + 2)
        assert (not torch.allclose(changed_first[:, span], base[:, span])) is reached, segment


def test_rag_output_is_the_document_marginal_of_the_generator() -> None:
    model = _built("retrieval-augmented-generation")
    question, passages, vectors, decoder_ids = _inputs("retrieval-augmented-generation")
    with torch.no_grad():
        got = model(question, passages, vectors, decoder_ids)
        doc_log_prior = model.doc_scores(question, vectors).log_softmax(-1)  # [2, 3]
        contexts = torch.cat([passages, question[:, None].expand(-1, 3, -1)], dim=2).flatten(0, 1)
        generator = model.rag.model.rag.generator
        per_doc = generator(input_ids=contexts, decoder_input_ids=decoder_ids.repeat_interleave(3, dim=0)).logits.log_softmax(-1)
        expected = torch.logsumexp(per_doc.view(2, 3, 6, -1) + doc_log_prior[:, :, None, None], dim=1)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)
    assert torch.allclose(got.exp().sum(-1), torch.ones(2, 6), atol=1e-5)  # a distribution over the vocabulary


def test_clip_logits_are_scaled_cosines_of_the_end_of_text_and_image_embeddings() -> None:
    model = _built("clip")
    captions, images = _inputs("clip")
    assert (captions[:, -1] == 255).all() and not (captions[:, :-1] == 255).any()
    with torch.no_grad():
        text = model.model.get_text_features(input_ids=captions).pooler_output
        image = model.model.get_image_features(pixel_values=images).pooler_output
        expected = (
            model.model.logit_scale.exp() * torch.nn.functional.normalize(text, dim=-1) @ torch.nn.functional.normalize(image, dim=-1).T
        )
        got = model(captions, images)
        edited = captions.clone()
        edited[0, 3] = (edited[0, 3] + 1) % 255
        moved = model(edited, images)
    torch.testing.assert_close(got, expected)
    assert not torch.allclose(moved[0], got[0])  # the pooled end-of-text token reads the whole caption
    torch.testing.assert_close(moved[1:], got[1:])


@pytest.mark.parametrize(
    ("term", "frozen"),
    [
        ("vision-language-model", ("model.model.vision_tower.post_layernorm.",)),
        ("unified-multimodal-model", ("model.model.vqmodel.",)),
        (
            "transformer-xl",
            ("lm.model.transformer.mask_emb", *(f"lm.model.transformer.layer.{i}.rel_attn.{p}" for i in (0, 1) for p in XLNET_ONLY)),
        ),
    ],
)
def test_only_the_parts_no_forward_pass_reaches_are_frozen(term: str, frozen: tuple[str, ...]) -> None:
    for name, parameter in create(term).named_parameters():
        assert parameter.requires_grad is not name.startswith(frozen), name


@pytest.mark.parametrize("term", ["vision-language-model", "unified-multimodal-model"])
def test_multimodal_logits_depend_on_the_image(term: str) -> None:
    model = _built(term)
    ids, pixels = _inputs(term)
    with torch.no_grad():
        assert not torch.allclose(model(ids, pixels)[:, -1], model(ids, torch.randn_like(pixels))[:, -1])


@pytest.mark.parametrize(
    ("term", "args", "shape"),
    [
        ("conformer", {"subsampling_factor": 8}, (2, 8, 32)),  # 64 frames, three stride-2 convs
        ("whisper", {"max_source_positions": 8, "vocab_size": 300}, (2, 6, 300)),
        (
            "clip",
            {
                "vision_config": {
                    "image_size": 48,
                    "patch_size": 16,
                    "hidden_size": 32,
                    "num_attention_heads": 4,
                    "intermediate_size": 64,
                    "num_hidden_layers": 1,
                }
            },
            (3, 2),
        ),
        ("vision-language-model", {"vision_feature_select_strategy": "full"}, (2, 21, 256)),  # 16 patches + CLS + 4 text
        ("perceiver", {"max_position_embeddings": 12}, (2, 12, 256)),
        ("gpt-1", {"vocab_size": 300, "afn": "relu"}, (2, 8, 300)),
    ],
)
def test_overrides_give_the_output_shape_their_registration_expects(term: str, args: dict[str, Any], shape: tuple[int, ...]) -> None:
    spec = get_implementation(term)
    assert spec.output_shape is not None
    inputs = _inputs(term, **args)
    with torch.no_grad():
        out = _built(term, **args)(*inputs)
    assert tuple(out.shape) == shape == tuple(import_target(spec.output_shape)(spec.validate_args(args), inputs))


def test_registrations_import_neither_torch_nor_transformers() -> None:
    code = "import sys, implementations.architectures.hf_language; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
