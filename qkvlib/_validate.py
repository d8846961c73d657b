"""Input checks that raise qkvlib's own errors with the offending values in the message.

Every public function calls these before touching torch, so that bad input surfaces as
``ValueError: d_model=512 is not divisible by num_heads=5`` and not as a shape error from
deep inside a matmul. Internal module: not re-exported.
"""

from __future__ import annotations

import torch

__all__ = [
    "check_bool",
    "check_divisible",
    "check_floating",
    "check_int",
    "check_ndim",
    "check_same_dtype",
    "check_tensor",
]


def check_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an int (not a bool) and ``>= minimum``.

    Raises:
        TypeError: ``value`` is not an int (floats such as ``8.0`` and bools are refused).
        ValueError: ``value < minimum``.

    Examples:
        >>> check_int("num_heads", 4)
        4
        >>> check_int("num_heads", 0)
        Traceback (most recent call last):
        ...
        ValueError: num_heads=0 must be >= 1
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")
    return value


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool.

    Raises:
        TypeError: ``value`` is not a bool.

    Examples:
        >>> check_bool("is_causal", True)
        True
    """
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def check_divisible(name_a: str, a: int, name_b: str, b: int) -> None:
    """Raise ``ValueError`` unless ``a`` is divisible by ``b``.

    Examples:
        >>> check_divisible("d_model", 512, "num_heads", 5)
        Traceback (most recent call last):
        ...
        ValueError: d_model=512 is not divisible by num_heads=5
    """
    if a % b != 0:
        raise ValueError(f"{name_a}={a} is not divisible by {name_b}={b}")


def check_tensor(name: str, x: object) -> torch.Tensor:
    """Return ``x`` if it is a ``torch.Tensor``.

    Raises:
        TypeError: ``x`` is anything else (a list, a numpy array, ...).

    Examples:
        >>> check_tensor("x", [1.0, 2.0])
        Traceback (most recent call last):
        ...
        TypeError: x must be a torch.Tensor, got list
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return x


def check_floating(name: str, x: object) -> torch.Tensor:
    """Return ``x`` if it is a floating-point tensor.

    Raises:
        TypeError: ``x`` is not a tensor, or its dtype is not floating point.

    Examples:
        >>> import torch
        >>> check_floating("q", torch.zeros(2, dtype=torch.int64))
        Traceback (most recent call last):
        ...
        TypeError: q must be a floating-point tensor, got dtype torch.int64
    """
    t = check_tensor(name, x)
    if not t.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {t.dtype}")
    return t


def check_ndim(
    name: str, x: torch.Tensor, ndim: int, layout: str, *, at_least: bool = False
) -> None:
    """Raise ``ValueError`` unless ``x`` has ``ndim`` axes (or at least ``ndim`` axes).

    ``layout`` describes the expected shape, e.g. ``"(B, T, C)"``, and is quoted in the message.

    Examples:
        >>> import torch
        >>> check_ndim("x", torch.zeros(4, 8), 3, "(B, T, C)")
        Traceback (most recent call last):
        ...
        ValueError: x must have 3 dimensions (B, T, C), got shape (4, 8)
    """
    ok = x.ndim >= ndim if at_least else x.ndim == ndim
    if not ok:
        qualifier = "at least " if at_least else ""
        raise ValueError(
            f"{name} must have {qualifier}{ndim} dimensions {layout}, got shape {tuple(x.shape)}"
        )


def check_same_dtype(**tensors: torch.Tensor) -> None:
    """Raise ``TypeError`` unless all tensors share one dtype.

    Examples:
        >>> import torch
        >>> check_same_dtype(q=torch.zeros(1), k=torch.zeros(1, dtype=torch.float64))
        Traceback (most recent call last):
        ...
        TypeError: dtypes differ: q is torch.float32, k is torch.float64
    """
    dtypes = {t.dtype for t in tensors.values()}
    if len(dtypes) > 1:
        listing = ", ".join(f"{n} is {t.dtype}" for n, t in tensors.items())
        raise TypeError(f"dtypes differ: {listing}")
