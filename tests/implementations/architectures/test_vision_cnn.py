"""CNN classics, U-Net, capsule network and PointNet: published sizes, closed forms and invariances."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from implementations.architectures._vision_nets import (
    CapsuleNetwork,
    PointNet,
    UNet,
    build_alexnet,
    build_densenet,
    build_lenet,
    build_network_in_network,
    build_wide_resnet,
    dynamic_routing,
    squash,
)


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_umbrella_cnn_is_lenet5_with_its_parameter_count() -> None:
    # conv 1→6 (5×5): 156, conv 6→16: 2,416, FC 400→120: 48,120, 120→84: 10,164, 84→10: 850
    assert _count(build_lenet()) == 156 + 2_416 + 48_120 + 10_164 + 850 == 61_706


def test_alexnet_published_size_on_meta_device() -> None:
    with torch.device("meta"):
        model = build_alexnet(width=64, hidden=4096, num_classes=1000)
        features = model[:15](torch.empty(1, 3, 224, 224))
        logits = model(torch.empty(1, 3, 224, 224))
    assert _count(model) == 61_100_840  # 64-192-384-256-256 convolutions, 9216-4096-4096-1000 classifier
    assert features.shape == (1, 256, 6, 6) and logits.shape == (1, 1000)


def test_alexnet_lrn_is_the_papers_formula() -> None:
    lrn = next(m for m in build_alexnet() if isinstance(m, nn.LocalResponseNorm))
    a = torch.randn(1, 8, 3, 3)
    squares = nn.functional.pad(a.pow(2), (0, 0, 0, 0, 2, 2))
    window = torch.stack([squares[:, c : c + 5].sum(1) for c in range(8)], dim=1)  # n = 5 neighbouring maps
    assert torch.allclose(lrn(a), a / (2.0 + 1e-4 * window) ** 0.75, atol=1e-6)  # k = 2, α = 1e-4, β = 0.75


def test_wide_resnet_28_10_has_its_published_36_5_million_parameters() -> None:
    with torch.device("meta"):
        assert _count(build_wide_resnet(depth=28, widen_factor=10)) == 36_479_194
    with pytest.raises(ValueError, match="6n"):
        build_wide_resnet(depth=12)


def test_network_in_network_classifies_by_global_average_pooling() -> None:
    model = build_network_in_network().eval()
    assert not any(isinstance(m, nn.Linear) for m in model.modules())
    x = torch.randn(2, 3, 32, 32)
    maps = model[:-2](x)
    assert maps.shape[1] == 10
    assert torch.allclose(model(x), maps.mean(dim=(2, 3)), atol=1e-6)


def test_densenet_channel_arithmetic() -> None:
    # stem 2k = 8, +3·4 = 20 → θ·20 = 10, +12 = 22 → 11, +12 = 23 into the classifier
    assert build_densenet()[-1].in_features == 23
    assert build_densenet(num_blocks=2, compression=1.0)[-1].in_features == 8 + 12 + 12


@pytest.mark.parametrize("size", [16, 24, 40])
def test_unet_output_has_the_input_resolution(size: int) -> None:
    model = UNet(in_channels=3, num_classes=4)
    assert model(torch.randn(1, 3, size, size)).shape == (1, 4, size, size)


class _Silence(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels

    def forward(self, x: Tensor) -> Tensor:
        return x.new_zeros(x.shape[0], self.channels, *x.shape[2:])


def test_unet_skip_connections_carry_the_input_past_the_bottleneck() -> None:
    torch.manual_seed(0)
    model = UNet(in_channels=1, num_classes=2, base_channels=4, depth=2).eval()
    assert [block[0].in_channels for block in model.decode] == [16, 8]  # up-conv output + skip, concatenated
    model.bottleneck = _Silence(16)  # nothing passes through the bottom any more
    a, b = torch.randn(1, 1, 16, 16), torch.randn(1, 1, 16, 16)
    with torch.no_grad():
        assert not torch.allclose(model(a), model(b))


def test_squash_closed_form() -> None:
    v = squash(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    assert torch.allclose(v[0], torch.tensor([0.6, 0.8]) * 25 / 26)  # ‖s‖² = 25: length 25/26, direction kept
    assert torch.equal(v[1], torch.zeros(2))
    assert float(torch.linalg.vector_norm(squash(torch.randn(100, 8) * 10), dim=-1).max()) < 1


@pytest.mark.parametrize("iterations", [1, 3])
def test_routing_coefficients_sum_to_one_over_parents(iterations: int) -> None:
    predictions = torch.randn(2, 12, 5, 8)
    outputs, coupling = dynamic_routing(predictions, iterations)
    assert outputs.shape == (2, 5, 8)
    assert torch.allclose(coupling.sum(dim=2), torch.ones(2, 12))
    if iterations == 1:  # no agreement yet: uniform couplings 1/J, v_j = squash(Σ_i û_j|i / J)
        assert torch.allclose(coupling, torch.full_like(coupling, 0.2))
        assert torch.allclose(outputs, squash(predictions.sum(dim=1) / 5), atol=1e-6)
    else:
        assert not torch.allclose(coupling, torch.full_like(coupling, 0.2))


def test_capsule_network_outputs_lengths_below_one() -> None:
    lengths = CapsuleNetwork()(torch.randn(3, 1, 16, 16))
    assert lengths.shape == (3, 5) and bool((lengths >= 0).all() and (lengths < 1).all())


def test_pointnet_is_invariant_to_the_order_of_points() -> None:
    torch.manual_seed(0)
    model = PointNet().eval()
    points = torch.randn(2, 50, 3)
    with torch.no_grad():
        expected = model(points)
        assert torch.allclose(model(points[:, torch.randperm(50)]), expected, atol=1e-5)
        transform = model.tnet_head(model.tnet(points.transpose(1, 2)).amax(dim=2)).view(-1, 3, 3)
    assert torch.equal(transform, torch.eye(3).expand(2, 3, 3))  # the T-Net starts at the identity
    assert expected.shape == (2, 5)
