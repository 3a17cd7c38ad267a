"""Vision architectures: Hugging Face ``transformers`` image classifiers and encoders built from their config classes.

Each ``transformers`` builder takes the config class's own field names, so a published
configuration (ResNet-50's ``depths=[3, 4, 6, 3]``, ``hidden_sizes=[256, 512, 1024, 2048]``,
``layer_type="bottleneck"``) is a set of arguments of the same registration. Weights are random;
nothing is downloaded. Classifiers return their logits, encoders their ``last_hidden_state``; the
detectors (DETR, YOLO) are in :mod:`implementations.architectures.detection`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_HERE = "implementations.architectures.hf_vision:"


def _hf(config_class: str, model_class: str, output: str, **config: Any) -> Any:
    from implementations.architectures._hf import HuggingFaceModel

    return HuggingFaceModel(config_class, model_class, output, **config)


def build_resnet(**config: Any) -> Any:
    """ResNet (He, Zhang, Ren & Sun, 2016, "Deep Residual Learning for Image Recognition", arXiv:1512.03385).

    Takes ``transformers.ResNetConfig`` fields.
    """
    return _hf("ResNetConfig", "ResNetForImageClassification", "logits", **config)


def build_vit(**config: Any) -> Any:
    """Vision Transformer (Dosovitskiy et al., 2021, "An Image is Worth 16x16 Words", arXiv:2010.11929): classifier on [CLS].

    Takes ``transformers.ViTConfig`` fields.
    """
    return _hf("ViTConfig", "ViTForImageClassification", "logits", **config)


def build_vit_encoder(**config: Any) -> Any:
    """A ViT encoder (Dosovitskiy et al., 2021, arXiv:2010.11929): patch tokens out, without the unused pooler head.

    Takes ``transformers.ViTConfig`` fields.
    """
    module = _hf("ViTConfig", "ViTModel", "last_hidden_state", **config)
    module.model.pooler = None  # ViTModel skips a missing pooler; its dense layer would get no gradient
    return module


def build_swin(**config: Any) -> Any:
    """Swin Transformer (Liu et al., 2021, "Swin Transformer: Hierarchical Vision Transformer using Shifted Windows", arXiv:2103.14030).

    Takes ``transformers.SwinConfig`` fields.
    """
    return _hf("SwinConfig", "SwinForImageClassification", "logits", **config)


def build_efficientnet(hidden_dim: int | None = None, **config: Any) -> Any:
    """EfficientNet (Tan & Le, 2019, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", arXiv:1905.11946).

    Args:
        hidden_dim: Width of the 1×1 head convolution; ``None`` derives it from ``width_coefficient`` (1280 at B0), the
            only value the head's batch norm accepts.
        **config: ``transformers.EfficientNetConfig`` fields (``width_coefficient``, ``depth_coefficient``, ``image_size`` …).

    """
    if hidden_dim is None:
        import transformers
        from transformers.models.efficientnet.modeling_efficientnet import round_filters

        hidden_dim = round_filters(transformers.EfficientNetConfig(**config), 1280)
    return _hf("EfficientNetConfig", "EfficientNetForImageClassification", "logits", hidden_dim=hidden_dim, **config)


def build_mobilenet_v2(**config: Any) -> Any:
    """MobileNetV2 (Sandler et al., 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks", arXiv:1801.04381).

    Takes ``transformers.MobileNetV2Config`` fields.
    """
    return _hf("MobileNetV2Config", "MobileNetV2ForImageClassification", "logits", **config)


def build_dinov2(**config: Any) -> Any:
    """DINOv2 backbone (Oquab et al., 2023, "DINOv2: Learning Robust Visual Features without Supervision", arXiv:2304.07193).

    The iBOT mask token is left out (``use_mask_token=False``): it only replaces masked patches during self-supervised
    training, so on plain images it would get no gradient.

    Takes ``transformers.Dinov2Config`` fields.
    """
    return _hf("Dinov2Config", "Dinov2Model", "last_hidden_state", use_mask_token=False, **config)


def build_deit(**config: Any) -> Any:
    """DeiT (Touvron et al., 2021, "Training data-efficient image transformers & distillation through attention", arXiv:2012.12877).

    The distilled model: [CLS] and distillation tokens, each with its own head; the logits are their mean.

    Takes ``transformers.DeiTConfig`` fields.
    """
    return _hf("DeiTConfig", "DeiTForImageClassificationWithTeacher", "logits", **config)


def pixel_values(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """Images ``[2, num_channels, image_size, image_size]`` (32 pixels when the config has no ``image_size``)."""
    import torch

    size = int(args.get("image_size", 32))
    return (torch.randn(2, int(args.get("num_channels", 3)), size, size),)


def class_logits_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, num_labels]``."""
    return (int(inputs[0].shape[0]), int(args["num_labels"]))


def patch_tokens_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, 1 + (image_size / patch_size)², hidden_size]``: [CLS] then one token per patch."""
    batch, _, height, width = inputs[0].shape
    patch = int(args["patch_size"])
    return (int(batch), 1 + (int(height) // patch) * (int(width) // patch), int(args["hidden_size"]))


def _typed(kind: Any, names: str) -> dict[str, Any]:
    """``{name: kind}`` for each space-separated config field name."""
    return dict.fromkeys(names.split(), kind)


_IMAGE = {**_typed(int, "num_channels image_size num_labels"), "hidden_act": str}
_VIT = {
    **_IMAGE,
    **_typed(int, "patch_size hidden_size num_hidden_layers num_attention_heads"),
    **_typed(float, "hidden_dropout_prob attention_probs_dropout_prob layer_norm_eps"),
    "qkv_bias": bool,
}
_VIT_SMALL = {"image_size": 32, "patch_size": 8, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4}


def _spec(
    concept: str, builder: str, defaults: dict[str, Any], arg_types: dict[str, Any], shape: str, notes: str, sample: str = "pixel_values"
) -> ImplementationSpec:
    """One architecture registration of this module (its builder, sample and output shape named by function)."""
    return ImplementationSpec(
        concept,
        _HERE + builder,
        Family.ARCHITECTURE,
        defaults=defaults,
        arg_types=arg_types,
        sample=_HERE + sample,
        output_shape=_HERE + shape,
        notes=notes,
    )


register_all(
    [
        _spec(
            "resnet",
            "build_resnet",
            {"embedding_size": 16, "hidden_sizes": [16, 32, 64, 128], "depths": [1, 1, 1, 1], "layer_type": "basic", "num_labels": 10},
            {
                **_IMAGE,
                **_typed(int, "embedding_size"),
                **_typed(list[int], "hidden_sizes depths"),
                "layer_type": str,
                **_typed(bool, "downsample_in_first_stage downsample_in_bottleneck"),
            },
            "class_logits_shape",
            "ResNetForImageClassification from ResNetConfig, random weights: 4 stages of basic residual blocks (ResNet-18 style) "
            "on 32×32 images (image_size only sizes the sample); layer_type='bottleneck' with depths [3, 4, 6, 3] is ResNet-50.",
        ),
        _spec(
            "vision-transformer",
            "build_vit",
            {**_VIT_SMALL, "intermediate_size": 128, "num_labels": 10},
            {**_VIT, "intermediate_size": int},
            "class_logits_shape",
            "ViTForImageClassification from ViTConfig, random weights: 8×8 patches of a 32×32 image, [CLS] token, pre-LN blocks.",
        ),
        _spec(
            "vision-encoder",
            "build_vit_encoder",
            {**_VIT_SMALL, "intermediate_size": 128},
            {**_VIT, "intermediate_size": int},
            "patch_tokens_shape",
            "ViTModel from ViTConfig without its pooler: the [CLS] and patch tokens (last_hidden_state) that a detector, "
            "segmenter or language model reads.",
        ),
        _spec(
            "swin-transformer",
            "build_swin",
            {"image_size": 32, "patch_size": 2, "embed_dim": 16, "depths": [2, 2], "num_heads": [2, 4], "window_size": 4, "num_labels": 10},
            {
                **_IMAGE,
                **_typed(int, "patch_size embed_dim window_size"),
                **_typed(list[int], "depths num_heads"),
                **_typed(float, "mlp_ratio drop_path_rate"),
                "qkv_bias": bool,
            },
            "class_logits_shape",
            "SwinForImageClassification from SwinConfig, random weights: 2 stages of (window, shifted-window) attention "
            "blocks with patch merging between them.",
        ),
        _spec(
            "efficientnet",
            "build_efficientnet",
            {"image_size": 32, "width_coefficient": 0.25, "depth_coefficient": 0.25, "num_labels": 10},
            {
                **_IMAGE,
                **_typed(float, "width_coefficient depth_coefficient dropout_rate drop_connect_rate"),
                "depth_divisor": int,
                "hidden_dim": int | None,
            },
            "class_logits_shape",
            "EfficientNetForImageClassification from EfficientNetConfig, random weights: the B0 layout (MBConv with "
            "squeeze-and-excitation, SiLU) scaled by width 0.25 and depth 0.25; width and depth coefficients 1.0 are B0.",
        ),
        _spec(
            "mobilenet",
            "build_mobilenet_v2",
            {"image_size": 32, "depth_multiplier": 0.25, "num_labels": 10},
            {
                **_IMAGE,
                **_typed(float, "depth_multiplier expand_ratio classifier_dropout_prob"),
                **_typed(int, "depth_divisible_by min_depth"),
                **_typed(bool, "first_layer_is_expansion finegrained_output"),
            },
            "class_logits_shape",
            "MobileNetV2 (inverted residuals, linear bottlenecks, ReLU6) from MobileNetV2Config, random weights, width "
            "multiplier 0.25; depth_multiplier=1.0 on 224-pixel images is MobileNetV2-1.0.",
        ),
        _spec(
            "dinov2",
            "build_dinov2",
            {**_VIT_SMALL, "mlp_ratio": 2},
            {**_VIT, "mlp_ratio": int, **_typed(float, "layerscale_value drop_path_rate"), "use_swiglu_ffn": bool},
            "patch_tokens_shape",
            "Dinov2Model from Dinov2Config, random weights: a ViT with LayerScale; returns the [CLS] and patch tokens. "
            "The iBOT mask token (self-supervised training only) is left out.",
        ),
        _spec(
            "vision-transformer-variants",
            "build_deit",
            {**_VIT_SMALL, "intermediate_size": 128, "num_labels": 10},
            {**_VIT, "intermediate_size": int},
            "class_logits_shape",
            "DeiT (distilled) from DeiTConfig, random weights: a ViT with [CLS] and distillation tokens and a head on each; "
            "the logits are the mean of both heads.",
        ),
    ]
)
