"""Published vision models as arguments of the vision registrations (:mod:`implementations.architectures.hf_vision`).

Scaled-down configurations keep the layer type, the number of stages, the activation and the patch
size, and shrink widths, depths (at most 2 blocks a stage), images (at most 64 pixels) and classes.
Parameter counts of the convolutional networks are the torchvision documentation's (identical
layouts); the papers round them.
"""

from __future__ import annotations

from implementations.architectures.models_spec import ModelConfig

_RESNET_PAPER = "He et al., 2016, Deep Residual Learning for Image Recognition, arXiv:1512.03385, Table 1; count as in torchvision's docs"
_IMAGENET = {"image_size": 224, "num_labels": 1000}
_SMALL_IMAGES = {"image_size": 32, "num_labels": 10}
_BASIC = {**_IMAGENET, "embedding_size": 64, "hidden_sizes": [64, 128, 256, 512], "layer_type": "basic", "hidden_act": "relu"}
_BOTTLENECK = {**_BASIC, "hidden_sizes": [256, 512, 1024, 2048], "layer_type": "bottleneck"}
_RESNET_SCALED = {**_SMALL_IMAGES, "embedding_size": 16, "depths": [2, 2, 2, 2]}
_VIT_B16 = {
    **_IMAGENET,
    "patch_size": 16,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
}
_VIT_SCALED = {
    "image_size": 64,
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 256,
    "num_labels": 10,
}
_R50_BACKBONE = {"model_type": "resnet", "embedding_size": 64, "hidden_sizes": [256, 512, 1024, 2048], "depths": [3, 4, 6, 3]}


def _resnet(model: str, depths: list[int], block: dict[str, object], parameters: int) -> ModelConfig:
    scaled_widths = [16, 32, 64, 128] if block["layer_type"] == "basic" else [32, 64, 128, 256]
    return ModelConfig(
        model,
        "resnet",
        {**block, "depths": depths},
        _RESNET_PAPER,
        {**_RESNET_SCALED, "hidden_sizes": scaled_widths},
        parameters,
    )


VISION_MODELS = (
    _resnet("resnet-50", [3, 4, 6, 3], _BOTTLENECK, 25_557_032),  # first: what `instantiate resnet --full` builds
    _resnet("resnet-18", [2, 2, 2, 2], _BASIC, 11_689_512),
    _resnet("resnet-34", [3, 4, 6, 3], _BASIC, 21_797_672),
    _resnet("resnet-101", [3, 4, 23, 3], _BOTTLENECK, 44_549_160),
    _resnet("resnet-152", [3, 8, 36, 3], _BOTTLENECK, 60_192_808),
    ModelConfig(
        "vit",
        "vision-transformer",
        _VIT_B16,
        "Dosovitskiy et al., 2021, An Image is Worth 16x16 Words, arXiv:2010.11929, Table 1 (ViT-Base: 12 layers, "
        "hidden 768, MLP 3072, 12 heads, 86M) with 16×16 patches; 86,567,656 with a 1000-class head (torchvision vit_b_16)",
        _VIT_SCALED,
        86_567_656,
    ),
    ModelConfig(
        "deit",
        "vision-transformer-variants",
        _VIT_B16,
        "Touvron et al., 2021, Training data-efficient image transformers & distillation through attention, "
        "arXiv:2012.12877, Tables 1 and 5 (DeiT-B: 12 layers, 768 wide, 12 heads; distilled DeiT-B⚗ 87M)",
        _VIT_SCALED,
        87_000_000,
        0.01,
        "DeiT-B⚗, the distilled model: [CLS] and distillation tokens, a head on each.",
    ),
    ModelConfig(
        "dinov2",
        "dinov2",
        {"image_size": 518, "patch_size": 14, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "mlp_ratio": 4},
        "Oquab et al., 2023, DINOv2: Learning Robust Visual Features without Supervision, arXiv:2304.07193, "
        "ViT-B/14 distilled (86M; model card facebook/dinov2-base, 518-pixel positions)",
        {"image_size": 56, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4},
        86_000_000,
        0.01,
        "ViT-B/14, one of the four released sizes (the flagship ViT-g/14 has 1.1B parameters and a SwiGLU MLP).",
    ),
    ModelConfig(
        "swin-transformer",
        "swin-transformer",
        {
            **_IMAGENET,
            "patch_size": 4,
            "embed_dim": 96,
            "depths": [2, 2, 6, 2],
            "num_heads": [3, 6, 12, 24],
            "window_size": 7,
            "hidden_act": "gelu",
        },
        "Liu et al., 2021, Swin Transformer: Hierarchical Vision Transformer using Shifted Windows, arXiv:2103.14030, "
        "Swin-T (C = 96, layers {2, 2, 6, 2}, window 7, 28M); 28,288,354 as in torchvision swin_t",
        {
            "image_size": 64,  # 2-pixel patches and 4-token windows tile every stage (32, 16, 8, 4 tokens a side)
            "patch_size": 2,
            "window_size": 4,
            "embed_dim": 16,
            "depths": [2, 2, 2, 2],
            "num_heads": [1, 2, 4, 8],
            "num_labels": 10,
        },
        28_288_354,
        note="Swin-T, the smallest of the paper's four sizes.",
    ),
    ModelConfig(
        "efficientnet",
        "efficientnet",
        {**_IMAGENET, "width_coefficient": 1.0, "depth_coefficient": 1.0, "dropout_rate": 0.2, "hidden_act": "swish"},
        "Tan & Le, 2019, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, arXiv:1905.11946, "
        "Table 2 (EfficientNet-B0, 5.3M); 5,288,548 as in torchvision efficientnet_b0",
        {**_SMALL_IMAGES, "width_coefficient": 0.25, "depth_coefficient": 0.25},
        5_288_548,
        note="EfficientNet-B0, the base network the compound scaling starts from.",
    ),
    ModelConfig(
        "mobilenet-v2",
        "mobilenet",
        {**_IMAGENET, "depth_multiplier": 1.0, "hidden_act": "relu6"},
        "Sandler et al., 2018, MobileNetV2: Inverted Residuals and Linear Bottlenecks, arXiv:1801.04381, Table 4 "
        "(1.0, 224 px: 3.4M); 3,504,872 as in torchvision mobilenet_v2",
        {**_SMALL_IMAGES, "depth_multiplier": 0.25},
        3_504_872,
    ),
    ModelConfig(
        "detr",
        "object-detection-architectures",
        {
            "backbone_config": {**_R50_BACKBONE, "layer_type": "bottleneck"},
            "d_model": 256,
            "encoder_layers": 6,
            "decoder_layers": 6,
            "encoder_attention_heads": 8,
            "decoder_attention_heads": 8,
            "encoder_ffn_dim": 2048,
            "decoder_ffn_dim": 2048,
            "num_queries": 100,
            "num_labels": 91,
        },
        "Carion et al., 2020, End-to-End Object Detection with Transformers, arXiv:2005.12872, Table 1 (DETR, "
        "ResNet-50 backbone, 6 encoder and 6 decoder layers, width 256, 8 heads, 100 queries: 41M)",
        {
            "backbone_config": {
                "model_type": "resnet",
                "embedding_size": 16,
                "hidden_sizes": [32, 64, 128, 256],
                "depths": [1, 1, 1, 1],
                "layer_type": "bottleneck",
            },
            "d_model": 64,
            "encoder_layers": 2,
            "decoder_layers": 2,
            "encoder_ffn_dim": 256,
            "decoder_ffn_dim": 256,
            "num_queries": 10,
            "num_labels": 10,
        },
        41_000_000,
        0.02,
    ),
    ModelConfig(
        "alexnet",
        "alexnet",
        {"in_channels": 3, "num_classes": 1000, "width": 64, "hidden": 4096, "dropout": 0.5},
        "Krizhevsky, Sutskever & Hinton, 2012, ImageNet Classification with Deep Convolutional Neural Networks, NeurIPS "
        "(five conv layers, two 4096-wide fully connected, 60 million parameters); 61,100,840 in the single-tower "
        "layout of torchvision alexnet",
        {"num_classes": 10, "width": 8, "hidden": 128},
        61_100_840,
        note="The single-tower layout (64-192-384-256-256 channels) of the paper's two-GPU network.",
    ),
    ModelConfig(
        "lenet-5",
        "convolutional-neural-network",
        {"in_channels": 1, "num_classes": 10, "image_size": 32},
        "LeCun, Bottou, Bengio & Haffner, 1998, Gradient-Based Learning Applied to Document Recognition, Proc. IEEE "
        "86(11), §II.B (32×32 input, C1-S2-C3-S4-C5-F6, 60,000 trainable parameters)",
        {},
        60_000,
        0.03,
        "C3 connects every S2 map (the paper's connection table has 900 fewer weights), subsampling has no trainable "
        "coefficients and the output is linear, not RBF units. Already tiny: the scaled model is the published one.",
    ),
    ModelConfig(
        "u-net",
        "u-net",
        {"in_channels": 1, "num_classes": 2, "base_channels": 64, "depth": 4},
        "Ronneberger, Fischer & Brox, 2015, U-Net: Convolutional Networks for Biomedical Image Segmentation, "
        "arXiv:1505.04597, Fig. 1 (64 channels doubling over 4 down-sampling steps, 1 input channel, 2 class maps)",
        {"base_channels": 4},
        None,
        note="The paper states no parameter count (31,030,658 here); its convolutions are unpadded, these are padded.",
    ),
)
