"""Converters: equivalence with torch.nn.MultiheadAttention and with GPT-2's attention block.

All comparisons in float64 with max abs difference < 1e-10, on outputs and on weights.
nn.MultiheadAttention's boolean attn_mask means True = BLOCKED, so it gets ~causal_mask(T).
"""

import pytest
import torch
from torch import nn

from qkvlib import (
    MultiHeadAttention,
    causal_mask,
    from_gpt2_attention,
    from_torch_mha,
    to_gpt2_attention,
    to_torch_mha,
)

TOL = 1e-10  # float64
B, T, C, H = 2, 6, 32, 4


def torch_mha(bias=True, seed=0):
    torch.manual_seed(seed)
    mha = nn.MultiheadAttention(C, H, bias=bias, batch_first=True, dtype=torch.float64).eval()
    if bias:  # torch initialises biases to zero; make them count
        with torch.no_grad():
            mha.in_proj_bias.normal_()
            mha.out_proj.bias.normal_()
    return mha


def x_(seed=1):
    return torch.randn(B, T, C, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def diff(a, b):
    return (a - b).abs().max().item()


# --- torch.nn.MultiheadAttention ------------------------------------------------------------


@pytest.mark.parametrize("bias", [True, False])
def test_from_torch_mha_matches_output_and_averaged_weights_float64(bias):
    ref = torch_mha(bias)
    m = from_torch_mha(ref)
    x = x_()
    out_ref, w_ref = ref(x, x, x, need_weights=True)  # weights averaged over heads
    out, w = m(x, return_weights=True)
    assert diff(out, out_ref) < TOL
    assert diff(w.mean(dim=1), w_ref) < TOL


def test_from_torch_mha_causal_matches_output_and_per_head_weights_float64():
    ref = torch_mha()
    m = from_torch_mha(ref)
    x = x_()
    out_ref, w_ref = ref(x, x, x, attn_mask=~causal_mask(T), average_attn_weights=False)
    out, w = m(x, is_causal=True, return_weights=True)
    assert diff(out, out_ref) < TOL
    assert diff(w, w_ref) < TOL  # (B, h, T, S)


def test_to_torch_mha_causal_matches_output_and_weights_float64():
    torch.manual_seed(0)
    m = MultiHeadAttention(C, H).double()
    ref = to_torch_mha(m).eval()
    x = x_()
    out_ref, w_ref = ref(x, x, x, attn_mask=~causal_mask(T), average_attn_weights=False)
    out, w = m(x, is_causal=True, return_weights=True)
    assert diff(out, out_ref) < TOL
    assert diff(w, w_ref) < TOL


def test_to_torch_mha_stacks_q_k_v_rows_into_in_proj_weight():
    m = MultiHeadAttention(C, H)
    ref = to_torch_mha(m)
    assert ref.in_proj_weight.shape == (3 * C, C)  # (out, in)
    assert torch.equal(ref.in_proj_weight[:C], m.q_proj.weight)
    assert torch.equal(ref.in_proj_weight[C : 2 * C], m.k_proj.weight)
    assert torch.equal(ref.in_proj_weight[2 * C :], m.v_proj.weight)
    assert ref.batch_first


def test_torch_mha_round_trip_preserves_every_weight():
    ref = torch_mha()
    back = to_torch_mha(from_torch_mha(ref))
    for (name, p), (_, q) in zip(ref.state_dict().items(), back.state_dict().items(), strict=True):
        assert torch.equal(p, q), name


def test_converted_module_keeps_dtype():
    assert from_torch_mha(torch_mha()).q_proj.weight.dtype == torch.float64


# --- GPT-2 (Conv1D, weights stored (in, out)) -----------------------------------------------


def gpt2_attention(seed=0):
    from transformers import GPT2Config
    from transformers.models.gpt2.modeling_gpt2 import GPT2Attention

    config = GPT2Config(n_embd=C, n_head=H, n_positions=T, attn_pdrop=0.0, resid_pdrop=0.0)
    config._attn_implementation = "eager"  # returns the weights; no fused kernels
    torch.manual_seed(seed)
    attn = GPT2Attention(config, layer_idx=0).double().eval()
    with torch.no_grad():  # GPT-2 initialises with std 0.02 and zero biases; spread them out
        for p in attn.parameters():
            p.normal_(0.0, 0.3)
    return attn


def gpt2_causal_float_mask():
    # transformers builds the causal mask at model level and passes it in additive form
    return torch.zeros(1, 1, T, T, dtype=torch.float64).masked_fill(~causal_mask(T), float("-inf"))


def test_from_gpt2_attention_matches_transformers_gpt2_attention_float64():
    ref = gpt2_attention()
    sd = ref.state_dict()
    m = from_gpt2_attention(
        sd["c_attn.weight"], sd["c_attn.bias"], sd["c_proj.weight"], sd["c_proj.bias"], H
    )
    x = x_()
    out_ref, w_ref = ref(x, attention_mask=gpt2_causal_float_mask())[:2]
    out, w = m(x, is_causal=True, return_weights=True)
    assert diff(out, out_ref) < TOL
    assert diff(w, w_ref) < TOL


def test_to_gpt2_attention_loads_into_transformers_and_matches_float64():
    torch.manual_seed(0)
    m = MultiHeadAttention(C, H).double()
    ref = gpt2_attention(seed=1)
    ref.load_state_dict(to_gpt2_attention(m), strict=True)
    x = x_()
    out_ref = ref(x, attention_mask=gpt2_causal_float_mask())[0]
    assert diff(m(x, is_causal=True), out_ref) < TOL


def test_gpt2_conv1d_layout_is_x_at_w_plus_b_with_w_stored_in_out():
    torch.manual_seed(0)
    m = MultiHeadAttention(C, H).double()
    sd = to_gpt2_attention(m)
    assert sd["c_attn.weight"].shape == (C, 3 * C)  # (in, out)
    x = x_()
    qkv = x @ sd["c_attn.weight"] + sd["c_attn.bias"]  # Conv1D forward
    q, k, v = qkv.split(C, dim=-1)
    assert diff(q, m.q_proj(x)) < TOL
    assert diff(k, m.k_proj(x)) < TOL
    assert diff(v, m.v_proj(x)) < TOL


def test_gpt2_round_trip_preserves_every_tensor():
    ref = gpt2_attention()
    sd = ref.state_dict()
    back = to_gpt2_attention(from_gpt2_attention(*(sd[k] for k in sd), num_heads=H))
    assert list(back) == list(sd)
    for key in sd:
        assert torch.equal(back[key], sd[key]), key
