"""Rotary position embedding (RoPE): rotate q and k by angles proportional to the position.

Two layouts pair the ``d`` components differently. The "half" layout of transformers' Llama
(``rotate_half``) rotates the pair ``(i, i + d/2)``; the original RoPE code rotates
neighbours ``(2i, 2i + 1)`` ("interleaved"). Pair ``i`` turns by ``position * theta**(-2i/d)``
in both. Reordering the rows of ``W_Q`` and ``W_K`` within each head turns one layout into the
other with identical attention scores (``interleaved_to_half``).
"""

from __future__ import annotations

import torch

from qkvlib._validate import check_floating, check_int, check_ndim, check_tensor

__all__ = [
    "apply_rope",
    "apply_rope_interleaved",
    "check_positions",
    "interleaved_to_half",
    "rope_angles",
]


def check_theta(theta: object) -> float:
    if isinstance(theta, bool) or not isinstance(theta, int | float):
        raise TypeError(f"theta must be a float, got {type(theta).__name__} {theta!r}")
    if not theta > 0:
        raise ValueError(f"theta={theta} must be > 0 (the RoPE base, e.g. 10000.0)")
    return float(theta)


def check_positions(positions: object, T: int, batch: int | None = None) -> torch.Tensor:
    """Return ``positions`` if it is an integer tensor of shape ``(T,)`` or ``(B, T)``.

    Args:
        positions: Token positions, one per query token.
        T: Number of tokens they must describe.
        batch: If given, a 2-D ``positions`` must have this many rows.

    Raises:
        TypeError: not a tensor, or not an integer dtype (floats and bools are refused).
        ValueError: not 1-D or 2-D, last axis is not ``T``, or rows differ from ``batch``.

    Shape:
        (T,) or (B, T)

    Examples:
        >>> import torch
        >>> from qkvlib.rope import check_positions
        >>> check_positions(torch.arange(3), T=3).tolist()
        [0, 1, 2]
        >>> check_positions(torch.arange(3.0), T=3)
        Traceback (most recent call last):
        ...
        TypeError: positions must hold integers, got dtype torch.float32
    """
    p = check_tensor("positions", positions)
    if p.is_floating_point() or p.is_complex() or p.dtype == torch.bool:
        raise TypeError(f"positions must hold integers, got dtype {p.dtype}")
    if p.ndim not in (1, 2) or p.shape[-1] != T:
        raise ValueError(f"positions of shape {tuple(p.shape)} must be (T,) or (B, T) with T={T}")
    if p.ndim == 2 and batch is not None and p.shape[0] != batch:
        raise ValueError(
            f"positions of shape {tuple(p.shape)} has {p.shape[0]} rows but the batch has B={batch}"
        )
    return p


def rope_angles(positions: torch.Tensor, head_dim: int, theta: float = 10000.0) -> torch.Tensor:
    """The rotation angle of every pair at every position, in float64.

    ``angle[..., t, i] = positions[..., t] * theta ** (-2i / head_dim)`` for
    ``i < head_dim / 2``: pair 0 turns fastest (one radian per position), the last pair
    slowest. Computed in float64 whatever the input's dtype.

    Args:
        positions: Integer positions.
        head_dim: Even head size ``d``.
        theta: The base; Llama 2 uses 10000, Llama 3 500000.

    Raises:
        TypeError: ``positions`` is not an integer tensor, ``head_dim`` not an int,
            ``theta`` not a number.
        ValueError: ``head_dim`` is odd or ``< 1``; ``theta <= 0``.

    Shape:
        positions (...) -> (..., d/2)

    Examples:
        >>> import torch
        >>> from qkvlib import rope_angles
        >>> rope_angles(torch.tensor([0, 1, 2]), head_dim=4, theta=100.0).tolist()
        [[0.0, 0.0], [1.0, 0.1], [2.0, 0.2]]
    """
    p = check_tensor("positions", positions)
    if p.is_floating_point() or p.is_complex() or p.dtype == torch.bool:
        raise TypeError(f"positions must hold integers, got dtype {p.dtype}")
    check_int("head_dim", head_dim)
    if head_dim % 2:
        raise ValueError(f"head_dim={head_dim} must be even for RoPE (it rotates pairs)")
    base = check_theta(theta)
    exponents = torch.arange(0, head_dim, 2, dtype=torch.float64, device=p.device) / head_dim
    inv_freq = 1.0 / base**exponents  # (d/2,), as transformers writes it
    return p.to(torch.float64).unsqueeze(-1) * inv_freq  # (...) -> (..., d/2)


def _cos_sin(
    x: torch.Tensor, positions: torch.Tensor, theta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of the angles, shaped to broadcast against ``x[..., :d/2]``."""
    check_floating("x", x)
    check_ndim("x", x, 2, "(..., T, d)", at_least=True)
    T, d = x.shape[-2:]
    if d % 2:
        raise ValueError(f"head_dim d={d} must be even for RoPE (x has shape {tuple(x.shape)})")
    p = check_positions(positions, T, batch=x.shape[0] if x.ndim in (3, 4) else None)
    if p.ndim == 2 and x.ndim not in (3, 4):
        raise ValueError(
            f"positions of shape {tuple(p.shape)} need x of shape (B, T, d) or (B, h, T, d), "
            f"got {tuple(x.shape)}"
        )
    angles = rope_angles(p.to(x.device), d, theta)  # (T, d/2) or (B, T, d/2)
    if p.ndim == 2 and x.ndim == 4:
        angles = angles.unsqueeze(1)  # (B, T, d/2) -> (B, 1, T, d/2), same for every head
    return angles.cos().to(x.dtype), angles.sin().to(x.dtype)


def apply_rope(x: torch.Tensor, positions: torch.Tensor, theta: float = 10000.0) -> torch.Tensor:
    """Rotate the pairs ``(i, i + d/2)`` of ``x`` by ``positions * theta**(-2i/d)``.

    The "half" layout of transformers' ``apply_rotary_pos_emb`` (``x * cos + rotate_half(x)
    * sin``). Apply it to q and k (never v) after the projection: then the score ``q_m . k_n``
    depends on the positions only through ``m - n``. Angles are computed in float64 and
    cast to ``x``'s dtype.

    Args:
        x: Queries or keys, one vector of even size ``d`` per token.
        positions: Integer positions, ``(T,)`` for every sequence alike or ``(B, T)`` per
            sequence (then ``x`` is ``(B, T, d)`` or ``(B, h, T, d)``).
        theta: The base of the angles.

    Returns:
        The rotated ``x`` (same shape, dtype; each vector keeps its norm).

    Raises:
        TypeError: ``x`` is not floating point; ``positions`` not an integer tensor;
            ``theta`` not a number.
        ValueError: ``d`` is odd; ``positions`` is not ``(T,)`` or ``(B, T)`` matching ``x``;
            ``theta <= 0``.

    Shape:
        x (..., T, d), positions (T,) or (B, T) -> (..., T, d)

    Examples:
        >>> import torch
        >>> from qkvlib import apply_rope
        >>> x = torch.tensor([[1.0, 0.0, 0.0, 0.0]]).repeat(3, 1)   # (T=3, d=4)
        >>> y = apply_rope(x, torch.arange(3))
        >>> [round(v, 4) for v in y[1].tolist()]    # pair (0, 2) turned by 1 radian
        [0.5403, 0.0, 0.8415, 0.0]
        >>> bool(torch.allclose(y.norm(dim=-1), x.norm(dim=-1)))
        True
    """
    cos, sin = _cos_sin(x, positions, theta)  # (..., T, d/2) each
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]  # (..., T, d) -> 2 x (..., T, d/2)
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)  # -> (..., T, d)


def apply_rope_interleaved(
    x: torch.Tensor, positions: torch.Tensor, theta: float = 10000.0
) -> torch.Tensor:
    """Rotate the neighbouring pairs ``(2i, 2i + 1)``: the layout of the original RoPE code.

    Same angles as ``apply_rope``; only the pairing of components differs. Weights trained
    with one layout need their ``W_Q`` / ``W_K`` rows reordered (``interleaved_to_half``)
    before they work with the other.

    Args:
        x: Queries or keys, one vector of even size ``d`` per token.
        positions: Integer positions, ``(T,)`` or ``(B, T)`` as in ``apply_rope``.
        theta: The base of the angles.

    Returns:
        The rotated ``x``.

    Raises:
        TypeError, ValueError: as ``apply_rope``.

    Shape:
        x (..., T, d), positions (T,) or (B, T) -> (..., T, d)

    Examples:
        >>> import torch
        >>> from qkvlib import apply_rope_interleaved
        >>> x = torch.tensor([[1.0, 0.0, 0.0, 0.0]]).repeat(3, 1)
        >>> y = apply_rope_interleaved(x, torch.arange(3))
        >>> [round(v, 4) for v in y[1].tolist()]    # pair (0, 1) turned by 1 radian
        [0.5403, 0.8415, 0.0, 0.0]
    """
    cos, sin = _cos_sin(x, positions, theta)  # (..., T, d/2) each
    x1, x2 = x[..., 0::2], x[..., 1::2]  # even and odd components, (..., T, d/2) each
    pairs = torch.stack([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)  # (..., d/2, 2)
    return pairs.flatten(-2)  # (..., T, d/2, 2) -> (..., T, d)


def interleaved_to_half(weight: torch.Tensor, num_heads: int) -> torch.Tensor:
    """Reorder the rows of a q or k projection from the interleaved to the half layout.

    Within each head, output rows ``0, 2, 4, ..., 1, 3, 5, ...`` are taken in that order, so
    the pair ``(2i, 2i+1)`` lands at ``(i, i + d/2)``. With both ``W_Q`` and ``W_K`` (and
    their biases) reordered, ``apply_rope`` gives the same attention scores as
    ``apply_rope_interleaved`` on the original weights: q and k are permuted alike, and a
    dot product does not depend on the order of the components. This is the permutation
    transformers' Llama conversion script applies to Meta's checkpoints. Pure data
    movement: the result holds exactly the same numbers.

    Args:
        weight: An ``nn.Linear`` weight ``(h*d, C)`` or bias ``(h*d,)`` of ``q_proj`` or
            ``k_proj`` (for ``k_proj``, ``h`` is the number of kv heads).
        num_heads: Heads ``h`` the rows are split into.

    Returns:
        The reordered weight (a new tensor).

    Raises:
        TypeError: ``weight`` is not a tensor or ``num_heads`` not an int.
        ValueError: ``weight`` is not 1-D or 2-D; its rows are not ``num_heads`` heads of
            an even size.

    Shape:
        (h*d, C) -> (h*d, C), or (h*d,) -> (h*d,)

    Examples:
        >>> import torch
        >>> from qkvlib import interleaved_to_half
        >>> interleaved_to_half(torch.arange(8), num_heads=2).tolist()
        [0, 2, 1, 3, 4, 6, 5, 7]
    """
    w = check_tensor("weight", weight)
    check_int("num_heads", num_heads)
    if w.ndim not in (1, 2):
        raise ValueError(f"weight must be (h*d, C) or (h*d,), got shape {tuple(w.shape)}")
    rows = w.shape[0]
    if rows % num_heads or (rows // num_heads) % 2:
        raise ValueError(
            f"{rows} rows do not split into num_heads={num_heads} heads of an even head_dim"
        )
    d = rows // num_heads
    order = torch.cat([torch.arange(0, d, 2), torch.arange(1, d, 2)])  # (d,)
    per_head = w.reshape(num_heads, d, *w.shape[1:])  # (h*d, ...) -> (h, d, ...)
    return per_head[:, order.to(w.device)].reshape(w.shape)  # -> (h*d, ...)
