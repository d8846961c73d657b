"""RMSNorm: the normalisation used on q and k per head (QK-norm) and on MLA's latents."""

from __future__ import annotations

import torch
from torch import nn

from qkvlib._validate import check_floating, check_int, check_same_dtype

__all__ = ["RMSNorm", "rms_norm"]


def check_eps(eps: object) -> float:
    if isinstance(eps, bool) or not isinstance(eps, int | float):
        raise TypeError(f"eps must be a float, got {type(eps).__name__} {eps!r}")
    if not eps > 0:
        raise ValueError(f"eps={eps} must be > 0")
    return float(eps)


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last axis.

    Unlike LayerNorm there is no mean subtraction and no bias: each vector is scaled to unit
    root-mean-square, then each component by its learned ``weight``. Computed in ``x``'s own
    dtype (transformers' RMSNorms compute in float32 even for float64 input).

    Args:
        x: Vectors to normalise along the last axis (for QK-norm: one head's q or k).
        weight: One learned factor per component.
        eps: Added to the mean square, keeps the division finite for ``x = 0``.

    Returns:
        The normalised ``x``, same shape and dtype.

    Raises:
        TypeError: ``x`` or ``weight`` is not a floating-point tensor, the dtypes differ, or
            ``eps`` is not a number.
        ValueError: ``weight`` is not 1-D, ``x.shape[-1] != weight.shape[0]``, or ``eps <= 0``.

    Shape:
        x (..., n), weight (n,) -> (..., n)

    Examples:
        >>> import torch
        >>> from qkvlib import rms_norm
        >>> y = rms_norm(torch.tensor([3.0, 4.0]), torch.ones(2), eps=1e-12)
        >>> round(float(y.pow(2).mean().sqrt()), 6)      # unit root-mean-square
        1.0
    """
    check_floating("x", x)
    check_floating("weight", weight)
    check_same_dtype(x=x, weight=weight)
    eps = check_eps(eps)
    if weight.ndim != 1 or x.ndim < 1 or x.shape[-1] != weight.shape[0]:
        raise ValueError(
            f"the last axis of x {tuple(x.shape)} does not fit the norm's weight "
            f"{tuple(weight.shape)}: they must have the same size n"
        )
    inv_rms = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)  # (..., n) -> (..., 1)
    return x * inv_rms * weight


class RMSNorm(nn.Module):
    """Root-mean-square normalisation with a learned per-component ``weight`` (starts at 1).

    The same module as transformers' ``LlamaRMSNorm`` / ``Qwen3RMSNorm`` (parameter name
    ``weight``), so their state dicts load into it; it computes in the input's dtype.

    Args:
        dim: Size ``n`` of the normalised (last) axis, e.g. ``head_dim`` for QK-norm.
        eps: Added to the mean square before the square root.

    Raises:
        TypeError: ``dim`` is not an int or ``eps`` not a number.
        ValueError: ``dim < 1`` or ``eps <= 0``; in ``forward``, an input whose last axis is
            not ``dim``.

    Shape:
        (..., n) -> (..., n)

    Examples:
        >>> import torch
        >>> from qkvlib import RMSNorm
        >>> norm = RMSNorm(4, eps=1e-6)
        >>> tuple(norm.weight.shape), norm.eps
        ((4,), 1e-06)
        >>> y = norm(torch.tensor([[2.0, 2.0, 2.0, 2.0]]))
        >>> [round(v, 4) for v in y[0].tolist()]
        [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        check_int("dim", dim)
        self.dim = dim
        self.eps = check_eps(eps)
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise ``x`` over its last axis (see ``rms_norm``)."""
        return rms_norm(x, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.dim}, eps={self.eps}"
