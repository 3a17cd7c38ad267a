"""Language, speech and multimodal architectures built from Hugging Face ``transformers`` config classes.

Each builder (in :mod:`implementations.architectures.hf_language_models`) takes the config
class's own field names, so a published configuration (see ``implementations.architectures.models``)
is a set of arguments of the same registration: ``llama`` with LLaMA-2-7B's sizes counts
6,738,415,616 parameters on the meta device. The registrations below are data: reading them
imports neither torch nor transformers. Umbrella concepts (``gpt``, ``large-language-model`` …)
are registered as their canonical small instance, named in their notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_BUILD = "implementations.architectures.hf_language_models:"
_MULTI = "implementations.architectures.hf_multimodal_models:"
_HF = "implementations.architectures._hf:"
_TOKENS, _LOGITS = _HF + "token_ids", _HF + "logits_shape"
_SEQ2SEQ, _DECODER_LOGITS = _HF + "seq2seq_ids", _HF + "decoder_logits_shape"


def _fields(**values: Any) -> dict[str, Any]:
    """Config fields as a dict (argument types or default values)."""
    return values


_GPT2 = _fields(vocab_size=int, n_positions=int, n_embd=int, n_layer=int, n_head=int, n_inner=int | None, activation_function=str)
_GPT2 |= _fields(layer_norm_epsilon=float, tie_word_embeddings=bool)
_GPT2_DEFAULTS = _fields(vocab_size=256, n_positions=64, n_embd=32, n_layer=2, n_head=4)
_GPT1 = _fields(vocab_size=int, n_positions=int, n_embd=int, n_layer=int, n_head=int, afn=str, layer_norm_epsilon=float)
_BERT = _fields(vocab_size=int, hidden_size=int, num_hidden_layers=int, num_attention_heads=int, intermediate_size=int, hidden_act=str)
_BERT |= _fields(max_position_embeddings=int, type_vocab_size=int, layer_norm_eps=float, pad_token_id=int)
_BERT_DEFAULTS = _fields(vocab_size=256, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64)
_BERT_DEFAULTS |= _fields(max_position_embeddings=64)
_LLAMA = _fields(vocab_size=int, hidden_size=int, intermediate_size=int, num_hidden_layers=int, num_attention_heads=int)
_LLAMA |= _fields(num_key_value_heads=int | None, head_dim=int | None, hidden_act=str, max_position_embeddings=int, rms_norm_eps=float)
_LLAMA |= _fields(rope_parameters=dict[str, Any] | None, tie_word_embeddings=bool, attention_bias=bool, mlp_bias=bool)
_LLAMA |= _fields(pad_token_id=int | None, bos_token_id=int | None, eos_token_id=int | None)
_LLAMA_DEFAULTS = _fields(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4)
_LLAMA_DEFAULTS |= _fields(num_key_value_heads=2, max_position_embeddings=64)
_T5 = _fields(vocab_size=int, d_model=int, d_kv=int, d_ff=int, num_layers=int, num_decoder_layers=int | None, num_heads=int)
_T5 |= _fields(relative_attention_num_buckets=int, relative_attention_max_distance=int, layer_norm_epsilon=float)
_T5_DEFAULTS = _fields(vocab_size=256, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4)
_SWITCH = _T5 | _fields(num_sparse_encoder_layers=int, num_sparse_decoder_layers=int, num_experts=int, expert_capacity=int)
_SWITCH |= _fields(router_bias=bool, router_jitter_noise=float, dense_act_fn=str)
_BART = _fields(vocab_size=int, max_position_embeddings=int, d_model=int, encoder_layers=int, decoder_layers=int)
_BART |= _fields(encoder_attention_heads=int, decoder_attention_heads=int, encoder_ffn_dim=int, decoder_ffn_dim=int)
_BART |= _fields(activation_function=str, scale_embedding=bool, tie_word_embeddings=bool)
_BART_DEFAULTS = _fields(vocab_size=256, max_position_embeddings=64, d_model=32, encoder_layers=2, decoder_layers=2)
_BART_DEFAULTS |= _fields(encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64)
_WHISPER = {k: v for k, v in _BART.items() if k not in ("max_position_embeddings", "tie_word_embeddings")}
_WHISPER |= _fields(num_mel_bins=int, max_source_positions=int, max_target_positions=int, pad_token_id=int, bos_token_id=int)
_WHISPER |= _fields(eos_token_id=int, decoder_start_token_id=int)
_NESTED = _fields(text_config=dict[str, Any], vision_config=dict[str, Any])
_TEXT = _fields(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
_VISION = _fields(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8)
_PERCEIVER = _fields(num_latents=int, d_latents=int, d_model=int, num_blocks=int, num_self_attends_per_block=int, vocab_size=int)
_PERCEIVER |= _fields(num_self_attention_heads=int, num_cross_attention_heads=int, qk_channels=int | None, v_channels=int | None)
_PERCEIVER |= _fields(self_attention_widening_factor=int, cross_attention_widening_factor=int, max_position_embeddings=int)
_RWKV = _fields(vocab_size=int, context_length=int, hidden_size=int, num_hidden_layers=int, attention_hidden_size=int | None)
_RWKV |= _fields(intermediate_size=int | None, layer_norm_epsilon=float, rescale_every=int, tie_word_embeddings=bool)
_MAMBA = _fields(vocab_size=int, hidden_size=int, state_size=int, num_hidden_layers=int, expand=int, conv_kernel=int)
_MAMBA |= _fields(time_step_rank=int | str, use_bias=bool, use_conv_bias=bool, tie_word_embeddings=bool, layer_norm_epsilon=float)
_CONFORMER = _fields(hidden_size=int, num_hidden_layers=int, num_attention_heads=int, intermediate_size=int, hidden_act=str)
_CONFORMER |= _fields(conv_kernel_size=int, subsampling_factor=int, subsampling_conv_channels=int, num_mel_bins=int)
_CONFORMER |= _fields(max_position_embeddings=int, attention_bias=bool, convolution_bias=bool)
_XLNET = _fields(vocab_size=int, d_model=int, n_layer=int, n_head=int, d_inner=int, ff_activation=str, mem_len=int, clamp_len=int)
_XLNET |= _fields(segment_length=int)
_CHAMELEON = {k: v for k, v in _LLAMA.items() if k != "head_dim"}
_CHAMELEON |= _fields(vq_config=dict[str, Any], vocabulary_map=dict[str, int] | None, swin_norm=bool)
_VQ = _fields(embed_dim=8, num_embeddings=32, base_channels=32, channel_multiplier=[1, 1, 2, 2], num_res_blocks=1, resolution=32)
_VQ |= _fields(latent_channels=8, in_channels=3)
_LLAVA = _NESTED | _fields(image_token_index=int, projector_hidden_act=str, vision_feature_layer=int)
_LLAVA |= _fields(vision_feature_select_strategy=str, multimodal_projector_bias=bool)


def _arch(
    concept: str,
    builder: str,
    defaults: Mapping[str, Any],
    arg_types: Mapping[str, Any],
    notes: str,
    sample: str = _TOKENS,
    shape: str = _LOGITS,
) -> ImplementationSpec:
    return ImplementationSpec(
        concept,
        builder,
        Family.ARCHITECTURE,
        defaults=defaults,
        arg_types=arg_types,
        sample=sample,
        output_shape=shape,
        notes=notes,
    )


_GPT2_NOTE = "GPT2LMHeadModel from GPT2Config, random weights: pre-LN blocks, learned positions, GELU MLP, tied embeddings"
_LLAMA_NOTE = "LlamaForCausalLM from LlamaConfig, random weights: RMSNorm, RoPE, SwiGLU MLP, grouped KV heads (2 of 4 here)"
_BERT_NOTE = "BertForMaskedLM from BertConfig, random weights: post-LN encoder, learned positions and token types, MLM head (no pooler)"
_GPT1_NOTE = "OpenAIGPTLMHeadModel from OpenAIGPTConfig, random weights: post-LN decoder blocks, learned positions, GELU, tied embeddings"

register_all(
    [
        _arch("gpt-2", _BUILD + "build_gpt2", _GPT2_DEFAULTS, _GPT2, _GPT2_NOTE + "."),
        _arch(
            "gpt", _BUILD + "build_gpt2", _GPT2_DEFAULTS, _GPT2, _GPT2_NOTE + "; the GPT family as GPT-2's layout, which GPT-3 scales up."
        ),
        _arch(
            "decoder-only-transformer",
            _BUILD + "build_gpt2",
            _GPT2_DEFAULTS,
            _GPT2,
            _GPT2_NOTE + "; GPT-2 as the canonical decoder-only stack.",
        ),
        _arch("gpt-1", _BUILD + "build_gpt1", _GPT2_DEFAULTS, _GPT1, _GPT1_NOTE + "."),
        _arch(
            "autoregressive-language-model",
            _BUILD + "build_gpt1",
            _GPT2_DEFAULTS,
            _GPT1,
            _GPT1_NOTE + "; GPT-1 as the canonical causal LM.",
        ),
        _arch("bert", _BUILD + "build_bert", _BERT_DEFAULTS, _BERT, _BERT_NOTE + "."),
        _arch("masked-language-model", _BUILD + "build_bert", _BERT_DEFAULTS, _BERT, _BERT_NOTE + "; BERT as the canonical masked LM."),
        _arch("llama", _BUILD + "build_llama", _LLAMA_DEFAULTS, _LLAMA, _LLAMA_NOTE + "."),
        _arch(
            "large-language-model",
            _BUILD + "build_llama",
            _LLAMA_DEFAULTS,
            _LLAMA,
            _LLAMA_NOTE + "; a tiny LLaMA-style decoder as the canonical LLM shape.",
        ),
        _arch(
            "prefix-lm",
            _BUILD + "PrefixLanguageModel",
            {**_LLAMA_DEFAULTS, "prefix_length": 4},
            {**_LLAMA, "prefix_length": int},
            "A LLaMA-style decoder given a 4-D mask: the first prefix_length positions attend both ways, the rest causally.",
        ),
        _arch(
            "t5",
            _BUILD + "build_t5",
            _T5_DEFAULTS,
            {**_T5, "feed_forward_proj": str, "tie_word_embeddings": bool},
            "T5ForConditionalGeneration from T5Config, random weights: relative position buckets, RMS layer norm, ReLU MLP.",
            _SEQ2SEQ,
            _DECODER_LOGITS,
        ),
        _arch(
            "switch-transformer",
            _BUILD + "build_switch",
            {**_T5_DEFAULTS, "num_sparse_encoder_layers": 2, "num_sparse_decoder_layers": 2, "num_experts": 2, "expert_capacity": 16},
            _SWITCH,
            "SwitchTransformersForConditionalGeneration, random weights: every FFN a top-1 routed MoE (2 experts, each gets tokens).",
            _SEQ2SEQ,
            _DECODER_LOGITS,
        ),
        _arch(
            "encoder-decoder",
            _BUILD + "build_bart",
            _BART_DEFAULTS,
            _BART,
            "BartForConditionalGeneration, random weights: bidirectional encoder, causal decoder with cross-attention (BART as canonical).",
            _SEQ2SEQ,
            _DECODER_LOGITS,
        ),
        _arch(
            "whisper",
            _MULTI + "build_whisper",
            {"vocab_size": 256, "num_mel_bins": 16, "d_model": 32, "encoder_layers": 2, "decoder_layers": 2, "encoder_attention_heads": 4}
            | {"decoder_attention_heads": 4, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "max_source_positions": 16}
            | {"max_target_positions": 32, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2, "decoder_start_token_id": 1},
            _WHISPER,
            "WhisperForConditionalGeneration, random weights: 2 conv stem → encoder over 2·max_source_positions mel frames, text decoder.",
            _MULTI + "whisper_inputs",
            _DECODER_LOGITS,
        ),
        _arch(
            "clip",
            _MULTI + "build_clip",
            {"text_config": {**_TEXT, "max_position_embeddings": 16, "eos_token_id": 255}, "vision_config": _VISION, "projection_dim": 16},
            {**_NESTED, "projection_dim": int, "logit_scale_init_value": float},
            "CLIPModel, random weights: causal text Transformer pooled at the end-of-text token + ViT, projected; logits_per_text.",
            _MULTI + "clip_inputs",
            _MULTI + "clip_logits_shape",
        ),
        _arch(
            "vision-language-model",
            _MULTI + "build_llava",
            {"text_config": {**_TEXT, "model_type": "llama", "num_key_value_heads": 2, "max_position_embeddings": 64}}
            | {"vision_config": {**_VISION, "model_type": "clip_vision_model"}, "image_token_index": 255, "vision_feature_layer": -1},
            _LLAVA,
            "LlavaForConditionalGeneration (LLaVA as canonical VLM): CLIP-ViT patches → MLP projector → LLaMA; unused vision norm frozen.",
            _MULTI + "llava_inputs",
            _MULTI + "llava_logits_shape",
        ),
        _arch(
            "unified-multimodal-model",
            _MULTI + "build_chameleon",
            {**_LLAMA_DEFAULTS, "vq_config": _VQ},
            _CHAMELEON,
            "ChameleonForConditionalGeneration (Chameleon as canonical early fusion): 32×32 images → 16 VQ tokens (frozen tokenizer) in "
            "the text sequence of one LLaMA-style decoder with QK-norm.",
            _MULTI + "chameleon_inputs",
        ),
        _arch(
            "retrieval-augmented-generation",
            _BUILD + "RetrievalAugmentedGenerator",
            {
                "question_encoder": {**_BERT_DEFAULTS, "model_type": "dpr"},
                "generator": {**_BART_DEFAULTS, "model_type": "bart"},
                "n_docs": 3,
            },
            {"question_encoder": dict[str, Any], "generator": dict[str, Any], "n_docs": int},
            "RagTokenForGeneration (DPR question encoder + BART generator) over 3 retrieved passages given with their index vectors; "
            "output the document-marginalised log-probabilities.",
            _BUILD + "rag_inputs",
            _BUILD + "rag_logits_shape",
        ),
        _arch(
            "perceiver",
            _BUILD + "build_perceiver",
            {"num_latents": 8, "d_latents": 32, "d_model": 32, "num_blocks": 1, "num_self_attends_per_block": 2}
            | {"num_self_attention_heads": 4, "num_cross_attention_heads": 4, "vocab_size": 256, "max_position_embeddings": 16},
            _PERCEIVER,
            "PerceiverForMaskedLM (Perceiver IO), random weights: 8 latents cross-attend to the bytes, one decoder query per position.",
            _BUILD + "perceiver_ids",
            _BUILD + "perceiver_logits_shape",
        ),
        _arch(
            "rwkv",
            _BUILD + "build_rwkv",
            {"vocab_size": 256, "context_length": 64, "hidden_size": 32, "num_hidden_layers": 2},
            _RWKV,
            "RwkvForCausalLM (RWKV-4), random weights: token-shift time-mixing with the WKV recurrence (CPU path), channel-mixing.",
        ),
        _arch(
            "selective-state-space-model",
            _BUILD + "build_mamba",
            {"vocab_size": 256, "hidden_size": 32, "state_size": 8, "num_hidden_layers": 2},
            _MAMBA,
            "MambaForCausalLM from MambaConfig, random weights: selective SSM blocks (input-dependent Δ, B, C), causal conv, SiLU gate.",
        ),
        _arch(
            "conformer",
            _MULTI + "build_conformer",
            {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "subsampling_factor": 4}
            | {"subsampling_conv_channels": 16, "num_mel_bins": 16, "max_position_embeddings": 256},
            _CONFORMER,
            "ParakeetEncoder (FastConformer): conv subsampling, then FFN/2 → rel-pos MHSA → GLU-conv-BN-SiLU → FFN/2 blocks.",
            _MULTI + "conformer_features",
            _MULTI + "conformer_shape",
        ),
        _arch(
            "transformer-xl",
            _BUILD + "TransformerXL",
            {"vocab_size": 256, "d_model": 32, "n_layer": 2, "n_head": 4, "d_inner": 64, "mem_len": 8, "segment_length": 4},
            _XLNET,
            "XLNet's Transformer-XL backbone with causal attention, run over 4-token segments with a gradient-stopped memory.",
        ),
    ]
)
