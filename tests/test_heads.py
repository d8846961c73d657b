"""split_heads / merge_heads / repeat_kv: shapes, layout, and the inverse relation."""

import torch

from qkvlib import merge_heads, repeat_kv, split_heads


def test_split_heads_shape():
    x = torch.zeros(2, 5, 12)
    assert split_heads(x, num_heads=3).shape == (2, 3, 5, 4)  # (B, T, h*d) -> (B, h, T, d)


def test_split_heads_gives_each_head_a_consecutive_slice_of_features():
    x = torch.randn(2, 5, 12)
    heads = split_heads(x, num_heads=3)
    for i in range(3):
        assert torch.equal(heads[:, i], x[..., 4 * i : 4 * (i + 1)])


def test_split_heads_is_a_view_for_contiguous_input():
    x = torch.randn(2, 5, 12)
    assert split_heads(x, num_heads=3).data_ptr() == x.data_ptr()


def test_merge_heads_inverts_split_heads():
    x = torch.randn(2, 5, 12)
    assert torch.equal(merge_heads(split_heads(x, num_heads=3)), x)


def test_split_heads_inverts_merge_heads():
    x = torch.randn(2, 3, 5, 4)
    assert torch.equal(split_heads(merge_heads(x), num_heads=3), x)


def test_merge_heads_returns_a_contiguous_tensor():
    x = torch.randn(2, 3, 5, 4)
    assert merge_heads(x).is_contiguous()
    assert merge_heads(x.transpose(-1, -2)).is_contiguous()


def test_split_heads_accepts_non_contiguous_input():
    x = torch.randn(2, 12, 5).transpose(1, 2)  # (B, T, C), non-contiguous
    assert torch.equal(merge_heads(split_heads(x, num_heads=3)), x)


def test_repeat_kv_shape():
    assert repeat_kv(torch.zeros(2, 3, 5, 4), n_rep=4).shape == (2, 12, 5, 4)


def test_repeat_kv_serves_consecutive_query_heads():
    kv = torch.randn(2, 3, 5, 4)
    out = repeat_kv(kv, n_rep=2)
    for head in range(6):
        assert torch.equal(out[:, head], kv[:, head // 2])


def test_repeat_kv_matches_repeat_interleave_like_hugging_face():
    kv = torch.randn(2, 3, 5, 4)
    assert torch.equal(repeat_kv(kv, n_rep=4), torch.repeat_interleave(kv, 4, dim=1))


def test_repeat_kv_with_n_rep_1_returns_input():
    kv = torch.randn(2, 3, 5, 4)
    assert repeat_kv(kv, n_rep=1) is kv
