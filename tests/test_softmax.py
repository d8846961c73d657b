"""softmax: agrees with torch where torch is finite; zeros for fully masked rows; no overflow."""

import math

import torch

from qkvlib import softmax

INF = float("inf")


def test_softmax_matches_torch_softmax_float64():
    x = torch.randn(4, 7, 9, dtype=torch.float64)
    for dim in (0, 1, -1):
        assert torch.allclose(softmax(x, dim=dim), torch.softmax(x, dim=dim), atol=1e-14, rtol=0)


def test_softmax_rows_sum_to_one():
    x = torch.randn(6, 10, dtype=torch.float64)
    assert torch.allclose(softmax(x).sum(-1), torch.ones(6, dtype=torch.float64))


def test_softmax_of_fully_masked_row_is_zeros_not_nan():
    x = torch.tensor([[-INF, -INF, -INF], [0.0, -INF, 1.0]])
    out = softmax(x)
    assert out[0].tolist() == [0.0, 0.0, 0.0]
    assert not out.isnan().any()
    assert torch.softmax(x, dim=-1)[0].isnan().all()  # what we avoid


def test_softmax_of_large_logits_does_not_overflow():
    x = torch.tensor([1e4, 1e4 - 1.0, -1e4])  # exp(1e4) overflows even float64
    out = softmax(x)
    assert torch.isfinite(out).all()
    assert math.isclose(out[0].item(), 1 / (1 + math.exp(-1)), rel_tol=1e-6)
    assert out[2].item() == 0.0


def test_softmax_is_shift_invariant():
    x = torch.randn(3, 5, dtype=torch.float64)
    assert torch.allclose(softmax(x), softmax(x + 1000.0), atol=1e-14)


def test_softmax_keeps_shape_and_dtype():
    x = torch.randn(2, 3, 4, dtype=torch.float16)
    out = softmax(x, dim=1)
    assert out.shape == x.shape and out.dtype == torch.float16
