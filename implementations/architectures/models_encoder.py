"""Published encoders, encoder-decoders, speech and multimodal models as arguments of the ``hf_language`` registrations.

Arguments are the ``transformers`` config fields the registrations take. Scaled-down configurations
keep the activation, the gating, the position tables and the encoder/decoder split, and shrink
widths (64), depths (2 layers), heads and vocabularies (1000).
"""

from __future__ import annotations

from implementations.architectures.models_spec import ModelConfig

_BERT_BASE = {
    "vocab_size": 30522,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "hidden_act": "gelu",
}
_BERT_SCALED = {"vocab_size": 1000, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 256}
_BERT_SOURCE = "Devlin et al., 2019, BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding, arXiv:1810.04805"
_MLM_HEAD = "Counted with the masked-LM head the registration trains (BertForMaskedLM, about 0.6M above the encoder alone)."
_T5_BASE_SIZES = {"vocab_size": 32128, "d_model": 768, "d_kv": 64, "d_ff": 3072, "num_layers": 12, "num_heads": 12}
_T5_BASE = {**_T5_BASE_SIZES, "feed_forward_proj": "relu"}
_T5_SCALED = {"vocab_size": 1000, "d_model": 64, "d_kv": 16, "d_ff": 256, "num_layers": 2, "num_heads": 4}
_T5_V1_1_BASE = {**_T5_BASE, "d_ff": 2048, "feed_forward_proj": "gated-gelu"}
_UNTIED_T5 = (
    "T5 v1.1 does not tie its output layer to the embedding (24.7M more at base size); transformers 5 always ties T5's "
    "(T5Config forces tie_word_embeddings=True), so the published count cannot be built."
)

ENCODER_MODELS = (
    ModelConfig(
        "bert", "bert", _BERT_BASE, _BERT_SOURCE + " (BERT-BASE: L=12, H=768, A=12, 110M)", _BERT_SCALED, 110_000_000, 0.01, _MLM_HEAD
    ),
    ModelConfig(
        "roberta",
        "bert",
        {**_BERT_BASE, "vocab_size": 50265, "max_position_embeddings": 514, "type_vocab_size": 1},
        "Liu et al., 2019, RoBERTa: A Robustly Optimized BERT Pretraining Approach, arXiv:1907.11692 (BERT-BASE's "
        "architecture, 50K byte-level BPE vocabulary); 125M on the roberta-base model card",
        {**_BERT_SCALED, "max_position_embeddings": 66},
        125_000_000,
        0.01,
        "RoBERTa's 514 positions start at offset 2 (past the padding index); the BERT registration counts the same table.",
    ),
    ModelConfig(
        "distilbert",
        "bert",
        {**_BERT_BASE, "num_hidden_layers": 6, "type_vocab_size": 1},
        "Sanh et al., 2019, DistilBERT, a distilled version of BERT, arXiv:1910.01108 (half of BERT-BASE's layers, "
        "no token-type embeddings, no pooler: 66M)",
        _BERT_SCALED,
        66_000_000,
        0.02,
        "One token type stands in for DistilBERT's none (768 parameters). " + _MLM_HEAD,
    ),
    ModelConfig(
        "sentence-bert",
        "bert",
        _BERT_BASE,
        "Reimers & Gurevych, 2019, Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks, arXiv:1908.10084 "
        "(SBERT-base: BERT-BASE with mean pooling, 110M)",
        _BERT_SCALED,
        110_000_000,
        0.01,
        "The mean pooling over tokens has no parameters; the registration ends in BERT's masked-LM head. " + _MLM_HEAD,
    ),
    ModelConfig(
        "t5",
        "t5",
        _T5_BASE,
        "Raffel et al., 2020, Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer, "
        "arXiv:1910.10683, §3.1.1 (T5-Base: 12+12 blocks, d_model 768, d_ff 3072, 12 heads of 64, 220M)",
        _T5_SCALED,
        220_000_000,
        0.02,
        "T5-Base, the paper's baseline size (the released family runs from 60M to 11B).",
    ),
    ModelConfig(
        "t5-v1-1",
        "t5",
        _T5_V1_1_BASE,
        "Model card google/t5-v1_1-base (GEGLU feed-forward, d_ff 2048, untied output layer, no dropout in pre-training)",
        {**_T5_SCALED, "d_ff": 170},
        None,
        note=_UNTIED_T5,
    ),
    ModelConfig(
        "flan-t5",
        "t5",
        _T5_V1_1_BASE,
        "Chung et al., 2022, Scaling Instruction-Finetuned Language Models, arXiv:2210.11416 (Flan-T5: T5 v1.1 "
        "checkpoints instruction-tuned); shape as model card google/flan-t5-base",
        {**_T5_SCALED, "d_ff": 170},
        None,
        note=_UNTIED_T5,
    ),
    ModelConfig(
        "switch-transformer",
        "switch-transformer",
        {
            **_T5_BASE_SIZES,
            "dense_act_fn": "relu",
            "num_sparse_encoder_layers": 6,
            "num_sparse_decoder_layers": 6,
            "num_experts": 8,
            "expert_capacity": 64,
        },
        "Fedus, Zoph & Shazeer, 2022, Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient "
        "Sparsity, arXiv:2101.03961 (Switch-Base: T5-Base with every other feed-forward layer a top-1 routed mixture of "
        "experts); Switch-Base-8 on the google/switch-base-8 model card, 619M",
        {**_T5_SCALED, "num_sparse_encoder_layers": 1, "num_sparse_decoder_layers": 1, "num_experts": 2, "expert_capacity": 16},
        619_000_000,
        0.01,
        "Switch-Base with 8 experts, the smallest released checkpoint; scaled down to 2 experts so that a short sample reaches each.",
    ),
    ModelConfig(
        "whisper",
        "whisper",
        {
            "vocab_size": 51865,
            "num_mel_bins": 80,
            "d_model": 512,
            "encoder_layers": 6,
            "decoder_layers": 6,
            "encoder_attention_heads": 8,
            "decoder_attention_heads": 8,
            "encoder_ffn_dim": 2048,
            "decoder_ffn_dim": 2048,
            "max_source_positions": 1500,
            "max_target_positions": 448,
        },
        "Radford et al., 2022, Robust Speech Recognition via Large-Scale Weak Supervision, arXiv:2212.04356, Table 1 "
        "(Whisper base: 6 layers, width 512, 8 heads, 74M)",
        {
            "vocab_size": 1000,
            "d_model": 64,
            "encoder_layers": 2,
            "decoder_layers": 2,
            "encoder_attention_heads": 4,
            "decoder_attention_heads": 4,
            "encoder_ffn_dim": 256,
            "decoder_ffn_dim": 256,
            "max_source_positions": 32,
            "max_target_positions": 64,
        },
        74_000_000,
        0.03,
        "Whisper base, one of five sizes (39M to 1550M).",
    ),
    ModelConfig(
        "clip",
        "clip",
        {
            "text_config": {
                "vocab_size": 49408,
                "hidden_size": 512,
                "intermediate_size": 2048,
                "num_hidden_layers": 12,
                "num_attention_heads": 8,
                "max_position_embeddings": 77,
            },
            "vision_config": {
                "hidden_size": 768,
                "intermediate_size": 3072,
                "num_hidden_layers": 12,
                "num_attention_heads": 12,
                "image_size": 224,
                "patch_size": 32,
            },
            "projection_dim": 512,
        },
        "Radford et al., 2021, Learning Transferable Visual Models From Natural Language Supervision, arXiv:2103.00020 "
        "(ViT-B/32 image encoder; text Transformer 12 layers, 512 wide, 8 heads, 76 tokens); 151,277,313 on the "
        "openai/clip-vit-base-patch32 model card config",
        {
            "text_config": {
                "vocab_size": 1000,
                "hidden_size": 64,
                "intermediate_size": 256,
                "num_hidden_layers": 2,
                "num_attention_heads": 4,
            },
            "vision_config": {
                "hidden_size": 64,
                "intermediate_size": 256,
                "num_hidden_layers": 2,
                "num_attention_heads": 4,
                "image_size": 64,
                "patch_size": 32,
            },
            "projection_dim": 64,
        },
        151_277_313,
    ),
    ModelConfig(
        "bart",
        "encoder-decoder",
        {
            "vocab_size": 50265,
            "d_model": 768,
            "encoder_layers": 6,
            "decoder_layers": 6,
            "encoder_attention_heads": 12,
            "decoder_attention_heads": 12,
            "encoder_ffn_dim": 3072,
            "decoder_ffn_dim": 3072,
            "max_position_embeddings": 1024,
            "activation_function": "gelu",
        },
        "Lewis et al., 2020, BART: Denoising Sequence-to-Sequence Pre-training for Natural Language Generation, "
        "Translation, and Comprehension, arXiv:1910.13461 (base: 6 encoder and 6 decoder layers); 139M on the "
        "facebook/bart-base model card",
        {
            "vocab_size": 1000,
            "d_model": 64,
            "encoder_layers": 2,
            "decoder_layers": 2,
            "encoder_attention_heads": 4,
            "decoder_attention_heads": 4,
            "encoder_ffn_dim": 256,
            "decoder_ffn_dim": 256,
            "max_position_embeddings": 64,
        },
        139_000_000,
        0.01,
    ),
)
