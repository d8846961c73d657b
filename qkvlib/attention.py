"""Scaled dot-product attention that also returns the attention weights."""

from __future__ import annotations

import math

import torch

from qkvlib._validate import check_bool, check_floating, check_ndim, check_same_dtype
from qkvlib.masks import causal_mask
from qkvlib.softmax import softmax

__all__ = ["scaled_dot_product_attention"]


def _broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    """The broadcast of ``shapes`` (numpy rules), or ``None`` if they do not broadcast."""
    ndim = max(len(s) for s in shapes)
    out: list[int] = []
    for axis in range(-ndim, 0):
        sizes = {s[axis] for s in shapes if len(s) >= -axis} - {1}
        if len(sizes) > 1:
            return None
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def check_mask(mask: object, batch: tuple[int, ...], T: int, S: int) -> torch.Tensor:
    """Validate a mask against scores of shape ``batch + (T, S)`` and return it."""
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a torch.Tensor or None, got {type(mask).__name__}")
    if mask.dtype != torch.bool and not mask.is_floating_point():
        raise TypeError(
            f"mask must be bool (True = allowed) or floating point (added to the scores), "
            f"got dtype {mask.dtype}"
        )
    target = (*batch, T, S)
    if _broadcast(tuple(mask.shape), target) != target:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to the scores "
            f"(..., T, S) = {target} with (T, S) = ({T}, {S})"
        )
    return mask


def _check_sinks(sinks: object, q: torch.Tensor, batch: tuple[int, ...]) -> torch.Tensor:
    """Validate per-row sink logits against the leading axes ``batch`` of the scores."""
    s = check_floating("sinks", sinks)
    check_same_dtype(q=q, sinks=s)
    if _broadcast(tuple(s.shape), batch) != batch:
        raise ValueError(
            f"sinks of shape {tuple(s.shape)} does not broadcast to the leading axes "
            f"{batch} of the scores (one logit per head: shape (h,) for q of shape "
            f"(B, h, T, d))"
        )
    return s


def check_qkv(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor
) -> tuple[tuple[int, ...], int, int, int]:
    """Check that q (..., T, d), k (..., S, d), v (..., S, d_v) fit together.

    Returns:
        (the broadcast leading axes, T, S, d). Raises qkvlib's TypeError/ValueError naming the
        shapes that do not fit.
    """
    check_floating("q", q)
    check_floating("k", k)
    check_floating("v", v)
    check_same_dtype(q=q, k=k, v=v)
    check_ndim("q", q, 2, "(..., T, d)", at_least=True)
    check_ndim("k", k, 2, "(..., S, d)", at_least=True)
    check_ndim("v", v, 2, "(..., S, d_v)", at_least=True)
    T, d = q.shape[-2:]
    S, d_k = k.shape[-2:]
    if d != d_k:
        raise ValueError(
            f"q and k head sizes differ: q.shape[-1]={d}, k.shape[-1]={d_k} "
            f"(q {tuple(q.shape)}, k {tuple(k.shape)})"
        )
    if v.shape[-2] != S:
        raise ValueError(
            f"k and v lengths differ: k.shape[-2]={S}, v.shape[-2]={v.shape[-2]} "
            f"(k {tuple(k.shape)}, v {tuple(v.shape)})"
        )
    batch = _broadcast(tuple(q.shape[:-2]), tuple(k.shape[:-2]), tuple(v.shape[:-2]))
    if batch is None:
        raise ValueError(
            f"leading axes of q {tuple(q.shape)}, k {tuple(k.shape)}, v {tuple(v.shape)} do not "
            f"broadcast (for GQA, expand k and v with repeat_kv first)"
        )
    return batch, T, S, d


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    is_causal: bool = False,
    scale: float | None = None,
    *,
    sinks: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``softmax(q @ k^T * scale + mask) @ v``, returning the output and the weights.

    Gives the same output as ``torch.nn.functional.scaled_dot_product_attention`` called with
    the same arguments (no dropout), and additionally the attention weights.

    Masks follow torch's SDPA convention: a bool mask is ``True`` where attention is ALLOWED
    (positions with ``False`` get score ``-inf``); a float mask is ADDED to the scores (use
    ``-inf`` to block). Both must broadcast to ``(..., T, S)``, e.g. ``causal_mask(T, S)``
    or ``padding_mask(lengths, S)[:, None, None, :]``.

    A query row whose keys are all masked gets zero weights and a zero output (torch's
    ``softmax`` would give NaN).

    ``is_causal=True`` is only accepted for ``T == S``: torch aligns its causal mask top-left
    and qkvlib's ``causal_mask`` bottom-right, which differ when ``T != S``; pass
    ``mask=causal_mask(T, S)`` to say which one you mean.

    ``sinks`` (gpt-oss's learned attention sinks): one extra logit per row, e.g. per head,
    that joins the softmax as if it were one more key, takes its share of the weight and
    contributes no value. The returned weights leave the sink's share out, so a row sums to
    ``1 - sink weight``; a fully masked row gives all its weight to the sink.

    Args:
        q: Queries.
        k: Keys; same head size ``d`` as ``q``.
        v: Values; same length ``S`` as ``k``, any head size ``d_v``.
        mask: Optional bool or float mask, broadcastable to ``(..., T, S)``.
        is_causal: Apply ``causal_mask(T)``; requires ``T == S`` and ``mask is None``.
        scale: Factor applied to ``q @ k^T``; defaults to ``1 / sqrt(d)``.
        sinks: Optional sink logits, broadcastable to the leading axes of the scores
            (``(h,)`` for q of shape ``(B, h, T, d)``).

    Returns:
        ``(out, weights)``: the attention output and the softmax weights (each row sums to 1,
        or is all zeros if the row was fully masked).

    Raises:
        TypeError: a tensor argument is not a tensor, not floating point, or the dtypes of
            ``q``, ``k``, ``v`` differ; the mask is neither bool nor float; ``scale`` is not
            a number.
        ValueError: ``q`` and ``k`` head sizes differ; ``k`` and ``v`` lengths differ; the
            leading axes do not broadcast; the mask does not broadcast to ``(..., T, S)``;
            ``mask`` and ``is_causal`` are both given; ``is_causal`` with ``T != S``;
            ``sinks`` does not broadcast to the leading axes.

    Shape:
        q (..., T, d), k (..., S, d), v (..., S, d_v) -> out (..., T, d_v), weights (..., T, S)

    Examples:
        >>> import torch
        >>> from qkvlib import causal_mask, scaled_dot_product_attention
        >>> _ = torch.manual_seed(0)
        >>> q, k, v = torch.randn(3, 2, 4, 8).unbind(0)          # (B=2, T=4, d=8) each
        >>> out, w = scaled_dot_product_attention(q, k, v, is_causal=True)
        >>> tuple(out.shape), tuple(w.shape)
        ((2, 4, 8), (2, 4, 4))
        >>> ref = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        >>> torch.allclose(out, ref, atol=1e-6)
        True
        >>> w[0, 0].tolist()                     # the first token can only see itself
        [1.0, 0.0, 0.0, 0.0]
        >>> out2, _ = scaled_dot_product_attention(q, k, v, mask=causal_mask(4))
        >>> torch.equal(out, out2)
        True
        >>> _, w = scaled_dot_product_attention(q, k, v, sinks=torch.zeros(2))  # one per B
        >>> bool((w.sum(-1) < 1).all())          # the sink took part of every row
        True
    """
    batch, T, S, d = check_qkv(q, k, v)
    check_bool("is_causal", is_causal)
    if scale is None:
        scale = 1.0 / math.sqrt(d)
    elif isinstance(scale, bool) or not isinstance(scale, int | float):
        raise TypeError(f"scale must be a float or None, got {type(scale).__name__} {scale!r}")

    if is_causal:
        if mask is not None:
            raise ValueError(
                "pass either mask or is_causal=True, not both "
                "(combine them yourself, e.g. mask & causal_mask(T, S))"
            )
        if T != S:
            raise ValueError(
                f"is_causal=True with T={T} != S={S} is ambiguous: torch's "
                f"scaled_dot_product_attention aligns the causal mask top-left (j <= i), "
                f"qkvlib's causal_mask bottom-right (j <= i + S - T, as KV-cache decoding "
                f"needs); pass mask=causal_mask({T}, {S}) explicitly"
            )
        mask = causal_mask(T, S, device=q.device)
    elif mask is not None:
        mask = check_mask(mask, batch, T, S)
    if sinks is not None:
        sinks = _check_sinks(sinks, q, batch)

    scores = (q @ k.transpose(-2, -1)) * scale  # (..., T, d) @ (..., d, S) -> (..., T, S)
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))  # blocked -> -inf
        else:
            scores = scores + mask.to(scores.dtype)  # additive mask
    if sinks is None:
        weights = softmax(scores, dim=-1)  # (..., T, S); fully masked rows -> 0
    else:
        sink = sinks[..., None, None].expand(*scores.shape[:-1], 1)  # (..., T, 1)
        with_sink = torch.cat([scores, sink], dim=-1)  # (..., T, S + 1)
        weights = softmax(with_sink, dim=-1)[..., :-1]  # drop the sink: (..., T, S)
    out = weights @ v  # (..., T, S) @ (..., S, d_v) -> (..., T, d_v)
    return out, weights
