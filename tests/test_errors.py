"""Bad input raises qkvlib's own ValueError / TypeError, naming the offending values."""

import pytest
import torch

from qkvlib import (
    KVCache,
    MultiHeadAttention,
    causal_mask,
    from_gpt2_attention,
    padding_mask,
    scaled_dot_product_attention,
    softmax,
    split_heads,
    to_gpt2_attention,
    to_torch_mha,
)


def qkv(T=4, S=4, d_q=8, d_k=8):
    return torch.randn(2, 3, T, d_q), torch.randn(2, 3, S, d_k), torch.randn(2, 3, S, d_k)


def test_num_heads_not_dividing_d_model_is_a_value_error():
    with pytest.raises(ValueError, match=r"d_model=512 is not divisible by num_heads=5"):
        MultiHeadAttention(512, 5)


def test_num_kv_heads_not_dividing_num_heads_is_a_value_error():
    with pytest.raises(ValueError, match=r"num_heads=8 is not divisible by num_kv_heads=3"):
        MultiHeadAttention(64, 8, num_kv_heads=3)


def test_q_and_k_head_sizes_that_differ_are_a_value_error():
    q, k, v = qkv(d_q=8, d_k=6)
    with pytest.raises(ValueError, match=r"q\.shape\[-1\]=8, k\.shape\[-1\]=6"):
        scaled_dot_product_attention(q, k, v)


def test_mask_that_does_not_fit_t_by_s_is_a_value_error():
    q, k, v = qkv(T=4, S=5)
    with pytest.raises(ValueError, match=r"mask of shape \(4, 4\).*\(T, S\) = \(4, 5\)"):
        scaled_dot_product_attention(q, k, v, mask=causal_mask(4))


def test_mask_with_extra_batch_axes_is_a_value_error():
    q, k, v = qkv()
    with pytest.raises(ValueError, match=r"mask of shape \(5, 2, 3, 4, 4\)"):
        scaled_dot_product_attention(q, k, v, mask=torch.ones(5, 2, 3, 4, 4, dtype=torch.bool))


def test_input_width_other_than_d_model_is_a_value_error():
    m = MultiHeadAttention(32, 4)
    with pytest.raises(ValueError, match=r"x\.shape\[-1\]=30 does not match d_model=32"):
        m(torch.randn(2, 5, 30))


def test_is_causal_with_t_different_from_s_is_a_value_error():
    q, k, v = qkv(T=2, S=5)
    with pytest.raises(ValueError, match=r"T=2 != S=5.*mask=causal_mask\(2, 5\)"):
        scaled_dot_product_attention(q, k, v, is_causal=True)


def test_float_num_heads_is_a_type_error():
    with pytest.raises(TypeError, match=r"num_heads must be an int, got float 8\.0"):
        MultiHeadAttention(64, 8.0)


def test_bool_num_heads_is_a_type_error():
    with pytest.raises(TypeError, match=r"num_heads must be an int, got bool True"):
        MultiHeadAttention(64, True)


def test_non_positive_d_model_is_a_value_error():
    with pytest.raises(ValueError, match=r"d_model=0 must be >= 1"):
        MultiHeadAttention(0, 4)


def test_negative_head_dim_is_a_value_error():
    with pytest.raises(ValueError, match=r"head_dim=-2 must be >= 1"):
        MultiHeadAttention(32, 4, head_dim=-2)


def test_mask_together_with_is_causal_is_a_value_error():
    q, k, v = qkv()
    with pytest.raises(ValueError, match=r"either mask or is_causal"):
        scaled_dot_product_attention(q, k, v, mask=causal_mask(4), is_causal=True)


def test_mask_together_with_is_causal_in_the_module_is_a_value_error():
    with pytest.raises(ValueError, match=r"either mask or is_causal"):
        MultiHeadAttention(16, 2)(torch.randn(1, 3, 16), mask=causal_mask(3), is_causal=True)


def test_integer_queries_are_a_type_error():
    _, k, v = qkv()
    with pytest.raises(
        TypeError, match=r"q must be a floating-point tensor, got dtype torch.int64"
    ):
        scaled_dot_product_attention(torch.ones(2, 3, 4, 8, dtype=torch.long), k, v)


def test_mixed_dtypes_are_a_type_error():
    q, k, v = qkv()
    with pytest.raises(TypeError, match=r"q is torch.float64, k is torch.float32"):
        scaled_dot_product_attention(q.double(), k, v)


def test_integer_mask_is_a_type_error():
    q, k, v = qkv()
    with pytest.raises(TypeError, match=r"mask must be bool .* got dtype torch.int64"):
        scaled_dot_product_attention(q, k, v, mask=torch.ones(4, 4, dtype=torch.long))


def test_list_instead_of_tensor_is_a_type_error():
    with pytest.raises(TypeError, match=r"x must be a torch.Tensor, got list"):
        split_heads([[1.0, 2.0]], 2)


def test_split_heads_width_not_divisible_is_a_value_error():
    with pytest.raises(ValueError, match=r"x\.shape\[-1\]=10 is not divisible by num_heads=4"):
        split_heads(torch.zeros(1, 2, 10), 4)


def test_gqa_heads_without_repeat_kv_are_a_value_error():
    q, k, v = torch.randn(1, 4, 3, 8), torch.randn(1, 2, 3, 8), torch.randn(1, 2, 3, 8)
    with pytest.raises(ValueError, match=r"do not broadcast.*repeat_kv"):
        scaled_dot_product_attention(q, k, v)


def test_module_dtype_mismatch_is_a_type_error():
    with pytest.raises(
        TypeError, match=r"x has dtype torch.float64 but the weights are torch.float32"
    ):
        MultiHeadAttention(16, 2)(torch.randn(1, 3, 16, dtype=torch.float64))


def test_causal_mask_with_fewer_keys_than_queries_is_a_value_error():
    with pytest.raises(ValueError, match=r"S=2 is smaller than T=3"):
        causal_mask(3, 2)


def test_padding_length_beyond_s_is_a_value_error():
    with pytest.raises(ValueError, match=r"lengths=\[3, 6\] must lie in \[0, S\] with S=5"):
        padding_mask([3, 6], 5)


def test_softmax_of_integer_tensor_is_a_type_error():
    with pytest.raises(TypeError, match=r"dtype torch.int64"):
        softmax(torch.tensor([1, 2]))


def test_kv_cache_update_with_other_head_count_is_a_value_error():
    cache = KVCache()
    cache.update(torch.zeros(1, 2, 3, 4), torch.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"shape \(1, 4, 1, 4\).*cached k of shape \(1, 2, 3, 4\)"):
        cache.update(torch.zeros(1, 4, 1, 4), torch.zeros(1, 4, 1, 4))


def test_gqa_module_to_torch_mha_is_a_value_error():
    with pytest.raises(ValueError, match=r"num_kv_heads=2, num_heads=8"):
        to_torch_mha(MultiHeadAttention(32, 8, num_kv_heads=2))


def test_h_times_d_not_d_model_to_gpt2_is_a_value_error():
    with pytest.raises(ValueError, match=r"num_heads=4 \* head_dim=10 = 40 != d_model=24"):
        to_gpt2_attention(MultiHeadAttention(24, 4, head_dim=10))


def test_gpt2_weight_in_out_of_wrong_orientation_is_a_value_error():
    w = torch.zeros(48, 16)  # (3C, C): an nn.Linear orientation, not Conv1D's (C, 3C)
    with pytest.raises(ValueError, match=r"\(C, 3C\).*got \(48, 16\)"):
        from_gpt2_attention(w, torch.zeros(48), torch.zeros(16, 16), torch.zeros(16), 4)
