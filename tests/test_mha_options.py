"""MultiHeadAttention options rope_theta, qk_norm, sliding_window on qkvlib's own paths.

Float64. Against the formulas written out here (complex-number RoPE, explicit RMSNorm, a
band mask built from its definition) and between qkvlib's own paths (token-by-token decoding
through a KVCache versus one causal forward): 1e-10, since everything runs in float64 and the
paths differ only in the order of roundings. "Every option off" is compared bit for bit with
a frozen copy of the module's forward from before the options existed: same operations on
the same machine, so exactly the same numbers.
"""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from qkvlib import (
    KVCache,
    MultiHeadAttention,
    RMSNorm,
    causal_mask,
    merge_heads,
    padding_mask,
    repeat_kv,
    scaled_dot_product_attention,
    split_heads,
)

TOL = 1e-10  # float64
FAST = settings(max_examples=15, deadline=None)


def randn(*shape, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, dtype=torch.float64, generator=g)


def make(d_model=32, num_heads=4, num_kv_heads=2, head_dim=None, seed=0, **options):
    """A seeded float64 module; norm weights and sinks randomised so they matter."""
    torch.manual_seed(seed)
    m = MultiHeadAttention(d_model, num_heads, num_kv_heads, head_dim, **options).double()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("norm.weight") or name == "sinks":
                p.copy_(1 + 0.5 * randn(*p.shape, seed=len(name)))
    return m.eval()


def old_forward(m, x, *, mask=None, is_causal=False, kv_cache=None):
    """MultiHeadAttention.forward as it was before the options existed (frozen copy)."""
    B, T, C = x.shape
    q = split_heads(m.q_proj(x), m.num_heads)
    k = split_heads(m.k_proj(x), m.num_kv_heads)
    v = split_heads(m.v_proj(x), m.num_kv_heads)
    if kv_cache is not None:
        k, v = kv_cache.update(k, v)
    S = k.shape[-2]
    k = repeat_kv(k, m.n_rep)
    v = repeat_kv(v, m.n_rep)
    if is_causal:
        mask = causal_mask(T, S, device=x.device)
    out, weights = scaled_dot_product_attention(q, k, v, mask=mask)
    return m.o_proj(merge_heads(out))


def rope_complex(x, positions, theta):
    """(..., T, d): pair (i, i + d/2) as a complex number times e^{i pos theta^(-2i/d)}."""
    d = x.shape[-1]
    inv_freq = torch.tensor([theta ** (-2 * i / d) for i in range(d // 2)], dtype=torch.float64)
    angles = positions.to(torch.float64)[..., None] * inv_freq
    z = torch.complex(x[..., : d // 2], x[..., d // 2 :]) * torch.exp(1j * angles)
    return torch.cat([z.real, z.imag], dim=-1)


def reference(m, x, positions):
    """The whole layer from its formulas, causal, for a module with any options."""
    B, T, _ = x.shape
    h, h_kv, d = m.num_heads, m.num_kv_heads, m.head_dim

    def proj(lin, heads):
        y = x @ lin.weight.T + (0 if lin.bias is None else lin.bias)
        return y.view(B, T, heads, d).transpose(1, 2)  # (B, heads, T, d)

    q, k, v = proj(m.q_proj, h), proj(m.k_proj, h_kv), proj(m.v_proj, h_kv)
    if m.qk_norm:
        q = q / (q.pow(2).mean(-1, keepdim=True) + m.norm_eps).sqrt() * m.q_norm.weight
        k = k / (k.pow(2).mean(-1, keepdim=True) + m.norm_eps).sqrt() * m.k_norm.weight
    if m.rope_theta is not None:
        q, k = rope_complex(q, positions, m.rope_theta), rope_complex(k, positions, m.rope_theta)
    k, v = k.repeat_interleave(h // h_kv, dim=1), v.repeat_interleave(h // h_kv, dim=1)
    scores = torch.einsum("bhtd,bhsd->bhts", q, k) / math.sqrt(d)
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    window = m.sliding_window or T
    scores = scores.masked_fill(~((j <= i) & (j > i - window)), float("-inf"))
    e = scores.exp()
    total = e.sum(-1, keepdim=True)
    if m.sinks is not None:
        total = total + m.sinks.exp()[:, None, None]
    out = (e / total) @ v  # (B, h, T, d)
    return out.transpose(1, 2).reshape(B, T, h * d) @ m.o_proj.weight.T + m.o_proj.bias


GQA = (32, 8, 2, None)  # (d_model, num_heads, num_kv_heads, head_dim)
ALL = {"rope_theta": 500.0, "qk_norm": True, "sliding_window": 4, "sinks": True}
CASES = [  # each option on GQA, then all options on plain MHA and on MQA with h*d != C
    pytest.param(GQA, {"rope_theta": 10000.0}, id="gqa-rope"),
    pytest.param(GQA, {"rope_theta": 100.0, "qk_norm": True}, id="gqa-rope+qk_norm"),
    pytest.param(GQA, {"rope_theta": 10000.0, "sliding_window": 3}, id="gqa-rope+window3"),
    pytest.param(GQA, {"sliding_window": 1}, id="gqa-window1"),
    pytest.param(GQA, {"qk_norm": True, "norm_eps": 1e-3}, id="gqa-qk_norm-eps1e-3"),
    pytest.param(GQA, ALL, id="gqa-all"),
    pytest.param((32, 4, 4, None), ALL, id="mha-all"),
    pytest.param((24, 4, 1, 10), ALL, id="mqa-h*d>C-all"),
]
SHAPES = [
    pytest.param(32, 4, 4, None, id="mha"),
    pytest.param(32, 8, 2, None, id="gqa"),
    pytest.param(24, 4, 1, 10, id="mqa-h*d>C"),
]


# --- every option off: today's module -----------------------------------------------


@pytest.mark.parametrize(("d_model", "num_heads", "num_kv_heads", "head_dim"), SHAPES)
def test_options_off_is_bit_for_bit_the_module_before_the_options(
    d_model, num_heads, num_kv_heads, head_dim
):
    m = make(d_model, num_heads, num_kv_heads, head_dim)
    x = randn(2, 6, d_model)
    # Exact: the same torch operations on the same inputs, in the same order.
    assert torch.equal(m(x), old_forward(m, x))
    assert torch.equal(m(x, is_causal=True), old_forward(m, x, is_causal=True))
    pad = padding_mask([6, 3], 6)[:, None, None, :]
    assert torch.equal(m(x, mask=pad), old_forward(m, x, mask=pad))
    new, old = KVCache(), KVCache()
    for a, b in ((0, 4), (4, 5), (5, 6)):
        step = m(x[:, a:b], is_causal=True, kv_cache=new)
        assert torch.equal(step, old_forward(m, x[:, a:b], is_causal=True, kv_cache=old))


def test_options_off_has_the_same_parameters_and_repr_as_before():
    m = MultiHeadAttention(32, 8, 2)
    shapes = {n: tuple(p.shape) for n, p in m.named_parameters()}
    assert shapes == {
        "q_proj.weight": (32, 32), "q_proj.bias": (32,),
        "k_proj.weight": (8, 32), "k_proj.bias": (8,),
        "v_proj.weight": (8, 32), "v_proj.bias": (8,),
        "o_proj.weight": (32, 32), "o_proj.bias": (32,),
    }  # fmt: skip
    assert list(m.children()) == [m.q_proj, m.k_proj, m.v_proj, m.o_proj]
    assert m.extra_repr() == "d_model=32, num_heads=8, num_kv_heads=2, head_dim=4, bias=True"


def test_options_do_not_change_the_seeded_projection_weights():
    plain = make(seed=3)
    modern = make(seed=3, rope_theta=1e4, qk_norm=True, sliding_window=2, sinks=True)
    for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
        assert torch.equal(getattr(plain, name).weight, getattr(modern, name).weight)


@FAST
@given(
    shape=st.sampled_from([(16, 4, 4), (16, 4, 2), (16, 4, 1), (12, 3, 1)]),
    B=st.integers(1, 3),
    T=st.integers(1, 6),
    causal=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_property_options_off_equals_the_old_module(shape, B, T, causal, seed):
    m = make(*shape, seed=seed)
    x = randn(B, T, shape[0], seed=seed)
    assert torch.equal(m(x, is_causal=causal), old_forward(m, x, is_causal=causal))


# --- against the formulas, and decoding against the full forward ----------------------


@pytest.mark.parametrize(("shape", "options"), CASES)
def test_causal_forward_equals_the_formulas_float64(shape, options):
    m = make(*shape, **options)
    x = randn(2, 7, m.d_model)
    expected = reference(m, x, torch.arange(7))
    assert (m(x, is_causal=True) - expected).abs().max() < TOL


@pytest.mark.parametrize(("shape", "options"), CASES)
def test_decoding_token_by_token_equals_the_full_causal_forward_float64(shape, options):
    m = make(*shape, **options)
    x = randn(2, 9, m.d_model)
    full = m(x, is_causal=True)
    cache = KVCache()
    steps = [m(x[:, :3], is_causal=True, kv_cache=cache)]  # prefill, then one token at a time
    steps += [m(x[:, t : t + 1], is_causal=True, kv_cache=cache) for t in range(3, 9)]
    assert (torch.cat(steps, dim=1) - full).abs().max() < TOL


def test_decoding_positions_continue_from_the_cache_length():
    m = make(rope_theta=10000.0)
    x = randn(1, 6, 32)
    full = m(x, is_causal=True)
    cache = KVCache()
    m(x[:, :5], is_causal=True, kv_cache=cache)
    restarted = KVCache()
    m(x[:, :5], is_causal=True, kv_cache=restarted)
    right = m(x[:, 5:], is_causal=True, kv_cache=cache, positions=torch.tensor([5]))
    wrong = m(x[:, 5:], is_causal=True, kv_cache=restarted, positions=torch.tensor([0]))
    assert (right - full[:, 5:]).abs().max() < TOL
    assert (wrong - full[:, 5:]).abs().max() > 1e-3  # the new token rotated as if first


def test_sliding_window_decoding_needs_only_the_last_window_minus_one_keys():
    W = 3
    m = make(rope_theta=10000.0, sliding_window=W)
    x = randn(1, 8, 32)
    full = m(x, is_causal=True)
    cache = KVCache()
    m(x[:, :7], is_causal=True, kv_cache=cache)
    cache.k, cache.v = cache.k[:, :, -(W - 1) :], cache.v[:, :, -(W - 1) :]  # drop old keys
    # The trimmed cache no longer knows how many tokens came before: give the position.
    last = m(x[:, 7:], is_causal=True, kv_cache=cache, positions=torch.tensor([7]))
    assert (last - full[:, 7:]).abs().max() < TOL


# --- positions -------------------------------------------------------------------------


@FAST
@given(
    shifts=st.lists(st.integers(-300, 3000), min_size=2, max_size=2),
    T=st.integers(1, 6),
    window=st.sampled_from([None, 1, 2]),
    seed=st.integers(0, 2**16),
)
def test_property_shifting_all_positions_leaves_self_attention_unchanged(shifts, T, window, seed):
    m = make(seed=seed, rope_theta=10000.0, qk_norm=True, sliding_window=window)
    x = randn(2, T, 32, seed=seed)
    shifted = torch.arange(T)[None, :] + torch.tensor(shifts)[:, None]  # (B, T), one per row
    assert (m(x, is_causal=True, positions=shifted) - m(x, is_causal=True)).abs().max() < TOL


def test_without_rope_positions_change_nothing():
    m = make(qk_norm=True)
    x = randn(2, 5, 32)
    assert torch.equal(m(x, positions=torch.arange(5) + 40), m(x))


def test_rope_never_rotates_the_values():
    m = make(num_kv_heads=4, rope_theta=10000.0)
    x = randn(1, 1, 32)  # one token attends only to itself (weight 1): out = o_proj(v)
    expected = m.o_proj(m.v_proj(x))
    for p in (0, 7, 1234):
        assert (m(x, positions=torch.tensor([p])) - expected).abs().max() < TOL


def test_key_bias_is_a_no_op_without_rope_and_not_with_it():
    for theta, changes in ((None, False), (10000.0, True)):
        m = make(rope_theta=theta)
        x = randn(2, 5, 32)
        before = m(x, is_causal=True)
        with torch.no_grad():
            m.k_proj.bias.add_(randn(16, seed=9))
        diff = (m(x, is_causal=True) - before).abs().max()
        assert (diff > 1e-3) if changes else (diff < TOL)


# --- sliding window and QK-norm ----------------------------------------------------------


def test_sliding_window_applies_without_is_causal_and_combines_with_a_mask():
    m = make(sliding_window=2)
    x = randn(2, 5, 32)
    band = causal_mask(5, window=2)
    assert torch.equal(m(x), m(x, is_causal=True))
    pad = padding_mask([5, 3], 5)[:, None, None, :]
    plain = make()
    assert torch.equal(m(x, mask=pad), plain(x, mask=pad & band))
    additive = torch.zeros(5, 5, dtype=torch.float64).masked_fill(~pad, float("-inf"))
    assert (m(x, mask=additive) - m(x, mask=pad)).abs().max() < TOL


def test_window_as_long_as_the_sequence_is_plain_causal():
    x = randn(2, 6, 32)
    assert torch.equal(make(sliding_window=6)(x, is_causal=True), make()(x, is_causal=True))


def test_qk_norm_adds_one_rmsnorm_over_head_dim_for_q_and_one_for_k():
    m = MultiHeadAttention(64, 8, 2, qk_norm=True, norm_eps=1e-5)
    assert isinstance(m.q_norm, RMSNorm) and isinstance(m.k_norm, RMSNorm)
    assert m.q_norm.weight.shape == m.k_norm.weight.shape == (8,)
    assert m.q_norm.eps == 1e-5
    extra = sum(p.numel() for p in m.parameters()) - sum(
        p.numel() for p in MultiHeadAttention(64, 8, 2).parameters()
    )
    assert extra == 2 * 8
    assert "qk_norm=True, norm_eps=1e-05" in m.extra_repr()


def test_causal_mask_window_is_a_bottom_right_aligned_band():
    allowed = causal_mask(2, 5, window=3)
    assert allowed.int().tolist() == [[0, 1, 1, 1, 0], [0, 0, 1, 1, 1]]
    assert torch.equal(causal_mask(4, 6, window=6), causal_mask(4, 6))


# --- errors --------------------------------------------------------------------------------


def test_odd_head_dim_with_rope_is_refused():
    with pytest.raises(ValueError, match=r"head_dim=5 must be even for RoPE"):
        MultiHeadAttention(20, 4, rope_theta=10000.0)


@pytest.mark.parametrize("window", [0, -2])
def test_window_below_one_is_refused(window):
    with pytest.raises(ValueError, match=f"sliding_window={window} must be >= 1"):
        MultiHeadAttention(16, 4, sliding_window=window)
    with pytest.raises(ValueError, match=f"window={window} must be >= 1"):
        causal_mask(4, window=window)


def test_window_must_be_an_int():
    with pytest.raises(TypeError, match="window must be an int"):
        causal_mask(4, window=2.0)


@pytest.mark.parametrize(
    ("positions", "error", "match"),
    [
        (torch.arange(4.0), TypeError, "positions must hold integers"),
        (torch.ones(4, dtype=torch.bool), TypeError, "positions must hold integers"),
        (torch.arange(5), ValueError, r"positions of shape \(5,\)"),
        (torch.zeros(3, 4, dtype=torch.long), ValueError, "has 3 rows but the batch has B=2"),
        (torch.zeros(2, 1, 4, dtype=torch.long), ValueError, r"positions of shape \(2, 1, 4\)"),
    ],
    ids=["float", "bool", "wrong-T", "wrong-B", "3-d"],
)
def test_positions_of_wrong_shape_or_dtype_are_refused(positions, error, match):
    m = make(rope_theta=10000.0)
    with pytest.raises(error, match=match):
        m(randn(2, 4, 32), positions=positions)


def test_qk_norm_refuses_heads_that_do_not_fit_its_weight():
    m = MultiHeadAttention(32, 4, qk_norm=True)
    with pytest.raises(ValueError, match=r"does not fit the norm's weight \(8,\)"):
        m.q_norm(torch.zeros(1, 4, 3, 6))


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"qk_norm": 1}, TypeError, "qk_norm must be a bool"),
        ({"rope_theta": "1e4"}, TypeError, "theta must be a float"),
        ({"rope_theta": -1.0}, ValueError, "theta=-1.0 must be > 0"),
        ({"norm_eps": 0.0}, ValueError, "eps=0.0 must be > 0"),
    ],
    ids=["qk_norm-int", "theta-str", "theta-negative", "eps-zero"],
)
def test_bad_options_are_refused(options, error, match):
    with pytest.raises(error, match=match):
        MultiHeadAttention(16, 4, **options)
