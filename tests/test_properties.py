"""Invariants checked by hypothesis on random inputs (small max_examples, no deadline)."""

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from qkvlib import MultiHeadAttention, merge_heads, softmax, split_heads

FAST = settings(max_examples=30, deadline=None)
TOL = 1e-10  # float64

logit = st.one_of(st.floats(-1e4, 1e4), st.just(-math.inf))
rows = st.integers(1, 8).flatmap(  # a (rows, n) matrix of logits, some rows fully -inf
    lambda n: st.lists(
        st.one_of(st.lists(logit, min_size=n, max_size=n), st.just([-math.inf] * n)),
        min_size=1,
        max_size=5,
    )
)


@FAST
@given(rows)
def test_softmax_rows_sum_to_one_or_are_zero_and_never_nan(values):
    x = torch.tensor(values, dtype=torch.float64)
    p = softmax(x, dim=-1)
    assert not p.isnan().any()
    assert ((p >= 0) & (p <= 1)).all()
    fully_masked = torch.isinf(x).all(dim=-1)
    sums = p.sum(dim=-1)
    assert torch.allclose(sums[~fully_masked], torch.ones_like(sums[~fully_masked]))
    assert (sums[fully_masked] == 0).all()


@FAST
@given(
    B=st.integers(1, 3),
    T=st.integers(1, 6),
    h=st.integers(1, 4),
    d=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_merge_heads_inverts_split_heads_for_random_shapes(B, T, h, d, seed):
    x = torch.randn(B, T, h * d, generator=torch.Generator().manual_seed(seed))
    heads = split_heads(x, h)
    assert heads.shape == (B, h, T, d)
    assert torch.equal(merge_heads(heads), x)


def _model(num_kv_heads):
    torch.manual_seed(0)
    return MultiHeadAttention(16, 4, num_kv_heads=num_kv_heads).double().eval()


GQA_MODEL = _model(2)


@FAST
@given(T=st.integers(2, 8), t=st.integers(0, 7), seed=st.integers(0, 2**16))
def test_causal_output_at_t_ignores_tokens_after_t(T, t, seed):
    t = t % T
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, T, 16, dtype=torch.float64, generator=g)
    x_changed = x.clone()
    x_changed[:, t + 1 :] = torch.randn(1, T - t - 1, 16, dtype=torch.float64, generator=g)
    out = GQA_MODEL(x, is_causal=True)
    out_changed = GQA_MODEL(x_changed, is_causal=True)
    assert (out[:, : t + 1] - out_changed[:, : t + 1]).abs().max() < TOL


@FAST
@given(h=st.sampled_from([1, 2, 4]), T=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_gqa_with_as_many_kv_heads_as_heads_equals_mha(h, T, seed):
    torch.manual_seed(seed)
    mha = MultiHeadAttention(16, h).double()
    gqa = MultiHeadAttention(16, h, num_kv_heads=h).double()
    gqa.load_state_dict(mha.state_dict())
    x = torch.randn(2, T, 16, dtype=torch.float64)
    assert (mha(x, is_causal=True) - gqa(x, is_causal=True)).abs().max() < TOL
