"""MultiHeadLatentAttention and LatentKVCache: qkvlib's own paths agree in float64 (1e-10).

Naive (per-head keys and values expanded from the latent) and absorbed (W_UK folded into the
query, W_UV applied after attention) forwards, full or decoded through a LatentKVCache, are
the same algebra in a different order: float64 rounding leaves ~1e-15, so 1e-10 is tight.
"""

from __future__ import annotations

import pytest
import torch

from qkvlib import (
    KVCache,
    LatentKVCache,
    MultiHeadLatentAttention,
    apply_rope,
    causal_mask,
    scaled_dot_product_attention,
)

TOL = 1e-10  # float64
SHAPES = dict(kv_lora_rank=12, qk_nope_head_dim=6, qk_rope_head_dim=4, v_head_dim=5)
Q_PATHS = [pytest.param(None, id="q_proj"), pytest.param(10, id="q_lora_rank=10")]


def make(q_lora_rank: int | None = None, seed: int = 0) -> MultiHeadLatentAttention:
    """A seeded float64 MLA module with non-trivial norm weights."""
    torch.manual_seed(seed)
    m = MultiHeadLatentAttention(32, 4, q_lora_rank=q_lora_rank, **SHAPES).double()
    for p in m.parameters():
        torch.nn.init.normal_(p, std=0.3)
    return m


def x_(B: int = 2, T: int = 7) -> torch.Tensor:
    return torch.randn(B, T, 32, dtype=torch.float64)


def test_parameter_names_are_those_of_deepseek_v3_attention():
    assert [n for n, _ in make(8).named_parameters()] == [
        "q_a_proj.weight",
        "q_a_layernorm.weight",
        "q_b_proj.weight",
        "kv_a_proj_with_mqa.weight",
        "kv_a_layernorm.weight",
        "kv_b_proj.weight",
        "o_proj.weight",
    ]


def test_projection_shapes_follow_the_latent_ranks():
    m = make(10)
    assert tuple(m.kv_a_proj_with_mqa.weight.shape) == (12 + 4, 32)  # C -> r + d_rope
    assert tuple(m.kv_b_proj.weight.shape) == (4 * (6 + 5), 12)  # r -> h*(d_nope + d_v)
    assert tuple(m.q_b_proj.weight.shape) == (4 * (6 + 4), 10)  # r_q -> h*d_qk
    assert tuple(m.o_proj.weight.shape) == (32, 4 * 5)  # h*d_v -> C


def test_softmax_scale_uses_nope_plus_rope_head_dim():
    assert make().scale == pytest.approx((6 + 4) ** -0.5)


def test_forward_shapes_and_weights_rows_sum_to_one():
    out, w = make()(x_(), is_causal=True, return_weights=True)
    assert out.shape == (2, 7, 32) and w.shape == (2, 4, 7, 7)
    assert torch.allclose(w.sum(-1), torch.ones(2, 4, 7, dtype=torch.float64))


@pytest.mark.parametrize("q_lora_rank", Q_PATHS)
def test_absorbed_forward_equals_naive_forward_float64(q_lora_rank):
    m, x = make(q_lora_rank), x_()
    naive, w_naive = m(x, is_causal=True, return_weights=True)
    absorbed, w_absorbed = m(x, is_causal=True, return_weights=True, absorb=True)
    assert (naive - absorbed).abs().max() < TOL
    assert (w_naive - w_absorbed).abs().max() < TOL


def test_absorbed_forward_equals_naive_forward_with_a_padding_mask():
    m, x = make(), x_()
    mask = torch.tensor([[True] * 7, [True] * 4 + [False] * 3])[:, None, None, :]
    assert (m(x, mask=mask) - m(x, mask=mask, absorb=True)).abs().max() < TOL


@pytest.mark.parametrize("q_lora_rank", Q_PATHS)
@pytest.mark.parametrize("absorb", [False, True], ids=["naive", "absorbed"])
def test_latent_cache_decode_equals_full_causal_forward_float64(q_lora_rank, absorb):
    m, x = make(q_lora_rank), x_()
    full = m(x, is_causal=True)
    cache = LatentKVCache()
    outs = [m(x[:, :3], is_causal=True, kv_cache=cache, absorb=absorb)]  # prefill 3
    for t in range(3, 7):  # then one token at a time
        outs.append(m(x[:, t : t + 1], is_causal=True, kv_cache=cache, absorb=absorb))
    assert cache.seq_len == 7
    assert (torch.cat(outs, dim=1) - full).abs().max() < TOL


def test_default_positions_continue_from_the_cache():
    m, x = make(), x_(T=5)
    cache = LatentKVCache()
    m(x[:, :3], is_causal=True, kv_cache=cache)
    step = m(x[:, 3:4], is_causal=True, kv_cache=cache)
    cache2 = LatentKVCache()
    m(x[:, :3], is_causal=True, kv_cache=cache2)
    explicit = m(x[:, 3:4], is_causal=True, kv_cache=cache2, positions=torch.tensor([3]))
    wrong = LatentKVCache()
    m(x[:, :3], is_causal=True, kv_cache=wrong)
    at_zero = m(x[:, 3:4], is_causal=True, kv_cache=wrong, positions=torch.tensor([0]))
    assert (step - explicit).abs().max() < TOL
    assert (step - at_zero).abs().max() > 1e-3


def test_scores_depend_on_relative_position_only():
    """RoPE on the rope halves: shifting every position by 5 leaves the output unchanged."""
    m, x = make(), x_()
    shifted = m(x, is_causal=True, positions=torch.arange(7) + 5)
    assert (m(x, is_causal=True) - shifted).abs().max() < TOL


def test_per_batch_positions_are_used_row_by_row():
    m, x = make(), x_()
    positions = torch.stack([torch.arange(7), torch.arange(7) * 2])  # (B, T)
    out = m(x, is_causal=True, positions=positions)
    row1 = m(x[1:], is_causal=True, positions=torch.arange(7) * 2)
    assert (out[1:] - row1).abs().max() < TOL


def test_naive_path_equals_explicit_per_head_attention():
    """The module is exactly: expand k_nope and v from the latent, share k_rope, attend."""
    m, x = make(), x_(B=1, T=5)
    cache = LatentKVCache()
    out = m(x, is_causal=True, kv_cache=cache)
    q = m.q_proj(x).view(1, 5, 4, 10).transpose(1, 2)  # (B, h, T, d_nope + d_rope)
    q_rope = torch.cat([q[..., 6::2], q[..., 7::2]], dim=-1)  # de-interleave the rope half
    w_uk, w_uv = m.up_proj_weights()  # (h, d_nope, r), (h, d_v, r)
    k_nope = cache.latent[:, None] @ w_uk.transpose(-2, -1)  # (B, h, S, d_nope)
    v = cache.latent[:, None] @ w_uv.transpose(-2, -1)  # (B, h, S, d_v)
    q = torch.cat([q[..., :6], apply_rope(q_rope, torch.arange(5))], dim=-1)
    k = torch.cat([k_nope, cache.k_rope[:, None].expand(1, 4, 5, 4)], dim=-1)
    o, _ = scaled_dot_product_attention(q, k, v, mask=causal_mask(5), scale=10**-0.5)
    expected = m.o_proj(o.transpose(1, 2).reshape(1, 5, 20))
    assert (out - expected).abs().max() < TOL


# LatentKVCache


def test_latent_cache_stores_latent_and_rope_key_only():
    m, cache = make(), LatentKVCache()
    m(x_(T=5), is_causal=True, kv_cache=cache)
    assert cache.latent.shape == (2, 5, 12)  # (B, S, kv_lora_rank)
    assert cache.k_rope.shape == (2, 5, 4)  # (B, S, qk_rope_head_dim)


def test_latent_cache_latent_is_normalised_but_rope_key_is_not():
    m, cache = make(), LatentKVCache()
    x = x_(T=5)
    m(x, is_causal=True, kv_cache=cache)
    c, k_rope = m.kv_a_proj_with_mqa(x).split([12, 4], dim=-1)
    assert (cache.latent - m.kv_a_layernorm(c)).abs().max() < TOL
    assert torch.allclose(cache.k_rope.norm(dim=-1), k_rope.norm(dim=-1))  # rotated only


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16])
def test_nbytes_is_rank_plus_rope_dim_times_positions_times_element_size(dtype):
    m, cache = make().to(dtype), LatentKVCache()
    x = x_(T=6).to(dtype)
    m(x[:, :4], is_causal=True, kv_cache=cache)
    m(x[:, 4:5], is_causal=True, kv_cache=cache)
    size = torch.tensor([], dtype=dtype).element_size()
    assert cache.nbytes() == 2 * (12 + 4) * 5 * size  # B * (r + d_rope) * S * bytes


def test_latent_cache_is_smaller_than_the_kv_cache_of_the_same_heads():
    m, cache = make(), LatentKVCache()
    m(x_(T=5), is_causal=True, kv_cache=cache)
    kv = KVCache()
    kv.update(
        torch.zeros(2, 4, 5, 10, dtype=torch.float64), torch.zeros(2, 4, 5, 5, dtype=torch.float64)
    )
    per_head_bytes = sum(t.numel() * t.element_size() for t in (kv.k, kv.v))
    assert cache.nbytes() * 3 < per_head_bytes  # (12 + 4) vs 4 * (10 + 5) per token


def test_reset_empties_the_latent_cache():
    cache = LatentKVCache()
    cache.update(torch.zeros(1, 3, 8), torch.zeros(1, 3, 2))
    cache.reset()
    assert (cache.seq_len, cache.nbytes(), cache.latent) == (0, 0, None)


# Errors, each raised by qkvlib and naming the offending values


def test_odd_rope_head_dim_is_a_value_error():
    with pytest.raises(ValueError, match=r"qk_rope_head_dim=5 must be even"):
        MultiHeadLatentAttention(
            32, 4, kv_lora_rank=8, qk_nope_head_dim=4, qk_rope_head_dim=5, v_head_dim=4
        )


def test_float_rank_is_a_type_error():
    with pytest.raises(TypeError, match=r"kv_lora_rank must be an int, got float 8.0"):
        MultiHeadLatentAttention(
            32, 4, kv_lora_rank=8.0, qk_nope_head_dim=4, qk_rope_head_dim=4, v_head_dim=4
        )


def test_zero_q_lora_rank_is_a_value_error():
    with pytest.raises(ValueError, match=r"q_lora_rank=0 must be >= 1"):
        MultiHeadLatentAttention(32, 4, q_lora_rank=0, **SHAPES)


def test_non_positive_norm_eps_is_a_value_error():
    with pytest.raises(ValueError, match=r"norm_eps=0.0 must be > 0"):
        MultiHeadLatentAttention(32, 4, norm_eps=0.0, **SHAPES)


def test_string_rope_theta_is_a_type_error():
    with pytest.raises(TypeError, match=r"rope_theta must be a number, got str"):
        MultiHeadLatentAttention(32, 4, rope_theta="1e4", **SHAPES)


def test_input_width_other_than_d_model_is_a_value_error():
    with pytest.raises(ValueError, match=r"x\.shape\[-1\]=30 does not match d_model=32"):
        make()(torch.randn(2, 5, 30, dtype=torch.float64))


def test_input_dtype_other_than_the_weights_is_a_type_error():
    with pytest.raises(TypeError, match=r"x has dtype torch.float32 but the weights are"):
        make()(torch.randn(2, 5, 32))


def test_a_plain_kv_cache_is_a_type_error():
    with pytest.raises(TypeError, match=r"kv_cache must be a LatentKVCache or None, got KVCache"):
        make()(x_(), kv_cache=KVCache())


def test_mask_and_is_causal_together_are_a_value_error():
    with pytest.raises(ValueError, match=r"pass either mask or is_causal=True"):
        make()(x_(), is_causal=True, mask=causal_mask(7))


def test_positions_of_the_wrong_length_are_a_value_error():
    with pytest.raises(ValueError, match=r"positions of shape \(6,\) must be .*T=7"):
        make()(x_(), positions=torch.arange(6))


def test_float_positions_are_a_type_error():
    with pytest.raises(TypeError, match=r"positions must hold integers, got dtype torch.float32"):
        make()(x_(), positions=torch.arange(7.0))


def test_latent_cache_with_another_rank_is_a_value_error():
    cache = LatentKVCache()
    cache.update(torch.zeros(1, 3, 8), torch.zeros(1, 3, 2))
    with pytest.raises(ValueError, match=r"latent of shape \(1, 1, 6\) does not fit .*\(1, 3, 8\)"):
        cache.update(torch.zeros(1, 1, 6), torch.zeros(1, 1, 2))


def test_latent_and_rope_key_of_different_lengths_are_a_value_error():
    with pytest.raises(ValueError, match=r"latent \(1, 3, 8\) and k_rope \(1, 2, 2\) must agree"):
        LatentKVCache().update(torch.zeros(1, 3, 8), torch.zeros(1, 2, 2))


def test_four_dimensional_latent_is_a_value_error():
    with pytest.raises(ValueError, match=r"latent must have 3 dimensions"):
        LatentKVCache().update(torch.zeros(1, 1, 3, 8), torch.zeros(1, 1, 3, 2))
