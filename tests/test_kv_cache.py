"""KVCache: appending, and prefill + one-token decode == full causal forward (float64, 1e-10)."""

import pytest
import torch
from attention_configs import CONFIG_NAMES, CONFIGS, TOL, make

from qkvlib import KVCache


def test_empty_cache_has_seq_len_zero():
    assert KVCache().seq_len == 0


def test_update_appends_along_the_sequence_axis():
    cache = KVCache()
    k1, v1 = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 4, 5)
    k2, v2 = torch.randn(2, 3, 1, 5), torch.randn(2, 3, 1, 5)
    cache.update(k1, v1)
    k_all, v_all = cache.update(k2, v2)
    assert cache.seq_len == 5
    assert torch.equal(k_all, torch.cat([k1, k2], dim=2))
    assert torch.equal(v_all, torch.cat([v1, v2], dim=2))


def test_reset_empties_the_cache():
    cache = KVCache()
    cache.update(torch.randn(1, 1, 3, 2), torch.randn(1, 1, 3, 2))
    cache.reset()
    assert cache.seq_len == 0 and cache.k is None and cache.v is None


def test_cache_stores_kv_heads_not_repeated_query_heads():
    m = make(32, 8, 2)
    cache = KVCache()
    m(torch.randn(1, 5, 32, dtype=torch.float64), is_causal=True, kv_cache=cache)
    assert cache.k.shape == (1, 2, 5, 4)  # (B, h_kv, S, d)


@pytest.mark.parametrize(CONFIG_NAMES, CONFIGS)
def test_prefill_then_one_token_decode_equals_full_causal_forward_float64(
    d_model, num_heads, num_kv_heads, head_dim
):
    m = make(d_model, num_heads, num_kv_heads, head_dim)
    x = torch.randn(2, 7, d_model, dtype=torch.float64)
    full = m(x, is_causal=True)
    cache = KVCache()
    P = 3
    outs = [m(x[:, :P], is_causal=True, kv_cache=cache)]  # prefill
    for t in range(P, 7):
        outs.append(m(x[:, t : t + 1], is_causal=True, kv_cache=cache))  # decode one token
    assert cache.seq_len == 7
    assert (torch.cat(outs, dim=1) - full).abs().max() < TOL


def test_decode_in_chunks_of_two_tokens_equals_full_causal_forward_float64():
    m = make(32, 8, 2)
    x = torch.randn(1, 8, 32, dtype=torch.float64)
    cache = KVCache()
    outs = [m(x[:, t : t + 2], is_causal=True, kv_cache=cache) for t in range(0, 8, 2)]
    assert (torch.cat(outs, dim=1) - m(x, is_causal=True)).abs().max() < TOL


def test_decode_step_weights_cover_all_cached_positions():
    m = make(32, 4)
    cache = KVCache()
    x = torch.randn(1, 5, 32, dtype=torch.float64)
    m(x[:, :4], is_causal=True, kv_cache=cache)
    _, w = m(x[:, 4:], is_causal=True, kv_cache=cache, return_weights=True)
    assert w.shape == (1, 4, 1, 5)  # (B, h, T=1, S=5)
    assert torch.allclose(w.sum(-1), torch.ones(1, 4, 1, dtype=torch.float64))
