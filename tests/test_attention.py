"""scaled_dot_product_attention equals torch.nn.functional.scaled_dot_product_attention.

All comparisons in float64 with max abs difference < 1e-10.
"""

import math

import pytest
import torch
import torch.nn.functional as F

from qkvlib import causal_mask, padding_mask, repeat_kv, scaled_dot_product_attention, softmax

TOL = 1e-10  # float64
B, H, T, S, D = 2, 3, 5, 7, 8


def qkv(t=T, s=S, h=H, h_kv=None, d=D, d_v=D, seed=0):
    g = torch.Generator().manual_seed(seed)
    h_kv = h if h_kv is None else h_kv
    q = torch.randn(B, h, t, d, dtype=torch.float64, generator=g)
    k = torch.randn(B, h_kv, s, d, dtype=torch.float64, generator=g)
    v = torch.randn(B, h_kv, s, d_v, dtype=torch.float64, generator=g)
    return q, k, v


def max_diff(a, b):
    return (a - b).abs().max().item()


def test_sdpa_without_mask_matches_torch_float64():
    q, k, v = qkv()
    out, _ = scaled_dot_product_attention(q, k, v)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v)) < TOL


def test_sdpa_is_causal_matches_torch_float64():
    q, k, v = qkv(s=T)
    out, _ = scaled_dot_product_attention(q, k, v, is_causal=True)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, is_causal=True)) < TOL


def test_sdpa_causal_mask_rectangular_matches_torch_with_same_explicit_mask_float64():
    q, k, v = qkv(t=3, s=7)
    mask = causal_mask(3, 7)  # bottom-right
    out, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask)) < TOL


def test_sdpa_bool_mask_matches_torch_float64():
    q, k, v = qkv()
    g = torch.Generator().manual_seed(1)
    mask = torch.rand(B, H, T, S, generator=g) > 0.4
    mask[..., 0] = True  # keep every row non-empty
    out, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask)) < TOL


def test_sdpa_padding_mask_matches_torch_float64():
    q, k, v = qkv()
    mask = padding_mask([S, 3], S)[:, None, None, :]  # (B, 1, 1, S)
    out, w = scaled_dot_product_attention(q, k, v, mask=mask)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask)) < TOL
    assert w[1, :, :, 3:].abs().max().item() == 0.0  # padded keys get no weight


def test_sdpa_padding_and_causal_mask_matches_torch_float64():
    q, k, v = qkv(s=T)
    mask = padding_mask([T, 2], T)[:, None, None, :] & causal_mask(T)  # (B, 1, T, T)
    out, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask)) < TOL


def test_sdpa_float_mask_matches_torch_float64():
    q, k, v = qkv()
    g = torch.Generator().manual_seed(2)
    mask = torch.randn(T, S, dtype=torch.float64, generator=g)  # added to the scores
    out, _ = scaled_dot_product_attention(q, k, v, mask=mask)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask)) < TOL


def test_sdpa_float_mask_with_minus_inf_equals_bool_mask_float64():
    q, k, v = qkv(s=T)
    allowed = causal_mask(T)
    additive = torch.zeros(T, T, dtype=torch.float64).masked_fill(~allowed, float("-inf"))
    out_bool, _ = scaled_dot_product_attention(q, k, v, mask=allowed)
    out_float, _ = scaled_dot_product_attention(q, k, v, mask=additive)
    assert max_diff(out_bool, out_float) < TOL


def test_sdpa_custom_scale_matches_torch_float64():
    q, k, v = qkv()
    out, _ = scaled_dot_product_attention(q, k, v, scale=0.3)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, scale=0.3)) < TOL


def test_sdpa_default_scale_is_one_over_sqrt_head_dim_float64():
    q, k, v = qkv()
    out_default, _ = scaled_dot_product_attention(q, k, v)
    out_explicit, _ = scaled_dot_product_attention(q, k, v, scale=1 / math.sqrt(D))
    assert max_diff(out_default, out_explicit) < TOL


def test_sdpa_value_head_size_may_differ_from_key_head_size_float64():
    q, k, v = qkv(d_v=5)
    out, w = scaled_dot_product_attention(q, k, v)
    assert out.shape == (B, H, T, 5) and w.shape == (B, H, T, S)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v)) < TOL


def test_sdpa_gqa_with_repeat_kv_matches_torch_enable_gqa_float64():
    q, k, v = qkv(h=6, h_kv=2)
    out, _ = scaled_dot_product_attention(
        q, repeat_kv(k, 3), repeat_kv(v, 3), mask=causal_mask(T, S)
    )
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=causal_mask(T, S), enable_gqa=True)
    assert max_diff(out, ref) < TOL


def test_sdpa_weights_equal_softmax_of_scaled_scores_float64():
    q, k, v = qkv()
    _, w = scaled_dot_product_attention(q, k, v)
    expected = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(D), dim=-1)
    assert max_diff(w, expected) < TOL


def test_sdpa_output_is_weights_times_values_float64():
    q, k, v = qkv()
    out, w = scaled_dot_product_attention(q, k, v, mask=causal_mask(T, S))
    assert max_diff(out, w @ v) < TOL


def test_sdpa_weight_rows_sum_to_one():
    q, k, v = qkv()
    _, w = scaled_dot_product_attention(q, k, v, mask=causal_mask(T, S))
    assert torch.allclose(w.sum(-1), torch.ones(B, H, T, dtype=torch.float64))


def test_sdpa_fully_masked_row_gives_zero_weights_and_zero_output():
    q, k, v = qkv()
    mask = torch.ones(T, S, dtype=torch.bool)
    mask[1] = False  # query 1 may attend to nothing
    out, w = scaled_dot_product_attention(q, k, v, mask=mask)
    assert not out.isnan().any()
    assert w[..., 1, :].abs().max().item() == 0.0
    assert out[..., 1, :].abs().max().item() == 0.0
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask)) < TOL


def test_sdpa_accepts_unbatched_three_dimensional_input_float64():
    q, k, v = (t[0] for t in qkv())  # (h, T, d)
    out, _ = scaled_dot_product_attention(q, k, v)
    assert max_diff(out, F.scaled_dot_product_attention(q, k, v)) < TOL


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_sdpa_keeps_input_dtype(dtype):
    q, k, v = (t.to(dtype) for t in qkv())
    out, w = scaled_dot_product_attention(q, k, v, mask=torch.zeros(T, S, dtype=torch.float64))
    assert out.dtype == dtype and w.dtype == dtype


def test_softmax_is_used_for_the_weights():
    q, k, v = qkv()
    _, w = scaled_dot_product_attention(q, k, v, scale=1.0)
    assert torch.equal(w, softmax(q @ k.transpose(-2, -1)))
