"""Reference coordinate and logic networks (the code behind :mod:`implementations.architectures.fields`).

NeRF (positional encoding, radiance MLP, volume rendering), a SIREN neural field, a Logic Tensor
Network over a two-axiom knowledge base, and a convolutional neural fabric.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import torch
from torch import Tensor, nn

from implementations.architectures._vision_nets import image_batch

Node = tuple[int, int]  # (layer, scale) of a neural fabric


def positional_encoding(x: Tensor, num_frequencies: int) -> Tensor:
    """NeRF's ``γ(p) = (p, sin(2⁰πp), cos(2⁰πp), …, sin(2^{L−1}πp), cos(2^{L−1}πp))``, applied to each coordinate.

    ``[..., d] → [..., d (1 + 2L)]``: the input itself (the paper's code keeps it beside γ), then
    for each frequency the sines of all ``d`` coordinates and their cosines.
    """
    angles = x[..., None, :] * (2.0 ** torch.arange(num_frequencies, dtype=x.dtype) * math.pi)[:, None]
    return torch.cat([x, torch.stack([torch.sin(angles), torch.cos(angles)], dim=-2).flatten(-3)], dim=-1)


def volume_render(sigma: Tensor, rgb: Tensor, deltas: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Alpha-composite samples along rays: ``C = Σ_i T_i (1 − exp(−σ_i δ_i)) c_i``, ``T_i = exp(−Σ_{j<i} σ_j δ_j)``.

    Args:
        sigma: Densities ``[B, N]`` (≥ 0).
        rgb: Colours ``[B, N, 3]``.
        deltas: Lengths ``[B, N]`` of the ray segments the samples stand for.

    Returns:
        The colour ``[B, 3]``, the weights ``w_i = T_i (1 − exp(−σ_i δ_i))`` ``[B, N]`` and the
        transmittance ``T_{N+1}`` left after the last sample ``[B]`` (``Σ w_i = 1 − T_{N+1}``).

    """
    optical_depth = torch.cumsum(sigma * deltas, dim=-1)
    transmittance = torch.exp(-torch.nn.functional.pad(optical_depth, (1, 0)))  # T_1 = 1, …, T_{N+1}
    weights = transmittance[:, :-1] - transmittance[:, 1:]  # T_i − T_{i+1} = T_i (1 − exp(−σ_i δ_i))
    return (weights[..., None] * rgb).sum(dim=1), weights, transmittance[:, -1]


class NeRF(nn.Module):
    """NeRF: an MLP from encoded point and view direction to density and colour, rendered along rays.

    Mildenhall, Srinivasan, Tancik, Barron, Ramamoorthi, Ng (2020), "NeRF: Representing Scenes as
    Neural Radiance Fields for View Synthesis", ECCV, arXiv:2003.08934. ``depth`` ReLU layers on
    ``γ(x)`` (concatenated again at layer ``depth // 2``, the paper's skip) give ``σ = softplus(·)``
    (mip-NeRF's choice: the paper's ReLU leaves a random field with σ = 0 everywhere); a feature
    with ``γ(d)`` gives ``RGB = sigmoid(·)``. Each ray ``[o | d]`` is cut into ``num_samples`` equal
    bins on ``[near, far]``, sampled at a uniform point of each bin in training (stratified) and at
    the bin centre in eval; each sample stands for its bin (``δ`` = bin width). Only the coarse
    network (no hierarchical fine sampling).
    """

    def __init__(
        self,
        num_samples: int = 32,
        near: float = 2.0,
        far: float = 6.0,
        width: int = 64,
        depth: int = 4,
        pos_frequencies: int = 10,
        dir_frequencies: int = 4,
    ) -> None:
        super().__init__()
        self.num_samples, self.near, self.far = num_samples, near, far
        self.pos_frequencies, self.dir_frequencies = pos_frequencies, dir_frequencies
        self.skip = max(depth // 2, 1)
        point_width, dir_width = 3 * (1 + 2 * pos_frequencies), 3 * (1 + 2 * dir_frequencies)
        inputs = [point_width] + [width + point_width * (i == self.skip) for i in range(1, depth)]
        self.trunk = nn.ModuleList(nn.Linear(size, width) for size in inputs)
        self.density = nn.Linear(width, 1)
        self.feature = nn.Linear(width, width)
        self.colour = nn.Sequential(nn.Linear(width + dir_width, width // 2), nn.ReLU(), nn.Linear(width // 2, 3), nn.Sigmoid())

    def field(self, points: Tensor, directions: Tensor) -> tuple[Tensor, Tensor]:
        """Density ``[..., 1]`` (≥ 0) and colour ``[..., 3]`` (in [0, 1]) at points seen from unit directions."""
        encoded = positional_encoding(points, self.pos_frequencies)
        hidden = encoded
        for i, layer in enumerate(self.trunk):
            hidden = torch.relu(layer(torch.cat([hidden, encoded], dim=-1) if i == self.skip else hidden))
        view = positional_encoding(directions, self.dir_frequencies)
        return nn.functional.softplus(self.density(hidden)), self.colour(torch.cat([self.feature(hidden), view], dim=-1))

    def sample_depths(self, batch: int) -> tuple[Tensor, Tensor]:
        """Sample depths ``t`` and bin widths ``δ``, both ``[B, N]``: jittered in training, bin centres in eval."""
        edges = torch.linspace(self.near, self.far, self.num_samples + 1)
        offsets = torch.rand(batch, self.num_samples) if self.training else torch.full((batch, self.num_samples), 0.5)
        widths = (edges[1:] - edges[:-1]).expand(batch, -1)
        return edges[:-1] + offsets * widths, widths

    def forward(self, rays: Tensor) -> Tensor:
        """Rays ``[B, 6]`` (origin, direction) → rendered colours ``[B, 3]``."""
        origins, directions = rays[:, :3], nn.functional.normalize(rays[:, 3:], dim=-1)
        depths, widths = self.sample_depths(rays.shape[0])
        points = origins[:, None, :] + depths[..., None] * directions[:, None, :]
        sigma, rgb = self.field(points, directions[:, None, :].expand_as(points))
        return volume_render(sigma[..., 0], rgb, widths)[0]


def rays(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Four rays ``[4, 6]``: origins near the scene's centre and random directions."""
    return (torch.cat([0.5 * torch.randn(4, 3), torch.randn(4, 3)], dim=-1),)


def rgb_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """``[rays, 3]``."""
    return (int(inputs[0].shape[0]), 3)


class SineLayer(nn.Linear):
    """``sin(ω₀ (W x + b))`` with SIREN's initialisation: ``U(−1/in, 1/in)`` first, ``U(±√(6/in)/ω₀)`` after."""

    def __init__(self, in_features: int, out_features: int, omega_0: float, first: bool) -> None:
        super().__init__(in_features, out_features)
        self.omega_0 = omega_0
        bound = 1 / in_features if first else math.sqrt(6 / in_features) / omega_0
        nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """The sine of the scaled affine map."""
        return torch.sin(self.omega_0 * super().forward(x))


class Siren(nn.Sequential):
    """A neural field: a coordinate MLP with sine activations (SIREN), coordinates ``[B, d]`` → values ``[B, out]``.

    Sitzmann, Martel, Bergman, Lindell, Wetzstein (2020), "Implicit Neural Representations with
    Periodic Activation Functions", NeurIPS, arXiv:2006.09661. ``hidden_layers + 1`` sine layers
    and a linear readout initialised like a hidden layer; every derivative of a SIREN is again a
    SIREN-like network (``sin′ = cos = sin(· + π/2)``), so gradients of the field are smooth.
    """

    def __init__(
        self, in_features: int = 2, hidden_features: int = 64, hidden_layers: int = 3, out_features: int = 1, omega_0: float = 30.0
    ) -> None:
        layers = [SineLayer(in_features, hidden_features, omega_0, first=True)]
        layers += [SineLayer(hidden_features, hidden_features, omega_0, first=False) for _ in range(hidden_layers)]
        readout = nn.Linear(hidden_features, out_features)
        bound = math.sqrt(6 / hidden_features) / omega_0
        nn.init.uniform_(readout.weight, -bound, bound)
        super().__init__(*layers, readout)


def fuzzy_not(a: Tensor) -> Tensor:
    """Standard negation ``1 − a``."""
    return 1 - a


def fuzzy_and(a: Tensor, b: Tensor) -> Tensor:
    """Product t-norm ``a b``."""
    return a * b


def fuzzy_or(a: Tensor, b: Tensor) -> Tensor:
    """Probabilistic sum (product t-conorm) ``a + b − a b``."""
    return a + b - a * b


def fuzzy_implies(a: Tensor, b: Tensor) -> Tensor:
    """Reichenbach implication ``1 − a + a b``."""
    return 1 - a + a * b


def forall(truths: Tensor, p: float, dim: int = 0) -> Tensor:
    """∀ as the p-mean error aggregator ``1 − (mean (1 − a)^p)^{1/p}`` over ``dim``."""
    return 1 - (1 - truths).pow(p).mean(dim=dim).pow(1 / p)


class LogicTensorNetwork(nn.Module):
    """An LTN: predicates A, B, C as MLPs with sigmoid outputs, grounding ∀x: A(x) → B(x) and ∀x: ¬(A(x) ∧ C(x)).

    Badreddine, d'Avila Garcez, Serafini, Spranger (2022), "Logic Tensor Networks", Artificial
    Intelligence 303:103649, arXiv:2012.13635. Real Logic with product t-norm, probabilistic sum,
    Reichenbach implication and ∀ as the p-mean error; the knowledge base's satisfaction is the
    same aggregator over its axioms. Forward: individuals ``[B, in_features]`` → the satisfaction
    (a scalar); training maximises it.
    """

    def __init__(self, in_features: int = 4, hidden_features: int = 16, p: float = 2.0) -> None:
        super().__init__()
        self.p = p
        self.predicates = nn.ModuleDict(
            {
                name: nn.Sequential(nn.Linear(in_features, hidden_features), nn.ELU(), nn.Linear(hidden_features, 1), nn.Sigmoid())
                for name in "ABC"
            }
        )

    def axioms(self, x: Tensor) -> Tensor:
        """The truth of each axiom, quantified over the individuals ``[2]``."""
        a, b, c = (self.predicates[name](x)[:, 0] for name in "ABC")
        implication = forall(fuzzy_implies(a, b), self.p)
        exclusion = forall(fuzzy_not(fuzzy_and(a, c)), self.p)
        return torch.stack([implication, exclusion])

    def forward(self, x: Tensor) -> Tensor:
        """The knowledge base's satisfaction degree in [0, 1] (shape ``()``)."""
        return forall(self.axioms(x), self.p)


def scalar_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """A scalar: ``()``."""
    return ()


def fabric_edges(layers: int, scales: int) -> Iterator[tuple[Node, Node]]:
    """The trellis's edges ``(source, target)`` in computation order.

    The first layer runs down the scales, each later layer takes from its predecessor's same, finer
    and coarser scales, and the last layer also runs down the scales to the output node
    ``(layers − 1, scales − 1)``: ``(layers − 1)(3 scales − 2) + 2 (scales − 1)`` edges.
    """
    yield from (((0, s - 1), (0, s)) for s in range(1, scales))
    for layer in range(1, layers):
        for s in range(scales):
            yield from (((layer - 1, source), (layer, s)) for source in (s - 1, s, s + 1) if 0 <= source < scales)
            if layer == layers - 1 and s > 0:
                yield (layer, s - 1), (layer, s)


class NeuralFabric(nn.Module):
    """A convolutional neural fabric: a trellis of ``layers × scales`` feature maps, each the sum of its neighbours' convolutions.

    Saxena & Verbeek (2016), "Convolutional Neural Fabrics", NeurIPS, arXiv:1606.02492. Scale
    ``s`` has resolution ``size / 2^s``. A node sums 3×3 convolutions of its in-neighbours (same
    scale: stride 1; finer: stride 2; coarser: nearest ×2 upsampling then convolution), then
    BatchNorm and ReLU. The image enters at node (0, 0); the output node (last layer, coarsest
    scale) is average-pooled into a linear classifier. Requires ``layers ≥ 2``.
    """

    def __init__(self, in_channels: int = 3, channels: int = 8, layers: int = 4, scales: int = 4, num_classes: int = 10) -> None:
        super().__init__()
        if layers < 2:
            raise ValueError("a fabric needs layers ≥ 2")
        self.layers, self.scales = layers, scales
        self.stem = nn.Conv2d(in_channels, channels, 3, padding=1)
        self.edges = nn.ModuleDict()
        self.sources: dict[Node, list[Node]] = {}
        for source, target in fabric_edges(layers, scales):
            conv = nn.Conv2d(channels, channels, 3, stride=2 if source[1] < target[1] else 1, padding=1)
            self.edges[self._key(source, target)] = nn.Sequential(nn.Upsample(scale_factor=2), conv) if source[1] > target[1] else conv
            self.sources.setdefault(target, []).append(source)
        self.norms = nn.ModuleDict({self._key(node): nn.BatchNorm2d(channels) for node in self.nodes()})
        self.head = nn.Linear(channels, num_classes)

    @staticmethod
    def _key(*nodes: Node) -> str:
        return "__".join(f"{layer}_{scale}" for layer, scale in nodes)

    def nodes(self) -> list[Node]:
        """Every node ``(layer, scale)`` in computation order."""
        return [(layer, s) for layer in range(self.layers) for s in range(self.scales)]

    def trellis(self, images: Tensor) -> dict[Node, Tensor]:
        """Every node's feature map."""
        maps: dict[Node, Tensor] = {}
        for node in self.nodes():
            total = self.stem(images) if node == (0, 0) else sum(self.edges[self._key(s, node)](maps[s]) for s in self.sources[node])
            maps[node] = torch.relu(self.norms[self._key(node)](total))
        return maps

    def forward(self, images: Tensor) -> Tensor:
        """Images ``[B, C, H, W]`` (H, W divisible by ``2^(scales − 1)``) → logits ``[B, num_classes]``."""
        return self.head(self.trellis(images)[(self.layers - 1, self.scales - 1)].mean(dim=(-2, -1)))  # type: ignore[no-any-return]


def small_images(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Two 16×16 images."""
    return image_batch({**args, "image_size": 16})
