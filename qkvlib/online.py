"""Attention with an online softmax: tiles of keys, a running max and sum, no T x S table."""

from __future__ import annotations

import math

import torch

from qkvlib._validate import check_bool, check_int
from qkvlib.attention import check_mask, check_qkv

__all__ = ["online_softmax_attention"]


def online_softmax_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    block_size: int,
    is_causal: bool = False,
    mask: torch.Tensor | None = None,
) -> torch.Tensor:
    """``softmax(q @ k^T / sqrt(d) + mask) @ v`` computed one tile of keys at a time.

    The idea of FlashAttention, in plain torch. For each tile of ``block_size`` queries, the
    keys are visited in tiles of ``block_size``; every row keeps a running maximum ``m``, a
    running sum ``l`` of ``exp(score - m)`` and a running output ``acc``. When a new tile
    raises the maximum to ``m'``, the old sum and output are rescaled by ``exp(m - m')``, so
    at the end ``acc / l`` is exactly the softmax-weighted sum of the values. Only
    ``(block_size, block_size)`` scores exist at any time, never the ``(T, S)`` table, and
    therefore the attention weights are never available: fused kernels return no weights
    for the same reason. With ``is_causal``, tiles entirely above the diagonal are skipped.

    Same output as ``qkvlib.scaled_dot_product_attention`` (up to rounding), including its
    conventions: a bool mask is ``True`` where attention is allowed, a float mask is added,
    and a fully masked query row gives a zero output.

    Args:
        q: Queries.
        k: Keys; same head size ``d`` as ``q``.
        v: Values; same length ``S`` as ``k``.
        block_size: Rows of a query tile and of a key tile.
        is_causal: Causal masking; requires ``T == S`` and ``mask is None``.
        mask: Optional bool or float mask broadcastable to ``(..., T, S)``.

    Returns:
        The attention output.

    Raises:
        TypeError: a tensor argument is not a floating-point tensor or the dtypes differ; the
            mask is neither bool nor float; ``block_size`` is not an int.
        ValueError: ``block_size < 1``; head sizes or lengths disagree; leading axes do not
            broadcast; the mask does not fit ``(..., T, S)``; ``mask`` together with
            ``is_causal``; ``is_causal`` with ``T != S``.

    Shape:
        q (..., T, d), k (..., S, d), v (..., S, d_v) -> (..., T, d_v)

    Examples:
        >>> import torch
        >>> from qkvlib import online_softmax_attention, scaled_dot_product_attention
        >>> _ = torch.manual_seed(0)
        >>> q, k, v = torch.randn(3, 2, 4, 10, 8, dtype=torch.float64).unbind(0)
        >>> out = online_softmax_attention(q, k, v, block_size=3, is_causal=True)
        >>> ref, _ = scaled_dot_product_attention(q, k, v, is_causal=True)
        >>> tuple(out.shape), bool(torch.allclose(out, ref, atol=1e-12))
        ((2, 4, 10, 8), True)
    """
    batch, T, S, d = check_qkv(q, k, v)
    check_int("block_size", block_size)
    check_bool("is_causal", is_causal)
    if is_causal and mask is not None:
        raise ValueError("pass either mask or is_causal=True, not both")
    if is_causal and T != S:
        raise ValueError(
            f"is_causal=True with T={T} != S={S} is ambiguous (top-left or bottom-right "
            f"alignment); pass mask=causal_mask({T}, {S}) explicitly"
        )
    if mask is not None:
        mask = torch.broadcast_to(check_mask(mask, batch, T, S), (*batch, T, S))  # a view
    scale = 1.0 / math.sqrt(d)

    out = q.new_zeros((*batch, T, v.shape[-1]))  # (..., T, d_v)
    for i0 in range(0, T, block_size):
        i1 = min(i0 + block_size, T)
        q_blk = q[..., i0:i1, :]  # (..., Bq, d)
        m = q.new_full((*batch, i1 - i0, 1), float("-inf"))  # running row max
        total = q.new_zeros((*batch, i1 - i0, 1))  # running sum of exp(score - m)
        acc = q.new_zeros((*batch, i1 - i0, v.shape[-1]))  # running weighted sum of values
        for j0 in range(0, S, block_size):
            if is_causal and j0 > i1 - 1:
                break  # this tile and all later ones lie above the diagonal
            j1 = min(j0 + block_size, S)
            s = (q_blk @ k[..., j0:j1, :].transpose(-2, -1)) * scale  # (..., Bq, Bk)
            if is_causal:
                rows = torch.arange(i0, i1, device=q.device)[:, None]
                allowed = torch.arange(j0, j1, device=q.device)[None, :] <= rows
                s = s.masked_fill(~allowed, float("-inf"))
            elif mask is not None:
                tile = mask[..., i0:i1, j0:j1]
                if tile.dtype == torch.bool:
                    s = s.masked_fill(~tile, float("-inf"))
                else:
                    s = s + tile.to(s.dtype)
            m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))  # (..., Bq, 1)
            # A row that has seen only -inf so far keeps max -inf: subtract 0 there, not -inf.
            m_safe = torch.where(torch.isfinite(m_new), m_new, torch.zeros_like(m_new))
            rescale = torch.exp(m - m_safe)  # shrinks what was summed under the old max
            p = torch.exp(s - m_safe)  # (..., Bq, Bk), 0 where masked
            total = total * rescale + p.sum(dim=-1, keepdim=True)
            acc = acc * rescale + p @ v[..., j0:j1, :]  # (..., Bq, Bk) @ (..., Bk, d_v)
            m = m_new
        # A row that saw no allowed key has total 0: output 0, as scaled_dot_product_attention.
        out[..., i0:i1, :] = acc / torch.where(total == 0, torch.ones_like(total), total)
    return out
