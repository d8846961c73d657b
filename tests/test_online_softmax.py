"""online_softmax_attention equals scaled_dot_product_attention and never builds T x S.

float64 throughout: the tiled sum rescales partial sums by exp(m_old - m_new), the same
algebra in another order, so the two agree to ~1e-15; 1e-12 leaves room and still fails on
any real mistake (a missing rescale is off by O(1)).
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from qkvlib import causal_mask, online_softmax_attention, scaled_dot_product_attention

TOL = 1e-12  # float64
FAST = settings(max_examples=30, deadline=None)


def qkv(T: int, S: int, d: int = 8, d_v: int = 5, batch: tuple[int, ...] = (2, 3), seed=0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(*batch, T, d, generator=g, dtype=torch.float64) * 2
    k = torch.randn(*batch, S, d, generator=g, dtype=torch.float64) * 2
    v = torch.randn(*batch, S, d_v, generator=g, dtype=torch.float64)
    return q, k, v


@FAST
@given(
    T=st.integers(1, 13),
    S=st.integers(1, 13),
    block_size=st.integers(1, 14),
    masking=st.sampled_from(["none", "causal", "bool", "float", "bottom-right"]),
    seed=st.integers(0, 2**16),
)
def test_online_softmax_equals_sdpa(T, S, block_size, masking, seed):
    if masking == "causal":
        S = T  # is_causal needs T == S, as in scaled_dot_product_attention
    if masking == "bottom-right":
        S = max(S, T)
    q, k, v = qkv(T, S, seed=seed)
    g = torch.Generator().manual_seed(seed)
    kwargs: dict = {}
    if masking == "causal":
        kwargs["is_causal"] = True
    elif masking == "bool":  # some rows may end up fully masked
        kwargs["mask"] = torch.rand(T, S, generator=g) < 0.6
    elif masking == "float":
        kwargs["mask"] = torch.randn(3, T, S, generator=g, dtype=torch.float64)
    elif masking == "bottom-right":
        kwargs["mask"] = causal_mask(T, S)
    expected, _ = scaled_dot_product_attention(q, k, v, **kwargs)
    got = online_softmax_attention(q, k, v, block_size=block_size, **kwargs)
    assert got.shape == expected.shape
    assert (got - expected).abs().max() < TOL


@pytest.mark.parametrize("block_size", [1, 3, 7, 64])
def test_odd_block_sizes_equal_sdpa_with_t_different_from_s(block_size):
    q, k, v = qkv(T=10, S=17)
    expected, _ = scaled_dot_product_attention(q, k, v)
    got = online_softmax_attention(q, k, v, block_size=block_size)
    assert (got - expected).abs().max() < TOL


def test_large_logits_do_not_overflow():
    q, k, v = qkv(T=6, S=9)
    expected, _ = scaled_dot_product_attention(q * 300, k * 300, v)
    got = online_softmax_attention(q * 300, k * 300, v, block_size=4)
    assert torch.isfinite(got).all()
    assert (got - expected).abs().max() < TOL


def test_fully_masked_row_gives_zero_output_not_nan():
    q, k, v = qkv(T=3, S=5)
    mask = torch.ones(3, 5, dtype=torch.bool)
    mask[1] = False
    got = online_softmax_attention(q, k, v, block_size=2, mask=mask)
    assert torch.equal(got[..., 1, :], torch.zeros_like(got[..., 1, :]))  # exactly 0 / 1
    assert torch.isfinite(got).all()


def test_broadcast_leading_axes_like_sdpa():
    q, _, _ = qkv(T=4, S=6, batch=(2, 3))
    _, k, v = qkv(T=4, S=6, batch=(1, 3), seed=1)
    expected, _ = scaled_dot_product_attention(q, k, v)
    assert (online_softmax_attention(q, k, v, block_size=4) - expected).abs().max() < TOL


def largest_saved_table(fn) -> int:
    """Largest (rows x columns) of any tensor autograd saves while ``fn`` runs.

    Every intermediate that feeds a matmul, exp or softmax is saved for the backward pass, so
    a (T, S) score or weight table, if one were built, would show up here.
    """
    largest = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal largest
        if t.ndim >= 2:
            largest = max(largest, t.shape[-2] * t.shape[-1])
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return largest


@pytest.mark.parametrize("is_causal", [False, True])
def test_no_t_by_s_table_is_ever_built(is_causal):
    T = S = 64
    q, k, v = (t.requires_grad_() for t in qkv(T, S, d=4, d_v=4, batch=(1,)))
    full = largest_saved_table(lambda: scaled_dot_product_attention(q, k, v, is_causal=is_causal))
    tiled = largest_saved_table(
        lambda: online_softmax_attention(q, k, v, block_size=8, is_causal=is_causal)
    )
    assert full >= T * S  # the detector sees the table when there is one
    assert tiled <= 8 * 8  # tiles of 8 queries x 8 keys, never T x S


def count_score_tiles(**kwargs) -> int:
    """How many (8 x 8) score tiles online_softmax_attention computes for T = S = 32."""
    q, k, v = (t.requires_grad_() for t in qkv(T=32, S=32, batch=(1,)))
    tiles = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal tiles
        tiles += (
            tuple(t.shape[-2:]) == (8, 8) and t.grad_fn is not None and "Exp" in t.grad_fn.name()
        )
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        online_softmax_attention(q, k, v, block_size=8, **kwargs)
    return tiles


def test_causal_skips_tiles_above_the_diagonal():
    assert count_score_tiles() == 16  # 4 x 4 tiles of 8 queries x 8 keys
    assert count_score_tiles(is_causal=True) == 4 + 3 + 2 + 1  # on or below the diagonal


# Errors, each raised by qkvlib and naming the offending values


def test_zero_block_size_is_a_value_error():
    q, k, v = qkv(4, 4)
    with pytest.raises(ValueError, match=r"block_size=0 must be >= 1"):
        online_softmax_attention(q, k, v, block_size=0)


def test_float_block_size_is_a_type_error():
    q, k, v = qkv(4, 4)
    with pytest.raises(TypeError, match=r"block_size must be an int, got float 2.0"):
        online_softmax_attention(q, k, v, block_size=2.0)


def test_mismatched_head_sizes_are_a_value_error():
    q, _, _ = qkv(4, 4, d=8)
    _, k, v = qkv(4, 4, d=6)
    with pytest.raises(
        ValueError, match=r"q and k head sizes differ: .*\(q \(2, 3, 4, 8\), k \(2, 3, 4, 6\)\)"
    ):
        online_softmax_attention(q, k, v, block_size=2)


def test_is_causal_with_t_different_from_s_is_a_value_error():
    q, k, v = qkv(T=3, S=5)
    with pytest.raises(ValueError, match=r"T=3 != S=5 .*mask=causal_mask\(3, 5\)"):
        online_softmax_attention(q, k, v, block_size=2, is_causal=True)


def test_mask_that_does_not_fit_is_a_value_error():
    q, k, v = qkv(T=3, S=5)
    with pytest.raises(ValueError, match=r"mask of shape \(3, 3\)"):
        online_softmax_attention(q, k, v, block_size=2, mask=causal_mask(3))


def test_integer_queries_are_a_type_error():
    _, k, v = qkv(3, 3)
    with pytest.raises(
        TypeError, match=r"q must be a floating-point tensor, got dtype torch.int64"
    ):
        online_softmax_attention(torch.zeros(2, 3, 3, 8, dtype=torch.long), k, v, block_size=2)
