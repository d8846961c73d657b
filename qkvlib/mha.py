"""Multi-head self-attention (MHA, GQA, MQA) with Hugging Face's q/k/v/o projection names.

Options of models since 2023: RoPE on q and k, QK-norm, a sliding window, attention sinks.
"""

from __future__ import annotations

from typing import Literal, overload

import torch
from torch import nn

from qkvlib._validate import check_bool, check_divisible, check_floating, check_int, check_ndim
from qkvlib.attention import check_mask, scaled_dot_product_attention
from qkvlib.cache import KVCache
from qkvlib.heads import merge_heads, repeat_kv, split_heads
from qkvlib.masks import causal_mask
from qkvlib.norms import RMSNorm, check_eps
from qkvlib.rope import apply_rope, check_positions, check_theta

__all__ = ["MultiHeadAttention"]


class MultiHeadAttention(nn.Module):
    """Self-attention with separate Q, K, V projections, split into heads.

    The module owns the four projection weights (``nn.Linear``, which stores ``(out, in)``,
    so ``q_proj(x) == x @ q_proj.weight.T + q_proj.bias``) and calls the functions
    ``split_heads``, ``repeat_kv``, ``scaled_dot_product_attention`` and ``merge_heads``.

    - ``q_proj``: C -> h*d
    - ``k_proj``, ``v_proj``: C -> h_kv*d
    - ``o_proj``: h*d -> C

    ``num_kv_heads == num_heads`` is plain multi-head attention, ``1 < num_kv_heads <
    num_heads`` is grouped-query attention (GQA; each kv head serves ``num_heads //
    num_kv_heads`` consecutive query heads), ``num_kv_heads == 1`` is multi-query attention
    (MQA). ``head_dim`` defaults to ``d_model // num_heads`` and may be set so that
    ``h*d != C``.

    The keyword-only options of models since 2023 are off by default; with all of them off
    the module is exactly the plain one (same parameters, same outputs).

    Args:
        d_model: Model width ``C``.
        num_heads: Query heads ``h``.
        num_kv_heads: Key/value heads ``h_kv``; defaults to ``num_heads``; must divide it.
        head_dim: Head size ``d``; defaults to ``d_model // num_heads`` (then ``num_heads``
            must divide ``d_model``).
        bias: Whether all four projections have a bias.
        rope_theta: RoPE base (e.g. 10000.0): q and k (never v) are rotated after the
            projection (``apply_rope``, Llama's layout); ``None``: no rotation.
        qk_norm: Add ``q_norm`` and ``k_norm`` (``RMSNorm`` over ``d``, as Qwen3), applied
            per head before the rotation.
        sliding_window: Keys each query sees at most, itself included; every call then uses
            ``causal_mask(T, S, window=W)``, so the module is causal. ``None``: all.
        norm_eps: The RMSNorms' eps.
        sinks: Add gpt-oss's per-head ``sinks`` logits (starting at 0) to every softmax row.

    Raises:
        TypeError: a size is not an int (e.g. ``num_heads=8.0``), a flag is not a bool,
            ``rope_theta`` or ``norm_eps`` is not a number.
        ValueError: a size is not positive; ``d_model`` not divisible by ``num_heads`` (with
            ``head_dim=None``); ``num_heads`` not divisible by ``num_kv_heads``; an odd
            ``head_dim`` with RoPE; ``sliding_window < 1``; ``rope_theta`` or ``norm_eps``
            not positive.

    Shape:
        x (B, T, C) -> out (B, T, C); weights (B, h, T, S), S = cached + new tokens

    Examples:
        >>> import torch
        >>> from qkvlib import MultiHeadAttention
        >>> _ = torch.manual_seed(0)
        >>> m = MultiHeadAttention(d_model=32, num_heads=8, num_kv_heads=2)   # GQA
        >>> tuple(m.q_proj.weight.shape), tuple(m.k_proj.weight.shape)       # (out, in)
        ((32, 32), (8, 32))
        >>> x = torch.randn(2, 5, 32)
        >>> out, w = m(x, is_causal=True, return_weights=True)
        >>> tuple(out.shape), tuple(w.shape)
        ((2, 5, 32), (2, 8, 5, 5))
        >>> bool(torch.allclose(w.sum(-1), torch.ones(2, 8, 5)))
        True
        >>> m = MultiHeadAttention(32, 8, 2, rope_theta=1e4, qk_norm=True, sliding_window=3)
        >>> tuple(m.q_norm.weight.shape), tuple(m(x).shape)                  # Qwen3-style
        ((4,), (2, 5, 32))
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        num_kv_heads: int | None = None,
        head_dim: int | None = None,
        bias: bool = True,
        *,
        rope_theta: float | None = None,
        qk_norm: bool = False,
        sliding_window: int | None = None,
        norm_eps: float = 1e-6,
        sinks: bool = False,
    ) -> None:
        super().__init__()
        check_int("d_model", d_model)
        check_int("num_heads", num_heads)
        if num_kv_heads is None:
            num_kv_heads = num_heads
        check_int("num_kv_heads", num_kv_heads)
        if head_dim is None:
            check_divisible("d_model", d_model, "num_heads", num_heads)
            head_dim = d_model // num_heads
        check_int("head_dim", head_dim)
        check_divisible("num_heads", num_heads, "num_kv_heads", num_kv_heads)
        check_bool("bias", bias)
        if rope_theta is not None:
            rope_theta = check_theta(rope_theta)
            if head_dim % 2:
                raise ValueError(
                    f"head_dim={head_dim} must be even for RoPE (rope_theta={rope_theta}): "
                    f"it rotates pairs of components"
                )
        check_bool("qk_norm", qk_norm)
        if sliding_window is not None:
            check_int("sliding_window", sliding_window)
        norm_eps = check_eps(norm_eps)
        check_bool("sinks", sinks)

        self.d_model = d_model
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.head_dim = head_dim
        self.bias = bias
        self.q_proj = nn.Linear(d_model, num_heads * head_dim, bias=bias)  # C -> h*d
        self.k_proj = nn.Linear(d_model, num_kv_heads * head_dim, bias=bias)  # C -> h_kv*d
        self.v_proj = nn.Linear(d_model, num_kv_heads * head_dim, bias=bias)  # C -> h_kv*d
        self.o_proj = nn.Linear(num_heads * head_dim, d_model, bias=bias)  # h*d -> C
        self.rope_theta = rope_theta
        self.qk_norm = qk_norm
        self.sliding_window = sliding_window
        self.norm_eps = norm_eps
        # Created after the projections and without random numbers: a seed gives the same
        # projection weights with and without the options.
        self.q_norm: RMSNorm | None = RMSNorm(head_dim, norm_eps) if qk_norm else None
        self.k_norm: RMSNorm | None = RMSNorm(head_dim, norm_eps) if qk_norm else None
        self.sinks: nn.Parameter | None = nn.Parameter(torch.zeros(num_heads)) if sinks else None

    @property
    def n_rep(self) -> int:
        """Query heads per kv head, ``num_heads // num_kv_heads`` (1 for plain MHA).

        Examples:
            >>> from qkvlib import MultiHeadAttention
            >>> MultiHeadAttention(64, num_heads=8, num_kv_heads=1).n_rep     # MQA
            8
        """
        return self.num_heads // self.num_kv_heads

    def extra_repr(self) -> str:
        text = (
            f"d_model={self.d_model}, num_heads={self.num_heads}, "
            f"num_kv_heads={self.num_kv_heads}, head_dim={self.head_dim}, bias={self.bias}"
        )
        text += "" if self.rope_theta is None else f", rope_theta={self.rope_theta}"
        text += f", qk_norm=True, norm_eps={self.norm_eps}" if self.qk_norm else ""
        text += "" if self.sliding_window is None else f", sliding_window={self.sliding_window}"
        return text + (", sinks=True" if self.sinks is not None else "")

    @overload
    def forward(
        self,
        x: torch.Tensor,
        *,
        positions: torch.Tensor | None = ...,
        mask: torch.Tensor | None = ...,
        is_causal: bool = ...,
        kv_cache: KVCache | None = ...,
        return_weights: Literal[False] = ...,
    ) -> torch.Tensor: ...

    @overload
    def forward(
        self,
        x: torch.Tensor,
        *,
        positions: torch.Tensor | None = ...,
        mask: torch.Tensor | None = ...,
        is_causal: bool = ...,
        kv_cache: KVCache | None = ...,
        return_weights: Literal[True],
    ) -> tuple[torch.Tensor, torch.Tensor]: ...

    def forward(
        self,
        x: torch.Tensor,
        *,
        positions: torch.Tensor | None = None,
        mask: torch.Tensor | None = None,
        is_causal: bool = False,
        kv_cache: KVCache | None = None,
        return_weights: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Attend over the input (and, with a cache, over all cached positions).

        Args:
            x: Input tokens.
            positions: Integer positions for RoPE, ``(T,)`` or ``(B, T)``; default
                ``kv_cache.seq_len + arange(T)`` with a cache (decoding continues where the
                cache ends), else ``arange(T)``. Checked, and unused without ``rope_theta``.
            mask: Optional bool (``True`` = allowed) or float (added) mask, broadcastable to
                ``(B, h, T, S)``: e.g. ``causal_mask(T, S)`` or
                ``padding_mask(lengths, S)[:, None, None, :]``.
            is_causal: Use ``causal_mask(T, S)``, aligned bottom-right: the ``T`` new tokens
                are the last ``T`` of the ``S`` positions. So a prefill followed by one-token
                decode steps through the same ``kv_cache`` equals one full causal forward.
                With ``sliding_window`` the band is used whether or not this is set.
            kv_cache: If given, the new keys/values are appended to it first and attention
                runs over all ``S = cached + T`` positions.
            return_weights: Also return the attention weights.

        Returns:
            ``out``, or ``(out, weights)`` when ``return_weights=True``.

        Raises:
            TypeError: ``x`` is not a floating-point tensor, or has another dtype than the
                weights; ``kv_cache`` is not a ``KVCache``; ``positions`` does not hold ints.
            ValueError: ``x`` is not 3-D or ``x.shape[-1] != d_model``; both ``mask`` and
                ``is_causal``; a mask that does not broadcast to ``(B, h, T, S)``;
                ``positions`` not ``(T,)`` or ``(B, T)``.

        Shape:
            x (B, T, C) -> out (B, T, C), weights (B, h, T, S)

        Examples:
            >>> import torch
            >>> from qkvlib import KVCache, MultiHeadAttention
            >>> _ = torch.manual_seed(0)
            >>> m = MultiHeadAttention(d_model=16, num_heads=4)
            >>> x = torch.randn(1, 6, 16)
            >>> full = m(x, is_causal=True)
            >>> cache = KVCache()
            >>> steps = [m(x[:, :4], is_causal=True, kv_cache=cache)]            # prefill 4
            >>> steps += [m(x[:, t:t + 1], is_causal=True, kv_cache=cache) for t in (4, 5)]
            >>> torch.allclose(torch.cat(steps, dim=1), full, atol=1e-6), cache.seq_len
            (True, 6)
        """
        check_floating("x", x)
        check_ndim("x", x, 3, "(B, T, C)")
        B, T, C = x.shape  # batch, tokens, d_model
        if self.d_model != C:
            raise ValueError(
                f"input width x.shape[-1]={C} does not match d_model={self.d_model} "
                f"(x has shape {tuple(x.shape)})"
            )
        if x.dtype != self.q_proj.weight.dtype:
            raise TypeError(
                f"x has dtype {x.dtype} but the weights are {self.q_proj.weight.dtype}; "
                f"convert one of them (e.g. module.to(x.dtype))"
            )
        check_bool("is_causal", is_causal)
        check_bool("return_weights", return_weights)
        if kv_cache is not None and not isinstance(kv_cache, KVCache):
            raise TypeError(f"kv_cache must be a KVCache or None, got {type(kv_cache).__name__}")
        if is_causal and mask is not None:
            raise ValueError(
                "pass either mask or is_causal=True, not both "
                "(combine them yourself, e.g. mask & causal_mask(T, S))"
            )

        start = 0 if kv_cache is None else kv_cache.seq_len  # where the new tokens begin
        if positions is None:
            positions = torch.arange(start, start + T, device=x.device)  # (T,)
        positions = check_positions(positions, T, batch=B)

        q = split_heads(self.q_proj(x), self.num_heads)  # (B, T, C) -> (B, h, T, d)
        k = split_heads(self.k_proj(x), self.num_kv_heads)  # (B, T, C) -> (B, h_kv, T, d)
        v = split_heads(self.v_proj(x), self.num_kv_heads)  # (B, T, C) -> (B, h_kv, T, d)
        if self.q_norm is not None and self.k_norm is not None:
            q, k = self.q_norm(q), self.k_norm(k)  # RMSNorm over d, per head and token
        if self.rope_theta is not None:
            q = apply_rope(q, positions, self.rope_theta)  # rotate q and k, never v
            k = apply_rope(k, positions, self.rope_theta)
        if kv_cache is not None:
            k, v = kv_cache.update(k, v)  # (B, h_kv, T, d) -> (B, h_kv, S, d), S = cached + T
        S = k.shape[-2]
        k = repeat_kv(k, self.n_rep)  # (B, h_kv, S, d) -> (B, h, S, d)
        v = repeat_kv(v, self.n_rep)  # (B, h_kv, S, d) -> (B, h, S, d)
        if is_causal:
            mask = causal_mask(T, S, window=self.sliding_window, device=x.device)  # (T, S)
        elif self.sliding_window is not None:
            band = causal_mask(T, S, window=self.sliding_window, device=x.device)  # (T, S)
            mask = band if mask is None else _restrict(mask, band, (B, self.num_heads))
        out, weights = scaled_dot_product_attention(  # weights (B, h, T, S)
            q, k, v, mask=mask, sinks=self.sinks
        )
        out = merge_heads(out)  # (B, h, T, d) -> (B, T, h*d)
        y: torch.Tensor = self.o_proj(out)  # (B, T, h*d) -> (B, T, C)
        if return_weights:
            return y, weights
        return y


def _restrict(mask: object, allowed: torch.Tensor, batch: tuple[int, int]) -> torch.Tensor:
    """Also block what ``allowed`` (T, S) blocks: ``&`` a bool mask, ``-inf`` in a float one."""
    mask = check_mask(mask, batch, *allowed.shape)
    if mask.dtype == torch.bool:
        return mask & allowed
    return torch.where(allowed, mask, float("-inf"))
