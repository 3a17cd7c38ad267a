"""Object-detection architectures: DETR from ``transformers`` config classes and a compact YOLO written here.

A detector returns its class logits and its boxes side by side in one tensor, so both heads are
checked (and get gradients) in a smoke test. Registrations are data; torch and ``transformers``
load when a detector is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_HERE = "implementations.architectures.detection:"
_DETR_BACKBONE = {"model_type": "resnet", "embedding_size": 16, "hidden_sizes": [16, 32, 64, 128], "depths": [1, 1, 1, 1]}
_DETR_SMALL = {"d_model": 64, "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 4, "decoder_attention_heads": 4}
_DETR_FIELDS = "num_labels num_queries d_model encoder_layers decoder_layers encoder_attention_heads decoder_attention_heads"


def _boxes_beside_logits(module: Any, inputs: Any, output: Any) -> Any:
    """Forward hook: a detector's ``logits`` become ``[logits ‖ pred_boxes]``, so one tensor carries both heads."""
    import torch

    output.logits = torch.cat([output.logits, output.pred_boxes], dim=-1)
    return output


def build_detr(backbone_config: dict[str, Any] | None = None, **config: Any) -> Any:
    """DETR (Carion et al., 2020, "End-to-End Object Detection with Transformers", arXiv:2005.12872) on a ResNet from config.

    The backbone is ``transformers``' own ResNet (no timm, no pretrained weights) with frozen batch norm; as in the
    paper, its stem and first stage are frozen and later stages train (``transformers`` matches them by a timm-style
    name, ``stage.1``, that its ResNet's ``stages.1`` does not contain, so they are unfrozen here).

    Args:
        backbone_config: ``ResNetConfig`` fields of the backbone (``model_type: resnet``); a small ResNet when ``None``.
        **config: ``transformers.DetrConfig`` fields (``d_model``, ``encoder_layers``, ``num_queries``, ``num_labels`` …).

    """
    backbone = dict(backbone_config or _DETR_BACKBONE)
    stages = len(backbone.get("depths", [3, 4, 6, 3]))
    backbone.setdefault("out_features", [f"stage{stages}"])
    fixed = {"use_timm_backbone": False, "use_pretrained_backbone": False, "backbone_config": backbone}
    from implementations.architectures._hf import HuggingFaceModel

    module = HuggingFaceModel("DetrConfig", "DetrForObjectDetection", "logits", **fixed, **config)
    for name, parameter in module.model.model.backbone.named_parameters():
        parameter.requires_grad_("embedder" not in name and ".stages.0." not in name)
    module.model.register_forward_hook(_boxes_beside_logits)
    return module


def build_yolo(
    num_channels: int = 3,
    image_size: int = 64,
    hidden_sizes: list[int] | None = None,
    fc_dim: int = 256,
    grid_size: int = 7,
    boxes_per_cell: int = 2,
    num_labels: int = 20,
) -> Any:
    """YOLO v1 (Redmon, Divvala, Girshick & Farhadi, 2016, "You Only Look Once: Unified, Real-Time Object Detection", arXiv:1506.02640).

    A compact reference (``transformers`` has no YOLO): 3×3 conv → batch norm → LeakyReLU(0.1) → 2×2 max-pool stages
    in place of the paper's 24-layer stack, then its two fully connected layers (dropout 0.5 between) regress the
    whole S×S grid at once: per cell, B boxes of (x, y, w, h, confidence) and C class scores.

    Args:
        num_channels: Input channels.
        image_size: Input height and width (divisible by 2 ** len(hidden_sizes)).
        hidden_sizes: Channels of each conv stage (``[16, 32, 64, 128]`` when ``None``).
        fc_dim: Width of the first fully connected layer (4096 in the paper).
        grid_size: S (7 in the paper).
        boxes_per_cell: B (2 in the paper).
        num_labels: C (20 PASCAL VOC classes in the paper).

    """
    from torch import nn

    layers: list[nn.Module] = []
    width = num_channels
    for out in hidden_sizes or [16, 32, 64, 128]:
        layers += [nn.Conv2d(width, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.LeakyReLU(0.1), nn.MaxPool2d(2)]
        width, image_size = out, image_size // 2
    per_cell = 5 * boxes_per_cell + num_labels
    return nn.Sequential(
        *layers,
        nn.Flatten(),
        nn.Linear(width * image_size * image_size, fc_dim),
        nn.LeakyReLU(0.1),
        nn.Dropout(0.5),
        nn.Linear(fc_dim, grid_size * grid_size * per_cell),
        nn.Unflatten(1, (grid_size, grid_size, per_cell)),
    )


def detection_images(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """Images ``[2, 3, 64, 64]`` for DETR: a 2×2 feature map after its ResNet's stride of 32."""
    import torch

    return (torch.randn(2, 3, 64, 64),)


def yolo_images(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """Images ``[2, num_channels, image_size, image_size]`` for YOLO."""
    import torch

    size = int(args.get("image_size", 64))
    return (torch.randn(2, int(args.get("num_channels", 3)), size, size),)


def set_prediction_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, num_queries, num_labels + 1 + 4]``: class logits (with "no object") then (cx, cy, w, h) per query."""
    return (int(inputs[0].shape[0]), int(args["num_queries"]), int(args["num_labels"]) + 1 + 4)


def grid_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, S, S, 5·B + C]``: YOLO's grid of box and class predictions."""
    grid = int(args["grid_size"])
    return (int(inputs[0].shape[0]), grid, grid, 5 * int(args["boxes_per_cell"]) + int(args["num_labels"]))


def _spec(
    concept: str, builder: str, defaults: dict[str, Any], arg_types: dict[str, Any], shape: str, notes: str, sample: str
) -> ImplementationSpec:
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


def _ints(names: str) -> dict[str, Any]:
    return dict.fromkeys(names.split(), int)


register_all(
    [
        _spec(
            "object-detection-architectures",
            "build_detr",
            {**_DETR_SMALL, "encoder_ffn_dim": 128, "decoder_ffn_dim": 128, "num_queries": 10, "num_labels": 10},
            {
                "backbone_config": dict[str, Any] | None,
                **_ints(_DETR_FIELDS + " encoder_ffn_dim decoder_ffn_dim"),
                "dropout": float,
                "activation_function": str,
            },
            "set_prediction_shape",
            "DETR (DetrForObjectDetection) from DetrConfig on a small bottleneck ResNet of transformers' own (no timm, no weights), "
            "random weights; output is [class logits incl. no-object ‖ box (cx, cy, w, h)] per object query. The "
            "backbone's stem and first stage are frozen, as in the paper.",
            sample="detection_images",
        ),
        _spec(
            "yolo",
            "build_yolo",
            {"image_size": 64, "hidden_sizes": [16, 32, 64, 128], "fc_dim": 256, "grid_size": 7, "boxes_per_cell": 2, "num_labels": 20},
            {**_ints("num_channels image_size fc_dim grid_size boxes_per_cell num_labels"), "hidden_sizes": list[int]},
            "grid_shape",
            "YOLO v1, a compact reference: conv/LeakyReLU/max-pool stages, then two fully connected layers regressing a "
            "7×7 grid of 2 boxes (x, y, w, h, confidence) and 20 class scores per cell (7×7×30, as in the paper).",
            sample="yolo_images",
        ),
    ]
)
