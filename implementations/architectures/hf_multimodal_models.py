"""Builders, sample inputs and output shapes of the speech and multimodal architectures (Whisper, Conformer, CLIP, LLaVA, Chameleon).

Each builder takes its ``transformers`` config class's own field names (nested configs as dicts),
so a published configuration is a set of arguments of the same registration (see
:mod:`implementations.architectures.hf_language`). ``transformers`` is imported only when a model is built.
"""

from __future__ import annotations

from typing import Any

import torch

from implementations.architectures._hf import HuggingFaceKeywordModel, freeze


def build_whisper(**config: Any) -> HuggingFaceKeywordModel:
    """Whisper: a log-mel conv stem and Transformer encoder, and a text decoder with cross-attention.

    Radford et al. (2023), "Robust Speech Recognition via Large-Scale Weak Supervision", arXiv:2212.04356.

    Args:
        **config: ``transformers.WhisperConfig`` fields (``num_mel_bins``, ``max_source_positions``, ``d_model`` …).

    """
    return HuggingFaceKeywordModel(
        "WhisperConfig", "WhisperForConditionalGeneration", "logits", ("input_features", "decoder_input_ids"), **config
    )


def build_clip(**config: Any) -> HuggingFaceKeywordModel:
    """CLIP: a text Transformer and a ViT projected into one space; output the text-image similarity logits.

    Radford et al. (2021), "Learning Transferable Visual Models From Natural Language Supervision", arXiv:2103.00020.

    Args:
        **config: ``transformers.CLIPConfig`` fields (``text_config``, ``vision_config`` as dicts, ``projection_dim``).

    """
    return HuggingFaceKeywordModel("CLIPConfig", "CLIPModel", "logits_per_text", ("input_ids", "pixel_values"), **config)


def build_conformer(**config: Any) -> HuggingFaceKeywordModel:
    """A Conformer encoder: conv subsampling, then macaron FFN / rel-pos MHSA / conv module / FFN blocks.

    Gulati et al. (2020), "Conformer: Convolution-augmented Transformer for Speech Recognition",
    arXiv:2005.08100; ``transformers``' Parakeet encoder is its FastConformer form (Rekesh et al.
    (2023), "Fast Conformer with Linearly Scalable Attention for Efficient Speech Recognition",
    arXiv:2305.05084: 8× subsampling by default).

    Args:
        **config: ``transformers.ParakeetEncoderConfig`` fields (``hidden_size``, ``conv_kernel_size``, ``subsampling_factor`` …).

    """
    return HuggingFaceKeywordModel("ParakeetEncoderConfig", "ParakeetEncoder", "last_hidden_state", ("input_features",), **config)


def build_llava(**config: Any) -> HuggingFaceKeywordModel:
    """LLaVA: CLIP-ViT patch features, an MLP projector, and a LLaMA decoder reading them as tokens.

    Liu, Li, Wu & Lee (2023), "Visual Instruction Tuning", arXiv:2304.08485. The vision tower's
    final LayerNorm (and any layer after ``vision_feature_layer``) never reaches the language
    model, so it is frozen.

    Args:
        **config: ``transformers.LlavaConfig`` fields (``vision_config``, ``text_config``, ``image_token_index`` …).

    """
    model = HuggingFaceKeywordModel("LlavaConfig", "LlavaForConditionalGeneration", "logits", ("input_ids", "pixel_values"), **config)
    layers = model.config.vision_config.num_hidden_layers
    after = range(layers + model.config.vision_feature_layer + 1 if model.config.vision_feature_layer < 0 else 0, layers)
    freeze(model.model, ("model.vision_tower.post_layernorm", *(f"model.vision_tower.encoder.layers.{i}." for i in after)))
    return model


def build_chameleon(**config: Any) -> HuggingFaceKeywordModel:
    """Chameleon: early fusion, images as VQ tokens in the same sequence as text, one LLaMA-style decoder over both.

    Chameleon Team (2024), "Chameleon: Mixed-Modal Early-Fusion Foundation Models", arXiv:2405.09818.
    The VQ image tokenizer is trained apart and fixed (its argmin passes no gradient), so it is
    frozen. Without a ``vocabulary_map``, the codebook takes the ids just below ``<image>``, the last id.

    Args:
        **config: ``transformers.ChameleonConfig`` fields (``vq_config`` as a dict, ``vocabulary_map`` …).

    """
    if config.get("vocabulary_map") is None:
        vocab, codes = int(config["vocab_size"]), int(config["vq_config"]["num_embeddings"])
        code_names = {"IMGIMG" + "".join(chr(ord("A") + int(d)) for d in str(i)) + "Z": vocab - 1 - codes + i for i in range(codes)}
        config = {**config, "vocabulary_map": {"<image>": vocab - 1, **code_names}}
    model = HuggingFaceKeywordModel(
        "ChameleonConfig", "ChameleonForConditionalGeneration", "logits", ("input_ids", "pixel_values"), **config
    )
    freeze(model.model, ("model.vqmodel.",))
    return model


def whisper_inputs(args: Any) -> tuple[torch.Tensor, ...]:
    """Log-mel features ``[2, num_mel_bins, 2·max_source_positions]`` and decoder ids ``[2, 6]``."""
    features = torch.randn(2, int(args["num_mel_bins"]), 2 * int(args["max_source_positions"]))
    return features, torch.randint(0, int(args["vocab_size"]), (2, 6))


def _ids_without(token: int, vocab: int, shape: tuple[int, ...]) -> torch.Tensor:
    """Random ids below ``vocab`` that never equal ``token`` (kept for the placeholders the sample puts in)."""
    ids = torch.randint(0, vocab - 1, shape)
    return ids + (ids >= token).long()


def clip_inputs(args: Any) -> tuple[torch.Tensor, ...]:
    """Three captions ``[3, 8]`` closed by the end-of-text token CLIP pools at, and two images ``[2, 3, image_size, image_size]``."""
    text, vision = args["text_config"], args["vision_config"]
    vocab, size = int(text.get("vocab_size", 49408)), int(vision.get("image_size", 224))
    eos = int(text.get("eos_token_id", vocab - 1))
    captions = _ids_without(eos, vocab, (3, 8))
    captions[:, -1] = eos
    return captions, torch.randn(2, int(vision.get("num_channels", 3)), size, size)


def clip_logits_shape(args: Any, inputs: tuple[torch.Tensor, ...]) -> tuple[int, ...]:
    """``[captions, images]``: one similarity logit per caption-image pair."""
    return (int(inputs[0].shape[0]), int(inputs[1].shape[0]))


def conformer_features(args: Any) -> tuple[torch.Tensor, ...]:
    """Mel features ``[2, 8·subsampling_factor, num_mel_bins]``."""
    return (torch.randn(2, 8 * int(args["subsampling_factor"]), int(args["num_mel_bins"])),)


def conformer_shape(args: Any, inputs: tuple[torch.Tensor, ...]) -> tuple[int, ...]:
    """``[batch, frames, hidden_size]``: each stride-2 subsampling conv halves the frames (rounding up)."""
    frames, factor = int(inputs[0].shape[1]), int(args["subsampling_factor"])
    while factor > 1:
        frames, factor = (frames + 1) // 2, factor // 2
    return (int(inputs[0].shape[0]), frames, int(args["hidden_size"]))


def llava_inputs(args: Any) -> tuple[torch.Tensor, ...]:
    """Token ids ``[2, patches + 4]`` opening with one image token per patch, and images ``[2, 3, size, size]``."""
    vision, image_token = args["vision_config"], int(args["image_token_index"])
    size, patch = int(vision["image_size"]), int(vision["patch_size"])
    patches = (size // patch) ** 2 + (args.get("vision_feature_select_strategy", "default") == "full")
    ids = _ids_without(image_token, int(args["text_config"]["vocab_size"]), (2, patches + 4))
    ids[:, 1 : patches + 1] = image_token
    return ids, torch.randn(2, 3, size, size)


def llava_logits_shape(args: Any, inputs: tuple[torch.Tensor, ...]) -> tuple[int, ...]:
    """``[batch, length, text vocab_size]``."""
    batch, length = inputs[0].shape
    return (int(batch), int(length), int(args["text_config"]["vocab_size"]))


def chameleon_inputs(args: Any) -> tuple[torch.Tensor, ...]:
    """Token ids ``[2, image tokens + 4]`` with an ``<image>`` placeholder per VQ token, and images ``[2, C, res, res]``."""
    vq, vocab = args["vq_config"], int(args["vocab_size"])
    resolution = int(vq["resolution"])
    tokens = (resolution // 2 ** (len(vq["channel_multiplier"]) - 1)) ** 2
    ids = torch.randint(0, vocab - int(vq["num_embeddings"]) - 1, (2, tokens + 4))
    ids[:, 1 : tokens + 1] = vocab - 1
    return ids, torch.randn(2, int(vq.get("in_channels", 3)), resolution, resolution)
