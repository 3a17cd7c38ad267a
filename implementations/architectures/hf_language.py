"""Language, speech and multimodal architectures built from Hugging Face ``transformers`` config classes.

Each builder takes the config class's own field names, so a published configuration (see
``implementations.architectures.models``) is a set of arguments of the same registration.
"""

from __future__ import annotations

from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_HERE = "implementations.architectures.hf_language:"
_HF = "implementations.architectures._hf:"


def build_gpt2(**config: Any) -> Any:
    """GPT-2 (Radford et al., 2019, "Language Models are Unsupervised Multitask Learners"): a decoder-only Transformer LM.

    Args:
        **config: ``transformers.GPT2Config`` fields (``n_embd``, ``n_layer``, ``n_head``, ``vocab_size`` …).

    """
    from implementations.architectures._hf import HuggingFaceModel

    return HuggingFaceModel("GPT2Config", "GPT2LMHeadModel", "logits", **config)


register_all(
    [
        ImplementationSpec(
            "gpt-2",
            _HERE + "build_gpt2",
            Family.ARCHITECTURE,
            defaults={"vocab_size": 256, "n_positions": 64, "n_embd": 32, "n_layer": 2, "n_head": 4},
            arg_types={
                "vocab_size": int,
                "n_positions": int,
                "n_embd": int,
                "n_layer": int,
                "n_head": int,
                "n_inner": int | None,
                "activation_function": str,
                "tie_word_embeddings": bool,
            },
            sample=_HF + "token_ids",
            output_shape=_HF + "logits_shape",
            notes="GPT2LMHeadModel from GPT2Config, random weights: pre-LN blocks, learned positions, GELU MLP, tied embeddings.",
        ),
    ]
)
