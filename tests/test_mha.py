"""MultiHeadAttention: projection shapes, MHA/GQA/MQA, head_dim * h != C, masks and weights.

Equivalence checks rebuild the computation from the module's own weights with torch's
F.linear + F.scaled_dot_product_attention; float64, max abs difference < 1e-10.
"""

import pytest
import torch
import torch.nn.functional as F
from attention_configs import CONFIG_NAMES, CONFIGS, TOL, make

from qkvlib import MultiHeadAttention, causal_mask, padding_mask


def x_for(m, B=2, T=6, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(B, T, m.d_model, dtype=torch.float64, generator=g)


def reference(m, x, *, is_causal=False, attn_mask=None):
    """torch-only forward with m's weights; GQA through SDPA's enable_gqa."""
    B, T, _ = x.shape
    h, h_kv, d = m.num_heads, m.num_kv_heads, m.head_dim
    q = F.linear(x, m.q_proj.weight, m.q_proj.bias).view(B, T, h, d).transpose(1, 2)
    k = F.linear(x, m.k_proj.weight, m.k_proj.bias).view(B, T, h_kv, d).transpose(1, 2)
    v = F.linear(x, m.v_proj.weight, m.v_proj.bias).view(B, T, h_kv, d).transpose(1, 2)
    y = F.scaled_dot_product_attention(
        q, k, v, attn_mask=attn_mask, is_causal=is_causal, enable_gqa=True
    )
    y = y.transpose(1, 2).reshape(B, T, h * d)
    return F.linear(y, m.o_proj.weight, m.o_proj.bias)


def test_projection_shapes_follow_hugging_face_naming():
    m = MultiHeadAttention(d_model=64, num_heads=8, num_kv_heads=2)
    assert m.q_proj.weight.shape == (64, 64)  # (out = h*d, in = C)
    assert m.k_proj.weight.shape == (16, 64)  # (out = h_kv*d, in = C)
    assert m.v_proj.weight.shape == (16, 64)
    assert m.o_proj.weight.shape == (64, 64)  # (out = C, in = h*d)


def test_head_dim_defaults_to_d_model_over_num_heads():
    m = MultiHeadAttention(d_model=64, num_heads=8)
    assert (m.head_dim, m.num_kv_heads, m.n_rep) == (8, 8, 1)


def test_explicit_head_dim_makes_h_times_d_differ_from_d_model():
    m = MultiHeadAttention(d_model=24, num_heads=4, num_kv_heads=2, head_dim=10)
    assert m.q_proj.weight.shape == (40, 24)
    assert m.k_proj.weight.shape == (20, 24)
    assert m.o_proj.weight.shape == (24, 40)


def test_mqa_has_one_kv_head_serving_all_query_heads():
    m = MultiHeadAttention(d_model=32, num_heads=4, num_kv_heads=1)
    assert m.k_proj.weight.shape == (8, 32)
    assert m.n_rep == 4


def test_bias_false_removes_all_four_biases():
    m = MultiHeadAttention(32, 4, bias=False)
    assert all(p.bias is None for p in (m.q_proj, m.k_proj, m.v_proj, m.o_proj))


@pytest.mark.parametrize(CONFIG_NAMES, CONFIGS)
def test_output_and_weight_shapes(d_model, num_heads, num_kv_heads, head_dim):
    m = make(d_model, num_heads, num_kv_heads, head_dim)
    out, w = m(x_for(m, B=2, T=6), return_weights=True)
    assert out.shape == (2, 6, d_model)
    assert w.shape == (2, num_heads, 6, 6)


@pytest.mark.parametrize(CONFIG_NAMES, CONFIGS)
def test_causal_forward_matches_torch_sdpa_reference_float64(
    d_model, num_heads, num_kv_heads, head_dim
):
    m = make(d_model, num_heads, num_kv_heads, head_dim)
    x = x_for(m)
    assert (m(x, is_causal=True) - reference(m, x, is_causal=True)).abs().max() < TOL


@pytest.mark.parametrize(CONFIG_NAMES, CONFIGS)
def test_unmasked_forward_matches_torch_sdpa_reference_float64(
    d_model, num_heads, num_kv_heads, head_dim
):
    m = make(d_model, num_heads, num_kv_heads, head_dim)
    x = x_for(m)
    assert (m(x) - reference(m, x)).abs().max() < TOL


def test_padding_mask_forward_matches_torch_sdpa_reference_float64():
    m = make(32, 8, 2)
    x = x_for(m, B=2, T=6)
    mask = padding_mask([6, 4], 6)[:, None, None, :] & causal_mask(6)  # (B, 1, T, S)
    assert (m(x, mask=mask) - reference(m, x, attn_mask=mask)).abs().max() < TOL


def test_is_causal_equals_explicit_causal_mask():
    m = make(32, 4)
    x = x_for(m)
    assert torch.equal(m(x, is_causal=True), m(x, mask=causal_mask(6)))


def test_causal_weights_are_zero_above_the_diagonal():
    m = make(32, 4, 2)
    _, w = m(x_for(m), is_causal=True, return_weights=True)
    assert w.masked_select(~causal_mask(6)).abs().max().item() == 0.0


def test_gqa_equals_mha_with_kv_weights_copied_per_group_float64():
    gqa = make(32, 8, 2)
    mha = make(32, 8, seed=1)
    with torch.no_grad():
        for name in ("q_proj", "o_proj"):
            getattr(mha, name).load_state_dict(getattr(gqa, name).state_dict())
        for name in ("k_proj", "v_proj"):
            src, dst = getattr(gqa, name), getattr(mha, name)
            w = src.weight.view(2, 1, 4, 32).expand(2, 4, 4, 32).reshape(32, 32)  # repeat heads
            dst.weight.copy_(w)
            dst.bias.copy_(src.bias.view(2, 1, 4).expand(2, 4, 4).reshape(32))
    x = x_for(gqa)
    assert (gqa(x, is_causal=True) - mha(x, is_causal=True)).abs().max() < TOL


def test_forward_returns_a_tensor_by_default_and_a_pair_with_return_weights():
    m = make(32, 4)
    x = x_for(m)
    assert isinstance(m(x), torch.Tensor)
    out, w = m(x, return_weights=True)
    assert torch.equal(out, m(x))


def test_gradients_flow_to_all_projections():
    m = MultiHeadAttention(16, 4, num_kv_heads=2)
    m(torch.randn(2, 3, 16), is_causal=True).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
