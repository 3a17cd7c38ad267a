"""Vision architectures: published sizes on the meta device, output layouts, what is frozen, and registration without torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from implementations import create

ROOT = Path(__file__).resolve().parents[3]
RESNET_50 = {"embedding_size": 64, "hidden_sizes": [256, 512, 1024, 2048], "depths": [3, 4, 6, 3], "layer_type": "bottleneck"}
VIT_B16 = {"image_size": 224, "patch_size": 16, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12}

# Published configurations and their parameter counts (papers, torchvision and the model cards agree on these).
PUBLISHED = [
    ("resnet", {**RESNET_50, "num_labels": 1000}, 25_557_032),  # ResNet-50
    ("vision-transformer", {**VIT_B16, "intermediate_size": 3072, "num_labels": 1000}, 86_567_656),  # ViT-B/16
    (
        "swin-transformer",
        {
            "image_size": 224,
            "patch_size": 4,
            "embed_dim": 96,
            "depths": [2, 2, 6, 2],
            "num_heads": [3, 6, 12, 24],
            "window_size": 7,
            "num_labels": 1000,
        },
        28_288_354,  # Swin-T
    ),
    ("efficientnet", {"image_size": 224, "width_coefficient": 1.0, "depth_coefficient": 1.0, "num_labels": 1000}, 5_288_548),  # B0
    ("mobilenet", {"image_size": 224, "depth_multiplier": 1.0, "num_labels": 1000}, 3_504_872),  # MobileNetV2-1.0
    (
        "vision-transformer-variants",
        {
            "image_size": 224,
            "patch_size": 16,
            "hidden_size": 192,
            "num_hidden_layers": 12,
            "num_attention_heads": 3,
            "intermediate_size": 768,
            "num_labels": 1000,
        },
        5_910_800,  # DeiT-Ti distilled (1000 classes, two heads)
    ),
    (
        "dinov2",
        {"image_size": 518, "patch_size": 14, "hidden_size": 384, "num_hidden_layers": 12, "num_attention_heads": 6, "mlp_ratio": 4},
        22_056_192,  # ViT-S/14 (the model card's count less the 384-wide iBOT mask token)
    ),
    (
        "object-detection-architectures",
        {
            "backbone_config": {"model_type": "resnet", **RESNET_50},
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
        41_524_768,  # DETR-R50 as in the model card (the paper rounds to 41 M)
    ),
]


def _count(module: Any) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(("term", "args", "expected"), PUBLISHED, ids=[case[0] for case in PUBLISHED])
def test_published_configuration_has_the_published_parameter_count(term: str, args: dict[str, Any], expected: int) -> None:
    with torch.device("meta"):
        module = create(term, **args)
    assert _count(module) == expected


def test_yolo_predicts_the_papers_grid_of_boxes_and_classes() -> None:
    torch.manual_seed(0)
    module = create("yolo").eval()
    assert module(torch.randn(1, 3, 64, 64)).shape == (1, 7, 7, 30)  # S = 7, B = 2, C = 20: 7 × 7 × (2·5 + 20)
    other = create("yolo", image_size=32, hidden_sizes=[8, 16], grid_size=4, boxes_per_cell=3, num_labels=5).eval()
    assert other(torch.randn(2, 3, 32, 32)).shape == (2, 4, 4, 20)


def test_detr_puts_boxes_beside_logits_and_freezes_only_stem_and_first_stage() -> None:
    torch.manual_seed(0)
    module = create("object-detection-architectures").eval()
    with torch.no_grad():
        out = module(torch.randn(2, 3, 64, 64))
    assert out.shape == (2, 10, 10 + 1 + 4)
    boxes = out[..., -4:]
    assert bool(((boxes > 0) & (boxes < 1)).all())  # normalised (cx, cy, w, h) from a sigmoid
    frozen = {name for name, p in module.model.model.backbone.named_parameters() if not p.requires_grad}
    trainable = {name for name, p in module.model.model.backbone.named_parameters() if p.requires_grad}
    assert frozen and all("embedder" in name or ".stages.0." in name for name in frozen)
    assert any(".stages.3." in name for name in trainable)


def test_deit_logits_are_the_mean_of_class_and_distillation_heads() -> None:
    torch.manual_seed(0)
    module = create("vision-transformer-variants").eval()
    images = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        out = module.model(images)
    assert torch.allclose(out.logits, (out.cls_logits + out.distillation_logits) / 2)


def test_vision_encoder_returns_one_token_per_patch_plus_cls_and_has_no_pooler() -> None:
    module = create("vision-encoder", image_size=48, patch_size=16).eval()
    assert module.model.pooler is None
    with torch.no_grad():
        assert module(torch.randn(1, 3, 48, 48)).shape == (1, 1 + 3 * 3, 64)


@pytest.mark.parametrize(("width", "hidden_dim"), [(1.0, 1280), (2.0, 2560), (0.25, 320)])
def test_efficientnet_head_width_follows_the_width_coefficient(width: float, hidden_dim: int) -> None:
    with torch.device("meta"):
        module = create("efficientnet", width_coefficient=width)
    assert module.config.hidden_dim == hidden_dim


def test_registrations_import_neither_torch_nor_transformers() -> None:
    code = "import sys, implementations.architectures.hf_vision\nprint('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False False"
