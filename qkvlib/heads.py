"""Splitting the model width into heads, merging it back, and sharing kv heads (GQA)."""

from __future__ import annotations

import torch

from qkvlib._validate import check_divisible, check_int, check_ndim, check_tensor

__all__ = ["merge_heads", "repeat_kv", "split_heads"]


def split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Regroup the last axis into heads: head ``i`` gets features ``i*d : (i+1)*d``.

    No copy is made for a contiguous input: this is a view (reshape) followed by a transpose.
    Each head sees a different ``d``-wide slice of the projected features, not a copy of
    the whole ``C``-wide input.

    Args:
        x: Projected features, for example ``q_proj(x)``.
        num_heads: Number of heads ``h``; must divide the last axis.

    Returns:
        The same numbers with the heads moved in front of the token axis.

    Raises:
        TypeError: ``x`` is not a tensor or ``num_heads`` is not an int.
        ValueError: ``x`` has fewer than 3 axes, or its last axis is not divisible by
            ``num_heads``.

    Shape:
        (B, T, h*d) -> (B, h, T, d)

    Examples:
        >>> import torch
        >>> from qkvlib import split_heads
        >>> x = torch.arange(2 * 4 * 8, dtype=torch.float32).reshape(2, 4, 8)
        >>> tuple(split_heads(x, num_heads=2).shape)
        (2, 2, 4, 4)
        >>> split_heads(x, num_heads=2)[0, 1, 0].tolist()   # head 1 = features 4..7 of token 0
        [4.0, 5.0, 6.0, 7.0]
    """
    check_tensor("x", x)
    check_int("num_heads", num_heads)
    check_ndim("x", x, 3, "(B, T, h*d)", at_least=True)
    width = x.shape[-1]
    check_divisible("x.shape[-1]", width, "num_heads", num_heads)
    d = width // num_heads
    x = x.reshape(*x.shape[:-1], num_heads, d)  # (B, T, h*d) -> (B, T, h, d)  (a view)
    return x.transpose(-3, -2)  # (B, T, h, d) -> (B, h, T, d)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """Concatenate the heads back along the feature axis: the exact inverse of ``split_heads``.

    The result is contiguous, ready for ``o_proj``.

    Args:
        x: Per-head tensors, for example the per-head attention output.

    Returns:
        A contiguous tensor with the heads laid side by side on the last axis.

    Raises:
        TypeError: ``x`` is not a tensor.
        ValueError: ``x`` has fewer than 4 axes.

    Shape:
        (B, h, T, d) -> (B, T, h*d)

    Examples:
        >>> import torch
        >>> from qkvlib import merge_heads, split_heads
        >>> x = torch.randn(2, 4, 8)
        >>> tuple(merge_heads(torch.zeros(2, 2, 4, 4)).shape)
        (2, 4, 8)
        >>> torch.equal(merge_heads(split_heads(x, num_heads=2)), x)
        True
    """
    check_tensor("x", x)
    check_ndim("x", x, 4, "(B, h, T, d)", at_least=True)
    h, t, d = x.shape[-3:]
    x = x.transpose(-3, -2).contiguous()  # (B, h, T, d) -> (B, T, h, d)
    return x.view(*x.shape[:-2], h * d)  # (B, T, h, d) -> (B, T, h*d)


def repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    """Repeat each key/value head ``n_rep`` times so that GQA can use plain attention.

    kv head ``j`` serves the ``n_rep`` consecutive query heads ``j*n_rep ... j*n_rep + n_rep - 1``
    (the same layout as Hugging Face's Llama ``repeat_kv``). ``n_rep == 1`` returns ``x`` itself.

    Args:
        x: Keys or values with ``h_kv`` heads.
        n_rep: ``h // h_kv``, the number of query heads per kv head.

    Returns:
        Keys or values with ``h_kv * n_rep`` heads.

    Raises:
        TypeError: ``x`` is not a tensor or ``n_rep`` is not an int.
        ValueError: ``x`` has fewer than 4 axes or ``n_rep < 1``.

    Shape:
        (B, h_kv, T, d) -> (B, h_kv*n_rep, T, d)

    Examples:
        >>> import torch
        >>> from qkvlib import repeat_kv
        >>> kv = torch.arange(2.0).reshape(1, 2, 1, 1)     # 2 kv heads holding 0 and 1
        >>> tuple(repeat_kv(kv, n_rep=3).shape)
        (1, 6, 1, 1)
        >>> repeat_kv(kv, n_rep=3).flatten().tolist()
        [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    """
    check_tensor("x", x)
    check_int("n_rep", n_rep)
    check_ndim("x", x, 4, "(B, h_kv, T, d)", at_least=True)
    if n_rep == 1:
        return x
    h_kv, t, d = x.shape[-3:]
    x = x.unsqueeze(-3)  # (B, h_kv, T, d) -> (B, h_kv, 1, T, d)
    x = x.expand(*x.shape[:-3], n_rep, t, d)  # -> (B, h_kv, n_rep, T, d)  (no copy yet)
    return x.reshape(*x.shape[:-4], h_kv * n_rep, t, d)  # -> (B, h_kv*n_rep, T, d)
