"""Normalizing flows: RealNVP invertibility, log-determinants against the autograd Jacobian, planar-flow invertibility."""

from __future__ import annotations

import torch
from torch.autograd.functional import jacobian

from implementations.architectures.generative_flow import PlanarFlow, RealNVP


def test_realnvp_inverse_undoes_forward() -> None:
    torch.manual_seed(0)
    flow, x = RealNVP(in_features=6), torch.randn(10, 6)
    assert torch.allclose(flow.inverse(flow(x)), x, atol=1e-5)
    assert torch.allclose(flow(flow.inverse(x)), x, atol=1e-5)


def test_realnvp_log_det_equals_the_log_det_of_the_autograd_jacobian() -> None:
    torch.manual_seed(0)
    flow = RealNVP(in_features=4, num_couplings=3).double()
    for x in torch.randn(3, 1, 4, dtype=torch.float64):
        full = jacobian(lambda v: flow(v)[0], x)[:, 0, :]
        assert torch.allclose(flow.forward_and_log_det(x)[1], torch.linalg.slogdet(full).logabsdet, atol=1e-10)


def test_realnvp_log_prob_is_the_base_density_plus_the_log_det() -> None:
    torch.manual_seed(0)
    flow, x = RealNVP(), torch.randn(5, 8)
    z, log_det = flow.forward_and_log_det(x)
    expected = (-0.5 * z**2 - 0.5 * torch.log(torch.tensor(2 * torch.pi))).sum(-1) + log_det
    assert torch.allclose(flow.log_prob(x), expected, atol=1e-5)


def test_planar_log_det_matches_the_jacobian_and_stays_invertible_for_any_u() -> None:
    torch.manual_seed(0)
    flow = PlanarFlow(in_features=3, num_layers=3).double()
    with torch.no_grad():
        flow.u.copy_(-5 * flow.w)  # wᵀu ≪ −1 would make an unconstrained map non-invertible
    assert ((flow.w * flow.constrained_u()).sum(-1) >= -1).all()
    for z in 3 * torch.randn(4, 1, 3, dtype=torch.float64):
        full = jacobian(lambda v: flow(v)[0], z)[:, 0, :]
        sign, log_abs = torch.linalg.slogdet(full)
        assert sign > 0
        assert torch.allclose(flow.forward_and_log_det(z)[1], log_abs, atol=1e-10)
    z = torch.randn(5, 3, dtype=torch.float64)
    base = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    assert torch.allclose(flow.sample_log_prob(z), base - flow.forward_and_log_det(z)[1])
