"""Published decoder-only language models as arguments of the registrations in ``hf_language``.

Arguments are the ``transformers`` config fields the registrations take. Scaled-down
configurations keep the activation, the gating, the tied or untied embeddings and the ratio of
query to key-value heads, and shrink widths (64), depths (2 layers), heads and vocabularies (1000).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.architectures.models_spec import ModelConfig

_LLAMA_PAPER = "Touvron et al., 2023, LLaMA: Open and Efficient Foundation Language Models, arXiv:2302.13971, Table 2"
_LLAMA_2_PAPER = "Touvron et al., 2023, Llama 2: Open Foundation and Fine-Tuned Chat Models, arXiv:2307.09288"
_LLAMA_7B = {
    "vocab_size": 32000,
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "max_position_embeddings": 2048,
    "hidden_act": "silu",
}
_LLAMA_2_7B = {**_LLAMA_7B, "max_position_embeddings": 4096}
_LLAMA_SCALED = {
    "vocab_size": 1000,
    "hidden_size": 64,
    "intermediate_size": 172,  # 11008 / 4096 of 64
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
}
_LLAMA_7B_COUNT = 6_738_415_616  # LlamaForCausalLM at 7B, untied embeddings; the papers print 6.7B
_GQA_4_SCALED = {
    **_LLAMA_SCALED,
    "intermediate_size": 224,
    "num_attention_heads": 8,
    "num_key_value_heads": 2,
}  # 4 query heads per KV head, as 32 over 8
_GPT2_SCALED = {"vocab_size": 1000, "n_positions": 64, "n_embd": 64, "n_layer": 2, "n_head": 4}
_GPT3_175B = {"vocab_size": 50257, "n_positions": 2048, "n_embd": 12288, "n_layer": 96, "n_head": 96, "activation_function": "gelu_new"}
_GPT3_NOTE = "GPT-3 alternates dense and locally banded sparse attention layers; the registration's layers are all dense (same parameters)."


def _llama(
    model: str, published: Mapping[str, Any], source: str, parameters: int, scaled: Mapping[str, Any], note: str = ""
) -> ModelConfig:
    """A LLaMA-family decoder (RMSNorm before each block, RoPE, SwiGLU MLP); exact count unless a round one."""
    return ModelConfig(model, "llama", published, source, scaled, parameters, 0.0 if parameters % 1_000_000 else 0.01, note)


LANGUAGE_MODELS = (
    _llama("llama", _LLAMA_7B, _LLAMA_PAPER + " (LLaMA-7B: dim 4096, 32 heads, 32 layers, SwiGLU 2/3·4d)", _LLAMA_7B_COUNT, _LLAMA_SCALED),
    _llama("llama-2", _LLAMA_2_7B, _LLAMA_2_PAPER + ", Table 1 (Llama 2 7B; LLaMA-7B's shape, 4k context)", _LLAMA_7B_COUNT, _LLAMA_SCALED),
    _llama(
        "llama-3",
        {**_LLAMA_7B, "vocab_size": 128256, "intermediate_size": 14336, "num_key_value_heads": 8, "max_position_embeddings": 8192},
        "Llama Team, 2024, The Llama 3 Herd of Models, arXiv:2407.21783, Table 3 (8B: 32 layers, 4096 wide, FFN 14336, "
        "32 heads, 8 KV heads, vocabulary 128K); 8,030,261,248 on the Meta-Llama-3-8B model card config",
        8_030_261_248,
        _GQA_4_SCALED,
        "RoPE base frequency 500,000 is not a shape fact (no parameters) and is left at the registration's default.",
    ),
    _llama(
        "code-llama",
        {**_LLAMA_7B, "vocab_size": 32016, "max_position_embeddings": 16384},
        "Rozière et al., 2023, Code Llama: Open Foundation Models for Code, arXiv:2308.12950 (7B: Llama 2 7B with 16 "
        "infilling tokens, 16k context, RoPE base 1,000,000)",
        6_738_546_688,
        _LLAMA_SCALED,
        "RoPE base frequency 1,000,000 is not a shape fact (no parameters) and is left at the registration's default.",
    ),
    _llama(
        "llama-guard",
        _LLAMA_2_7B,
        "Inan et al., 2023, Llama Guard: LLM-based Input-Output Safeguard for Human-AI Conversations, arXiv:2312.06674 (Llama 2 7B)",
        _LLAMA_7B_COUNT,
        _LLAMA_SCALED,
    ),
    _llama(
        "guanaco",
        {
            **_LLAMA_7B,
            "hidden_size": 8192,
            "intermediate_size": 22016,
            "num_hidden_layers": 80,
            "num_attention_heads": 64,
            "num_key_value_heads": 64,
        },
        "Dettmers et al., 2023, QLoRA: Efficient Finetuning of Quantized LLMs, arXiv:2305.14314 (Guanaco 65B: LoRA on "
        "LLaMA-65B); LLaMA-65B per " + _LLAMA_PAPER + " (dim 8192, 64 heads, 80 layers, 65.2B)",
        65_200_000_000,
        _LLAMA_SCALED,
        "The LoRA adapters (trained on top of the frozen 4-bit base) are not counted.",
    ),
    _llama(
        "mistral-7b",
        {**_LLAMA_7B, "intermediate_size": 14336, "num_key_value_heads": 8, "max_position_embeddings": 32768},
        "Jiang et al., 2023, Mistral 7B, arXiv:2310.06825, Table 1 (dim 4096, 32 layers, head dim 128, hidden 14336, "
        "32 heads, 8 KV heads, window 4096, vocabulary 32000); 7,241,732,096 on the Mistral-7B-v0.1 model card config",
        7_241_732_096,
        _GQA_4_SCALED,
        "Built as a LLaMA decoder: the 4096-token sliding attention window (no parameters) is not expressed.",
    ),
    _llama(
        "palm",
        {
            **_LLAMA_7B,
            "vocab_size": 256000,
            "hidden_size": 18432,
            "intermediate_size": 73728,
            "num_hidden_layers": 118,
            "num_attention_heads": 48,
            "num_key_value_heads": 1,
            "head_dim": 256,
            "tie_word_embeddings": True,
        },
        "Chowdhery et al., 2022, PaLM: Scaling Language Modeling with Pathways, arXiv:2204.02311, §2 and Table 1 "
        "(540B: 118 layers, d_model 18432, 48 heads of 256, d_ff 4·d_model, SwiGLU, multi-query attention, RoPE, "
        "shared input-output embeddings, no biases, 256k vocabulary: 540.35B)",
        540_350_000_000,
        {**_LLAMA_SCALED, "intermediate_size": 256, "num_key_value_heads": 1, "head_dim": 16, "tie_word_embeddings": True},
        "PaLM's parallel block (attention and MLP read the same normalised input) is built serially here, with two "
        "norms a layer instead of one (2.2M more parameters).",
    ),
    ModelConfig(
        "gpt-2",
        "gpt-2",
        {"vocab_size": 50257, "n_positions": 1024, "n_embd": 768, "n_layer": 12, "n_head": 12, "activation_function": "gelu_new"},
        "Radford et al., 2019, Language Models are Unsupervised Multitask Learners, Table 2 (smallest: 12 layers, "
        "d_model 768, printed as 117M); 124,439,808 as released (model card openai-community/gpt2, 124M)",
        _GPT2_SCALED,
        124_439_808,
    ),
    ModelConfig(
        "gpt-3",
        "gpt-2",
        _GPT3_175B,
        "Brown et al., 2020, Language Models are Few-Shot Learners, arXiv:2005.14165, Table 2.1 (GPT-3 175B: 96 layers, "
        "d_model 12288, 96 heads of 128, context 2048; GPT-2's tokenizer)",
        _GPT2_SCALED,
        175_000_000_000,
        0.01,
        _GPT3_NOTE,
    ),
    ModelConfig(
        "instructgpt",
        "gpt-2",
        _GPT3_175B,
        "Ouyang et al., 2022, Training language models to follow instructions with human feedback, arXiv:2203.02155 "
        "(175B InstructGPT: the GPT-3 architecture, fine-tuned with RLHF)",
        _GPT2_SCALED,
        175_000_000_000,
        0.01,
        _GPT3_NOTE,
    ),
    ModelConfig(
        "turing-nlg",
        "gpt-2",
        {"vocab_size": 50257, "n_positions": 1024, "n_embd": 4256, "n_layer": 78, "n_head": 28, "activation_function": "gelu_new"},
        "Rosset, 2020, Turing-NLG: A 17-billion-parameter language model by Microsoft (Microsoft Research blog: 78 "
        "Transformer layers, hidden size 4256, 28 attention heads; Megatron-LM's GPT-2 layout)",
        _GPT2_SCALED,
        17_000_000_000,
        0.02,
    ),
    ModelConfig(
        "gpt-1",
        "gpt-1",
        {"vocab_size": 40478, "n_positions": 512, "n_embd": 768, "n_layer": 12, "n_head": 12, "afn": "gelu"},
        "Radford et al., 2018, Improving Language Understanding by Generative Pre-Training, §4.1 (12 layers, 768 wide, "
        "12 heads, 3072 FFN, 40,000 BPE merges, 512 tokens); 117M per Radford et al., 2019, Table 2",
        {"vocab_size": 1000, "n_positions": 64, "n_embd": 64, "n_layer": 2, "n_head": 4},
        117_000_000,
        0.01,
    ),
    ModelConfig(
        "rwkv-4",
        "rwkv",
        {"vocab_size": 50277, "hidden_size": 768, "num_hidden_layers": 12, "context_length": 1024},
        "Peng et al., 2023, RWKV: Reinventing RNNs for the Transformer Era, arXiv:2305.13048 (RWKV-4 169M: 12 layers, "
        "768 wide, the Pile's 50,277-token vocabulary)",
        {"vocab_size": 1000, "hidden_size": 64, "num_hidden_layers": 2, "context_length": 64},
        169_342_464,
        0.0,
        "RWKV-4 169M, the smallest of the paper's sizes (to 14B).",
    ),
    ModelConfig(
        "mamba",
        "selective-state-space-model",
        {"vocab_size": 50280, "hidden_size": 768, "state_size": 16, "num_hidden_layers": 24, "expand": 2, "conv_kernel": 4},
        "Gu & Dao, 2023, Mamba: Linear-Time Sequence Modeling with Selective State Spaces, arXiv:2312.00752 (Mamba-130M: "
        "24 layers, d_model 768, N = 16, expand 2; GPT-NeoX vocabulary padded to 50,280, tied embeddings)",
        {"vocab_size": 1000, "hidden_size": 64, "state_size": 8, "num_hidden_layers": 2},
        129_135_360,
        0.0,
        "Mamba-130M, the smallest of the paper's sizes (to 2.8B).",
    ),
)
