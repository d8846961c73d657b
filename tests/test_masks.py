"""causal_mask / padding_mask: True = attention allowed; causal masks are bottom-right aligned."""

import torch

from qkvlib import causal_mask, padding_mask


def test_causal_mask_square_is_lower_triangle():
    assert torch.equal(causal_mask(5), torch.ones(5, 5, dtype=torch.bool).tril())


def test_causal_mask_is_bool_with_true_meaning_allowed():
    m = causal_mask(3)
    assert m.dtype == torch.bool
    assert m[2, 0].item() is True  # the last token may see the first
    assert m[0, 2].item() is False  # the first token may not see the future


def test_causal_mask_rectangular_is_bottom_right_aligned():
    T, S = 2, 5
    expected = torch.tensor([[j <= i + (S - T) for j in range(S)] for i in range(T)])
    assert torch.equal(causal_mask(T, S), expected)


def test_causal_mask_single_decode_step_sees_every_cached_key():
    assert causal_mask(1, 7).all()


def test_causal_mask_last_rows_equal_full_mask_rows():
    full = causal_mask(6)
    assert torch.equal(causal_mask(2, 6), full[-2:])


def test_causal_mask_is_the_negation_of_torch_mha_blocking_mask():
    # nn.MultiheadAttention / nn.Transformer: True = blocked (float form: -inf above diagonal)
    blocked = torch.nn.Transformer.generate_square_subsequent_mask(4) == float("-inf")
    assert torch.equal(causal_mask(4), ~blocked)


def test_padding_mask_marks_real_tokens():
    m = padding_mask([3, 1, 4], S=4)
    assert m.tolist() == [
        [True, True, True, False],
        [True, False, False, False],
        [True, True, True, True],
    ]


def test_padding_mask_accepts_a_tensor_of_lengths():
    lengths = torch.tensor([2, 0])
    assert torch.equal(padding_mask(lengths, 3), padding_mask([2, 0], 3))


def test_padding_mask_broadcast_form_combines_with_causal_mask():
    m = padding_mask([3, 2], S=4)[:, None, None, :] & causal_mask(4)  # (B, 1, 1, S) & (T, S)
    assert m.shape == (2, 1, 4, 4)
    assert m[1, 0, 3].tolist() == [True, True, False, False]
