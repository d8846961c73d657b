"""A numerically stable softmax that maps a fully masked row to zeros instead of NaN."""

from __future__ import annotations

import torch

from qkvlib._validate import check_floating, check_int

__all__ = ["softmax"]


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax along ``dim``, computed as ``exp(x - max) / sum(exp(x - max))``.

    Subtracting the row maximum leaves the result unchanged mathematically but keeps every
    exponent ``<= 0``, so large logits (``1e4`` and beyond) do not overflow to ``inf``.

    A row that is entirely ``-inf`` (every position masked) has no maximum to subtract;
    ``torch.softmax`` returns NaN for it. Here such a row returns all zeros: "attend to
    nothing", which makes the attention output of that row zero as well.

    Args:
        x: Logits (floating point). ``-inf`` marks masked positions.
        dim: The axis that is normalised.

    Returns:
        Probabilities, same shape and dtype as ``x``: each row sums to 1, or is all zeros if
        the row was entirely ``-inf``.

    Raises:
        TypeError: ``x`` is not a floating-point tensor, or ``dim`` is not an int.
        ValueError: ``dim`` is out of range for ``x``.

    Shape:
        (..., n) -> (..., n)   (any shape; normalised along ``dim``)

    Examples:
        >>> import torch
        >>> from qkvlib import softmax
        >>> softmax(torch.tensor([1.0, 2.0, 3.0])).sum().item()
        1.0
        >>> softmax(torch.tensor([1e4, 0.0])).tolist()        # no overflow
        [1.0, 0.0]
        >>> inf = float("inf")
        >>> softmax(torch.tensor([[-inf, -inf], [0.0, -inf]])).tolist()   # masked row -> zeros
        [[0.0, 0.0], [1.0, 0.0]]
    """
    check_floating("x", x)
    check_int("dim", dim, minimum=-max(x.ndim, 1))
    if dim >= max(x.ndim, 1):
        raise ValueError(f"dim={dim} is out of range for x with {x.ndim} dimensions")
    row_max = x.amax(dim=dim, keepdim=True)  # (..., n) -> (..., 1)
    # A fully -inf row has max -inf; x - (-inf) would be NaN. Subtract 0 there instead.
    row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))
    e = torch.exp(x - row_max)  # every entry in [0, 1] (exactly 0 where x is -inf)
    total = e.sum(dim=dim, keepdim=True)  # (..., n) -> (..., 1); 0 only for a fully masked row
    return e / torch.where(total == 0, torch.ones_like(total), total)
