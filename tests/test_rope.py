"""RoPE: apply_rope (half layout), the interleaved layout, and the row permutation between them.

Float64 throughout. qkvlib against its own float64 formulas (complex multiplication,
explicit 2x2 rotations): 1e-12, since both compute angles and products in float64 and differ
only in the order of a few roundings.
"""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from qkvlib import apply_rope, apply_rope_interleaved, interleaved_to_half, rope_angles

TOL = 1e-12  # float64, same formulas evaluated in a different order
FAST = settings(max_examples=25, deadline=None)


def randn(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, dtype=torch.float64, generator=g)


def rope_complex(x, positions, theta=10000.0):
    """Reference: pair (i, i + d/2) as the complex number x_i + i x_{i+d/2}, times e^{i angle}."""
    d = x.shape[-1]
    inv_freq = torch.tensor([theta ** (-2 * i / d) for i in range(d // 2)], dtype=torch.float64)
    angles = positions.to(torch.float64)[..., None] * inv_freq
    z = torch.complex(x[..., : d // 2], x[..., d // 2 :]) * torch.polar(
        torch.ones_like(angles), angles
    )
    return torch.cat([z.real, z.imag], dim=-1)


def test_angles_follow_position_times_theta_power():
    a = rope_angles(torch.tensor([3]), head_dim=8, theta=10000.0)
    expected = [3 * 10000.0 ** (-2 * i / 8) for i in range(4)]
    assert a.dtype == torch.float64
    assert a[0].tolist() == pytest.approx(expected, rel=1e-15)


def test_position_zero_is_the_identity():
    x = randn(5, 8)
    assert torch.equal(apply_rope(x, torch.zeros(5, dtype=torch.long)), x)  # cos 0 = 1, sin 0 = 0


def test_apply_rope_equals_complex_multiplication_float64():
    x = randn(2, 3, 7, 16)
    pos = torch.arange(7) * 5
    assert (apply_rope(x, pos, theta=500.0) - rope_complex(x, pos, theta=500.0)).abs().max() < TOL


def test_interleaved_equals_explicit_2x2_rotations_float64():
    x = randn(4, 6)
    pos = torch.tensor([0, 1, 2, 7])
    out = torch.empty_like(x)
    for t in range(4):
        for i in range(3):
            a = pos[t].item() * 10000.0 ** (-2 * i / 6)
            c, s = math.cos(a), math.sin(a)
            x0, x1 = x[t, 2 * i].item(), x[t, 2 * i + 1].item()
            out[t, 2 * i], out[t, 2 * i + 1] = c * x0 - s * x1, s * x0 + c * x1
    assert (apply_rope_interleaved(x, pos) - out).abs().max() < TOL


def test_batched_positions_rotate_each_sequence_by_its_own_positions():
    x = randn(2, 4, 5, 8)  # (B, h, T, d)
    pos = torch.stack([torch.arange(5), torch.arange(5) + 100])  # (B, T)
    out = apply_rope(x, pos)
    assert torch.equal(out[0], apply_rope(x[0], pos[0]))
    assert torch.equal(out[1], apply_rope(x[1], pos[1]))


def test_rope_keeps_dtype_and_shape_float32():
    x = randn(2, 5, 8).float()
    out = apply_rope(x, torch.arange(5))
    assert out.dtype == torch.float32 and out.shape == x.shape


def test_interleaved_to_half_makes_the_two_layouts_give_the_same_scores():
    h, d, C, T = 2, 8, 12, 6
    w_q, w_k, x = randn(h * d, C, seed=1), randn(h * d, C, seed=2), randn(T, C, seed=3)
    pos = torch.arange(T)

    def scores(w_q, w_k, rope):
        q = (x @ w_q.T).view(T, h, d).transpose(0, 1)  # (h, T, d)
        k = (x @ w_k.T).view(T, h, d).transpose(0, 1)
        return rope(q, pos) @ rope(k, pos).transpose(-2, -1)  # (h, T, T)

    inter = scores(w_q, w_k, apply_rope_interleaved)
    half = scores(interleaved_to_half(w_q, h), interleaved_to_half(w_k, h), apply_rope)
    unconverted = scores(w_q, w_k, apply_rope)
    assert (inter - half).abs().max() < 1e-12
    assert (inter - unconverted).abs().max() > 0.1  # without the permutation: wrong scores


def test_interleaved_to_half_moves_pair_members_to_i_and_i_plus_half():
    rows = torch.arange(6)  # one head, d = 6: pairs (0,1), (2,3), (4,5)
    assert interleaved_to_half(rows, num_heads=1).tolist() == [0, 2, 4, 1, 3, 5]


def test_interleaved_to_half_permutes_bias_and_weight_alike():
    w, b = randn(16, 4), randn(16)
    assert torch.equal(interleaved_to_half(w, 2)[:, 0], interleaved_to_half(w[:, 0], 2))
    assert torch.equal(interleaved_to_half(b, 4).sort().values, b.sort().values)


@FAST
@given(
    d=st.sampled_from([2, 4, 8, 16]),
    pos=st.lists(st.integers(-1000, 1000), min_size=1, max_size=6),
    seed=st.integers(0, 2**16),
)
def test_rotation_keeps_every_vector_norm(d, pos, seed):
    x = randn(len(pos), d, seed=seed)
    p = torch.tensor(pos)
    for rope in (apply_rope, apply_rope_interleaved):
        assert (rope(x, p).norm(dim=-1) - x.norm(dim=-1)).abs().max() < 1e-12


@FAST
@given(
    m=st.integers(0, 2000),
    n=st.integers(0, 2000),
    shift=st.integers(-500, 500),
    seed=st.integers(0, 2**16),
)
def test_score_of_rotated_q_and_k_depends_only_on_the_offset(m, n, shift, seed):
    q, k = randn(1, 16, seed=seed), randn(1, 16, seed=seed + 1)

    def score(a, b):
        return (apply_rope(q, torch.tensor([a])) @ apply_rope(k, torch.tensor([b])).T).item()

    assert score(m, n) == pytest.approx(score(m + shift, n + shift), abs=1e-9)


@pytest.mark.parametrize("rope", [apply_rope, apply_rope_interleaved])
def test_odd_head_dim_is_refused(rope):
    with pytest.raises(ValueError, match="d=7 must be even"):
        rope(torch.zeros(3, 7), torch.arange(3))


@pytest.mark.parametrize(
    "positions",
    [torch.arange(3.0), torch.ones(3, dtype=torch.bool), [0, 1, 2]],
    ids=["float", "bool", "list"],
)
def test_positions_must_be_an_integer_tensor(positions):
    with pytest.raises(TypeError, match="positions must"):
        apply_rope(torch.zeros(3, 4), positions)


@pytest.mark.parametrize(
    "positions",
    [torch.arange(4), torch.zeros(1, 1, 3, dtype=torch.long), torch.zeros(3, 3, dtype=torch.long)],
    ids=["wrong-T", "3-d", "wrong-B"],
)
def test_positions_of_the_wrong_shape_are_refused(positions):
    with pytest.raises(ValueError, match="positions of shape"):
        apply_rope(torch.zeros(2, 4, 3, 4), positions)


def test_theta_must_be_positive():
    with pytest.raises(ValueError, match="theta=0"):
        apply_rope(torch.zeros(3, 4), torch.arange(3), theta=0)


def test_interleaved_to_half_refuses_rows_that_are_not_heads_of_even_size():
    with pytest.raises(ValueError, match="num_heads=2 heads of an even head_dim"):
        interleaved_to_half(torch.zeros(6, 4), num_heads=2)
