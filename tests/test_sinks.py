"""Attention sinks (gpt-oss): one learned logit per head joins each softmax row, no value.

Float64; qkvlib against the formula written out here: 1e-12 (same operations, different order).
"""

import pytest
import torch

from qkvlib import KVCache, MultiHeadAttention, causal_mask, scaled_dot_product_attention

TOL = 1e-12


def randn(*shape, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, dtype=torch.float64, generator=g)


def test_sink_weights_equal_softmax_over_scores_and_the_sink_logit():
    q, k, v = randn(2, 3, 5, 4, seed=1), randn(2, 3, 6, 4, seed=2), randn(2, 3, 6, 4, seed=3)
    sinks = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    out, w = scaled_dot_product_attention(q, k, v, sinks=sinks)
    scores = q @ k.transpose(-2, -1) / 2.0  # sqrt(d) = 2
    e, e_sink = scores.exp(), sinks.exp()[:, None, None]  # e_sink (h, 1, 1)
    expected = e / (e.sum(-1, keepdim=True) + e_sink)
    assert (w - expected).abs().max() < TOL
    assert (out - expected @ v).abs().max() < TOL


def test_rows_sum_to_one_minus_the_sink_share():
    q, k, v = randn(1, 2, 4, 8, seed=4), randn(1, 2, 4, 8, seed=5), randn(1, 2, 4, 8, seed=6)
    _, w = scaled_dot_product_attention(q, k, v, sinks=torch.zeros(2, dtype=torch.float64))
    assert bool((w.sum(-1) < 1).all()) and bool((w.sum(-1) > 0).all())


def test_very_negative_sink_changes_nothing():
    q, k, v = randn(1, 2, 4, 8, seed=7), randn(1, 2, 4, 8, seed=8), randn(1, 2, 4, 8, seed=9)
    plain, _ = scaled_dot_product_attention(q, k, v, is_causal=True)
    sunk, _ = scaled_dot_product_attention(
        q, k, v, is_causal=True, sinks=torch.full((2,), -1e4, dtype=torch.float64)
    )
    assert (plain - sunk).abs().max() < TOL


def test_fully_masked_row_gives_all_weight_to_the_sink_and_zero_output():
    q, k, v = randn(1, 1, 2, 4), randn(1, 1, 3, 4), randn(1, 1, 3, 4)
    mask = torch.tensor([[False, False, False], [True, True, True]])
    out, w = scaled_dot_product_attention(q, k, v, mask=mask, sinks=torch.zeros(1).double())
    assert w[0, 0, 0].tolist() == [0.0, 0.0, 0.0]
    assert out[0, 0, 0].abs().max() == 0.0
    assert not torch.isnan(out).any()


def test_module_sinks_are_one_zero_initialised_parameter_per_query_head():
    m = MultiHeadAttention(32, num_heads=8, num_kv_heads=2, sinks=True)
    assert m.sinks is not None and m.sinks.shape == (8,)
    assert m.sinks.abs().max() == 0.0
    assert "sinks" in dict(m.named_parameters())


def test_module_with_sinks_decodes_like_its_full_causal_forward_float64():
    torch.manual_seed(0)
    m = MultiHeadAttention(32, 8, 2, rope_theta=10000.0, sinks=True).double()
    with torch.no_grad():
        m.sinks.copy_(torch.linspace(-2, 2, 8))
    x = randn(2, 7, 32)
    full = m(x, is_causal=True)
    cache = KVCache()
    steps = [m(x[:, :3], is_causal=True, kv_cache=cache)]
    steps += [m(x[:, t : t + 1], is_causal=True, kv_cache=cache) for t in range(3, 7)]
    assert (torch.cat(steps, dim=1) - full).abs().max() < 1e-10


def test_module_sinks_enter_the_attention_call():
    torch.manual_seed(0)
    m = MultiHeadAttention(16, 4, sinks=True).double()
    with torch.no_grad():
        m.sinks.fill_(3.0)
    x = randn(1, 5, 16)
    _, w = m(x, is_causal=True, return_weights=True)
    q = m.q_proj(x).view(1, 5, 4, 4).transpose(1, 2)
    k = m.k_proj(x).view(1, 5, 4, 4).transpose(1, 2)
    v = m.v_proj(x).view(1, 5, 4, 4).transpose(1, 2)
    _, expected = scaled_dot_product_attention(q, k, v, mask=causal_mask(5), sinks=m.sinks)
    assert (w - expected).abs().max() < TOL
    assert bool((w.sum(-1) < 1).all())


def test_sinks_that_do_not_fit_the_heads_are_refused():
    q = torch.zeros(1, 3, 2, 4)
    with pytest.raises(ValueError, match=r"sinks of shape \(4,\)"):
        scaled_dot_product_attention(q, q, q, sinks=torch.zeros(4))


def test_sinks_must_match_the_dtype_of_q():
    q = torch.zeros(1, 2, 2, 4)
    with pytest.raises(TypeError, match="dtypes differ"):
        scaled_dot_product_attention(q, q, q, sinks=torch.zeros(2, dtype=torch.float64))


def test_sinks_flag_must_be_a_bool():
    with pytest.raises(TypeError, match="sinks must be a bool"):
        MultiHeadAttention(16, 4, sinks=1)
