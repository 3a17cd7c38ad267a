"""Reference feed-forward networks (the code behind :mod:`implementations.architectures.feedforward`).

Perceptron, self-normalising network, extreme learning machine, highway network, Siamese network,
Deep Sets, neural collaborative filtering, complex- and quaternion-valued networks. Vectors are
``[B, D]``, sets ``[B, N, D]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from implementations.architectures.feedforward import build_mlp
from implementations.components.training.initializers import lecun_normal_


class Perceptron(nn.Linear):
    """Rosenblatt's perceptron: a linear threshold unit ``ŷ = [w·x + b > 0]`` trained by its error-correction rule.

    Rosenblatt (1958), "The Perceptron: A Probabilistic Model for Information Storage and
    Organization in the Brain", Psychological Review 65(6):386–408. ``forward`` returns the score
    ``w·x + b`` (differentiable); :meth:`predict` thresholds it and :meth:`learn` applies the rule.
    """

    def predict(self, x: Tensor) -> Tensor:
        """The 0/1 decision of every unit."""
        score: Tensor = self(x)
        return (score > 0).to(x.dtype)

    @torch.no_grad()
    def learn(self, x: Tensor, target: Tensor, lr: float = 1.0) -> int:
        """One pass of ``w ← w + η (t − ŷ) x`` over the examples, one at a time; returns the number of mistakes."""
        mistakes = 0
        for xi, ti in zip(x, target, strict=True):
            error = ti - self.predict(xi)
            self.weight.add_(lr * error[:, None] * xi[None, :])
            self.bias.add_(lr * error)
            mistakes += int(error.abs().sum() > 0)
        return mistakes


def build_self_normalizing_network(
    in_features: int = 16, hidden_features: int = 64, out_features: int = 4, depth: int = 8, dropout: float = 0.05
) -> nn.Sequential:
    """SNN: Linear (LeCun-normal weights, zero bias) → SELU → AlphaDropout, ``depth`` times, then a Linear readout.

    Klambauer, Unterthiner, Mayr, Hochreiter (2017), "Self-Normalizing Neural Networks", NeurIPS,
    arXiv:1706.02515. With these weights, SELU maps zero-mean unit-variance activations to
    zero-mean unit-variance activations, so they stay normalised through depth without BatchNorm.
    """
    layers: list[nn.Module] = []
    width = in_features
    for _ in range(depth):
        linear = nn.Linear(width, hidden_features)
        lecun_normal_(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.SELU(), nn.AlphaDropout(dropout)]
        width = hidden_features
    return nn.Sequential(*layers, nn.Linear(width, out_features))


class ExtremeLearningMachine(nn.Module):
    """ELM: a fixed random sigmoid hidden layer and a linear readout solved in closed form by least squares.

    Huang, Zhu, Siew (2006), "Extreme learning machine: Theory and applications",
    Neurocomputing 70(1–3):489–501. The hidden weights are buffers (never trained); :meth:`fit`
    sets the readout to ``β = H⁺ T``. Gradient training of the readout also works.
    """

    hidden_weight: Tensor
    hidden_bias: Tensor

    def __init__(self, in_features: int = 16, hidden_features: int = 64, out_features: int = 4) -> None:
        super().__init__()
        self.register_buffer("hidden_weight", torch.randn(hidden_features, in_features))
        self.register_buffer("hidden_bias", torch.randn(hidden_features))
        self.readout = nn.Linear(hidden_features, out_features, bias=False)

    def hidden(self, x: Tensor) -> Tensor:
        """The random feature map ``H = σ(x Wᵀ + b)``."""
        return torch.sigmoid(nn.functional.linear(x, self.hidden_weight, self.hidden_bias))

    def forward(self, x: Tensor) -> Tensor:
        """``H β``."""
        return self.readout(self.hidden(x))  # type: ignore[no-any-return]

    @torch.no_grad()
    def fit(self, x: Tensor, target: Tensor) -> None:
        """Set the readout to the minimum-norm least-squares solution ``β = H⁺ T``."""
        self.readout.weight.copy_((torch.linalg.pinv(self.hidden(x)) @ target).T)


class HighwayLayer(nn.Module):
    """``y = H(x)·T(x) + x·(1 − T(x))`` with ``H = ReLU(W_H x + b_H)`` and the transform gate ``T = σ(W_T x + b_T)``."""

    def __init__(self, width: int, gate_bias: float) -> None:
        super().__init__()
        self.transform, self.gate = nn.Linear(width, width), nn.Linear(width, width)
        nn.init.constant_(self.gate.bias, gate_bias)

    def forward(self, x: Tensor) -> Tensor:
        """Mix the transformed and the carried input by the gate."""
        gate = torch.sigmoid(self.gate(x))
        return torch.relu(self.transform(x)) * gate + x * (1 - gate)


def build_highway_network(
    in_features: int = 16, hidden_features: int = 32, out_features: int = 4, depth: int = 4, gate_bias: float = -2.0
) -> nn.Sequential:
    """Highway network: a Linear projection, ``depth`` highway layers, a Linear readout.

    Srivastava, Greff, Schmidhuber (2015), "Highway Networks", arXiv:1505.00387 (and "Training Very
    Deep Networks", NeurIPS, arXiv:1507.06228). A negative gate bias (−1 to −3 in the paper) starts
    every layer close to carrying its input, so deep stacks train.
    """
    layers = [HighwayLayer(hidden_features, gate_bias) for _ in range(depth)]
    return nn.Sequential(nn.Linear(in_features, hidden_features), *layers, nn.Linear(hidden_features, out_features))


class SiameseNetwork(nn.Module):
    """Two inputs through one shared encoder; the output is the cosine distance ``1 − cos(f(x₁), f(x₂))``.

    Bromley, Guyon, LeCun, Säckinger, Shah (1993), "Signature Verification using a 'Siamese' Time
    Delay Neural Network", NeurIPS 6. Sharing the weights makes the distance symmetric and zero
    between an input and itself. The encoder is an MLP (the paper's is a time-delay network).
    """

    def __init__(self, in_features: int = 16, hidden_features: int = 32, embedding_dim: int = 8) -> None:
        super().__init__()
        self.encoder = build_mlp(in_features, hidden_features, embedding_dim)

    def forward(self, first: Tensor, second: Tensor) -> Tensor:
        """Distances ``[B]``."""
        return 1 - nn.functional.cosine_similarity(self.encoder(first), self.encoder(second), dim=-1)


class DeepSets(nn.Module):
    """A permutation-invariant set function ``ρ(Σ_i φ(x_i))``, with MLPs φ and ρ.

    Zaheer, Kottur, Ravanbakhsh, Póczos, Salakhutdinov, Smola (2017), "Deep Sets", NeurIPS,
    arXiv:1703.06114. The sum over elements makes the output independent of their order.
    """

    def __init__(self, in_features: int = 3, hidden_features: int = 32, out_features: int = 4) -> None:
        super().__init__()
        self.phi = build_mlp(in_features, hidden_features, hidden_features)
        self.rho = build_mlp(hidden_features, hidden_features, out_features)

    def forward(self, elements: Tensor) -> Tensor:
        """Sets ``[B, N, in_features]`` → ``[B, out_features]``."""
        return self.rho(self.phi(elements).sum(dim=1))  # type: ignore[no-any-return]


class NeuMF(nn.Module):
    """Neural matrix factorisation: a GMF branch (``p_u ⊙ q_i``) beside an MLP tower, fused by a sigmoid output unit.

    He, Liao, Zhang, Nie, Hu, Chua (2017), "Neural Collaborative Filtering", WWW,
    arXiv:1708.05031. The tower halves its width each layer down to ``factors`` (the predictive
    factors); the output is the predicted interaction probability ``ŷ_ui``.
    """

    def __init__(self, num_users: int = 50, num_items: int = 40, factors: int = 8, mlp_layers: int = 2) -> None:
        super().__init__()
        self.gmf_user, self.gmf_item = nn.Embedding(num_users, factors), nn.Embedding(num_items, factors)
        width = factors * 2 ** (mlp_layers - 1)
        self.mlp_user, self.mlp_item = nn.Embedding(num_users, width), nn.Embedding(num_items, width)
        tower: list[nn.Module] = []
        for layer in range(mlp_layers):
            tower += [nn.Linear(2 * width // 2**layer, width // 2**layer), nn.ReLU()]
        self.tower = nn.Sequential(*tower)
        self.output = nn.Linear(2 * factors, 1)

    def forward(self, users: Tensor, items: Tensor) -> Tensor:
        """Interaction probabilities ``[B]`` of user and item ids ``[B]``."""
        gmf = self.gmf_user(users) * self.gmf_item(items)
        mlp = self.tower(torch.cat([self.mlp_user(users), self.mlp_item(items)], dim=-1))
        return torch.sigmoid(self.output(torch.cat([gmf, mlp], dim=-1))).squeeze(-1)


class ComplexLinear(nn.Module):
    """``z ↦ W z + b`` with complex ``W = A + iB`` (stored as real A, B), i.e. ``(A x − B y) + i(B x + A y)`` for ``z = x + iy``."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        bound = (2 * in_features) ** -0.5
        self.weight_real, self.weight_imag = (nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound)) for _ in "ri")
        self.bias_real, self.bias_imag = (nn.Parameter(torch.zeros(out_features)) for _ in "ri")

    def forward(self, z: Tensor) -> Tensor:
        """Complex ``[..., in]`` → complex ``[..., out]``."""
        weight, bias = torch.complex(self.weight_real, self.weight_imag), torch.complex(self.bias_real, self.bias_imag)
        return z @ weight.T + bias


class ModReLU(nn.Module):
    """``modReLU(z) = ReLU(|z| + b) · z / |z|``: thresholds the modulus, keeps the phase (one real bias per unit).

    Arjovsky, Shah, Bengio (2016), "Unitary Evolution Recurrent Neural Networks", ICML, arXiv:1511.06464.
    """

    def __init__(self, features: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.empty(features).uniform_(-0.01, 0.01))

    def forward(self, z: Tensor) -> Tensor:
        """Rescale each complex unit by ``ReLU(|z| + b) / |z|``."""
        modulus = z.abs()
        return z * (torch.relu(modulus + self.bias) / modulus.clamp_min(1e-12))


class ComplexValuedNetwork(nn.Module):
    """ComplexLinear → modReLU → ComplexLinear on complex vectors given as real ``[B, in_features, 2]`` (real, imaginary).

    Trabelsi et al. (2018), "Deep Complex Networks", ICLR, arXiv:1705.09792 (complex layers);
    modReLU from Arjovsky et al. (2016). Returns the complex output as real ``[B, out_features, 2]``.
    """

    def __init__(self, in_features: int = 8, hidden_features: int = 16, out_features: int = 4) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            ComplexLinear(in_features, hidden_features), ModReLU(hidden_features), ComplexLinear(hidden_features, out_features)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Real pairs in, real pairs out."""
        return torch.view_as_real(self.layers(torch.view_as_complex(x.contiguous())))


class QuaternionLinear(nn.Module):
    """``q ↦ W ⊗ q + b``: quaternion weights ``W = r + x i + y j + z k`` applied by the Hamilton product.

    Parcollet et al. (2019), "Quaternion Recurrent Neural Networks", ICLR, arXiv:1806.04418.
    Features are laid out ``[r | i | j | k]`` (``4 × in_features`` reals); one quaternion weight
    holds 4 reals where a real layer of the same width needs 16.
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        bound = (4 * in_features) ** -0.5
        self.r, self.i, self.j, self.k = (nn.Parameter(torch.empty(out_features, in_features).uniform_(-bound, bound)) for _ in "rijk")
        self.bias = nn.Parameter(torch.zeros(4 * out_features))

    def hamilton_matrix(self) -> Tensor:
        """The real ``[4·out, 4·in]`` matrix of left multiplication by ``W``."""
        r, i, j, k = self.r, self.i, self.j, self.k
        rows = [(r, -i, -j, -k), (i, r, -k, j), (j, k, r, -i), (k, -j, i, r)]
        return torch.cat([torch.cat(row, dim=1) for row in rows], dim=0)

    def forward(self, q: Tensor) -> Tensor:
        """``[..., 4·in]`` → ``[..., 4·out]``."""
        return nn.functional.linear(q, self.hamilton_matrix(), self.bias)


def build_quaternion_network(in_features: int = 4, hidden_features: int = 8, out_features: int = 2) -> nn.Sequential:
    """QuaternionLinear → split (component-wise) ReLU → QuaternionLinear; widths count quaternions (Parcollet et al. 2019)."""
    return nn.Sequential(QuaternionLinear(in_features, hidden_features), nn.ReLU(), QuaternionLinear(hidden_features, out_features))


def paired_features(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Two batches of 4 feature vectors (for a Siamese pair)."""
    width = int(args["in_features"])
    return torch.randn(4, width), torch.randn(4, width)


def feature_sets(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Four sets of 10 elements ``[4, 10, in_features]``."""
    return (torch.randn(4, 10, int(args["in_features"])),)


def user_item_pairs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """User and item ids ``[8]``."""
    return torch.randint(0, int(args["num_users"]), (8,)), torch.randint(0, int(args["num_items"]), (8,))


def complex_features(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Four complex vectors as real pairs ``[4, in_features, 2]``."""
    return (torch.randn(4, int(args["in_features"]), 2),)


def quaternion_features(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Four quaternion vectors ``[4, 4·in_features]``."""
    return (torch.randn(4, 4 * int(args["in_features"])),)


def batch_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """``[batch]``: one number per example (a distance, a probability)."""
    return (int(inputs[0].shape[0]),)


def complex_output_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """``[batch, out_features, 2]``."""
    return (int(inputs[0].shape[0]), int(args["out_features"]), 2)


def quaternion_output_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """``[batch, 4·out_features]``."""
    return (int(inputs[0].shape[0]), 4 * int(args["out_features"]))
