"""Multi-head latent attention (MLA, DeepSeek-V2/V3): keys and values from a small latent."""

from __future__ import annotations

import torch
from torch import nn

from qkvlib._validate import check_bool, check_floating, check_int, check_ndim
from qkvlib.attention import scaled_dot_product_attention
from qkvlib.cache import LatentKVCache
from qkvlib.heads import merge_heads, split_heads
from qkvlib.masks import causal_mask
from qkvlib.norms import RMSNorm
from qkvlib.rope import apply_rope, check_positions

__all__ = ["MultiHeadLatentAttention"]


def _rope_interleaved(x: torch.Tensor, positions: torch.Tensor, theta: float) -> torch.Tensor:
    """DeepSeek's layout: rotate pairs (2i, 2i+1); the result is written de-interleaved.

    Moving the even features in front of the odd ones turns pair (2i, 2i+1) into pair
    (i, i + d/2), which ``apply_rope`` rotates; this is what transformers'
    ``apply_rotary_pos_emb_interleave`` returns for ``rope_interleave=True``.
    """
    return apply_rope(torch.cat([x[..., 0::2], x[..., 1::2]], dim=-1), positions, theta)


class MultiHeadLatentAttention(nn.Module):
    """DeepSeek's multi-head latent attention with transformers' ``DeepseekV3Attention`` names.

    Keys and values are not projected from ``x`` per head. ``kv_a_proj_with_mqa`` maps ``x``
    to a latent ``c`` of ``kv_lora_rank`` numbers (normalised by ``kv_a_layernorm``) plus one
    rope key of ``qk_rope_head_dim`` numbers shared by all heads; ``kv_b_proj`` expands ``c``
    into every head's ``k_nope`` (``qk_nope_head_dim``) and ``v`` (``v_head_dim``). Each
    head's key is ``[k_nope, k_rope]``, its query ``[q_nope, q_rope]``; only the rope halves
    are rotated (pairs (2i, 2i+1), as DeepSeek-V3's ``rope_interleave=True``). The softmax
    scale is ``(qk_nope_head_dim + qk_rope_head_dim) ** -0.5``. The query comes from
    ``q_proj`` (``q_lora_rank=None``) or from its own latent:
    ``q_b_proj(q_a_layernorm(q_a_proj(x)))``. No projection has a bias
    (``attention_bias=False``, as in DeepSeek-V3), and both latent norms use ``norm_eps``
    (transformers fixes it at 1e-6 whatever ``rms_norm_eps`` says).

    With ``absorb=True`` the forward never expands the cache: ``kv_b_proj``'s key half is
    folded into the query (``q_nope @ W_UK`` scores directly against ``c``) and its value half
    is applied after attention (to the weighted sum of latents). Same result, fewer FLOPs
    per decoded token: it is MQA with one key head of ``kv_lora_rank + qk_rope_head_dim``.

    Args:
        d_model: Model width ``C``.
        num_heads: Heads ``h``.
        kv_lora_rank: Latent width ``r`` (what is cached per token, with the rope key).
        qk_nope_head_dim: Per-head query/key features without position.
        qk_rope_head_dim: Rotated query/key features (even; the key part shared by heads).
        v_head_dim: Per-head value size.
        q_lora_rank: Width of the query latent, or ``None`` for a plain ``q_proj``.
        rope_theta: RoPE base.
        norm_eps: Epsilon of ``q_a_layernorm`` and ``kv_a_layernorm``.

    Raises:
        TypeError: a size is not an int, or ``rope_theta`` / ``norm_eps`` not a number.
        ValueError: a size is not positive, ``qk_rope_head_dim`` is odd, or ``rope_theta`` /
            ``norm_eps`` is not positive.

    Shape:
        x (B, T, C) -> out (B, T, C); weights (B, h, T, S), S = cached + new tokens

    Examples:
        >>> import torch
        >>> from qkvlib import MultiHeadLatentAttention
        >>> _ = torch.manual_seed(0)
        >>> m = MultiHeadLatentAttention(64, 4, kv_lora_rank=16, qk_nope_head_dim=8,
        ...                              qk_rope_head_dim=4, v_head_dim=8)
        >>> [name for name, _ in m.named_parameters()]
        ['q_proj.weight', 'kv_a_proj_with_mqa.weight', 'kv_a_layernorm.weight',
         'kv_b_proj.weight', 'o_proj.weight']
        >>> x = torch.randn(2, 5, 64)
        >>> out = m(x, is_causal=True)
        >>> tuple(out.shape)
        (2, 5, 64)
        >>> bool(torch.allclose(m(x, is_causal=True, absorb=True), out, atol=1e-5))
        True
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        *,
        kv_lora_rank: int,
        qk_nope_head_dim: int,
        qk_rope_head_dim: int,
        v_head_dim: int,
        q_lora_rank: int | None = None,
        rope_theta: float = 10000.0,
        norm_eps: float = 1e-6,
    ) -> None:
        super().__init__()
        for name, value in (
            ("d_model", d_model),
            ("num_heads", num_heads),
            ("kv_lora_rank", kv_lora_rank),
            ("qk_nope_head_dim", qk_nope_head_dim),
            ("qk_rope_head_dim", qk_rope_head_dim),
            ("v_head_dim", v_head_dim),
        ):
            check_int(name, value)
        if q_lora_rank is not None:
            check_int("q_lora_rank", q_lora_rank)
        if qk_rope_head_dim % 2:
            raise ValueError(
                f"qk_rope_head_dim={qk_rope_head_dim} must be even (RoPE rotates pairs)"
            )
        for name, number in (("rope_theta", rope_theta), ("norm_eps", norm_eps)):
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise TypeError(f"{name} must be a number, got {type(number).__name__} {number!r}")
            if not number > 0:
                raise ValueError(f"{name}={number} must be > 0")

        self.d_model, self.num_heads = d_model, num_heads
        self.kv_lora_rank, self.q_lora_rank = kv_lora_rank, q_lora_rank
        self.qk_nope_head_dim, self.qk_rope_head_dim = qk_nope_head_dim, qk_rope_head_dim
        self.v_head_dim, self.rope_theta = v_head_dim, float(rope_theta)
        self.qk_head_dim = qk_nope_head_dim + qk_rope_head_dim
        self.scale = self.qk_head_dim**-0.5
        h = num_heads
        self.q_proj: nn.Linear | None = None
        self.q_a_proj: nn.Linear | None = None
        self.q_a_layernorm: RMSNorm | None = None
        self.q_b_proj: nn.Linear | None = None
        if q_lora_rank is None:
            self.q_proj = nn.Linear(d_model, h * self.qk_head_dim, bias=False)  # C -> h*d_qk
        else:
            self.q_a_proj = nn.Linear(d_model, q_lora_rank, bias=False)  # C -> r_q
            self.q_a_layernorm = RMSNorm(q_lora_rank, norm_eps)
            # r_q -> h*d_qk
            self.q_b_proj = nn.Linear(q_lora_rank, h * self.qk_head_dim, bias=False)
        # C -> r + d_rope: the latent and the one rope key every head shares
        self.kv_a_proj_with_mqa = nn.Linear(d_model, kv_lora_rank + qk_rope_head_dim, bias=False)
        self.kv_a_layernorm = RMSNorm(kv_lora_rank, norm_eps)
        # r -> h*(d_nope + d_v): W_UK and W_UV, per head, stacked
        self.kv_b_proj = nn.Linear(kv_lora_rank, h * (qk_nope_head_dim + v_head_dim), bias=False)
        self.o_proj = nn.Linear(h * v_head_dim, d_model, bias=False)  # h*d_v -> C

    def extra_repr(self) -> str:
        return (
            f"d_model={self.d_model}, num_heads={self.num_heads}, "
            f"kv_lora_rank={self.kv_lora_rank}, q_lora_rank={self.q_lora_rank}, "
            f"qk_nope_head_dim={self.qk_nope_head_dim}, "
            f"qk_rope_head_dim={self.qk_rope_head_dim}, v_head_dim={self.v_head_dim}"
        )

    def up_proj_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``kv_b_proj.weight`` split per head into ``W_UK`` and ``W_UV``.

        ``k_nope = c @ W_UK[i].T`` and ``v = c @ W_UV[i].T`` for head ``i``.

        Shape:
            () -> W_UK (h, d_nope, r), W_UV (h, d_v, r)

        Examples:
            >>> from qkvlib import MultiHeadLatentAttention
            >>> m = MultiHeadLatentAttention(32, 2, kv_lora_rank=8, qk_nope_head_dim=6,
            ...                              qk_rope_head_dim=2, v_head_dim=4)
            >>> [tuple(w.shape) for w in m.up_proj_weights()]
            [(2, 6, 8), (2, 4, 8)]
        """
        w = self.kv_b_proj.weight.view(self.num_heads, -1, self.kv_lora_rank)  # (h, d_nope+d_v, r)
        return w[:, : self.qk_nope_head_dim], w[:, self.qk_nope_head_dim :]

    def forward(
        self,
        x: torch.Tensor,
        *,
        positions: torch.Tensor | None = None,
        is_causal: bool = False,
        mask: torch.Tensor | None = None,
        kv_cache: LatentKVCache | None = None,
        return_weights: bool = False,
        absorb: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Attend over the input (and, with a cache, over all cached positions).

        Args:
            x: Input tokens.
            positions: Integer positions used by RoPE, ``(T,)`` or ``(B, T)``; defaults to
                ``kv_cache.seq_len + arange(T)`` with a cache, else ``arange(T)``.
            is_causal: Use ``causal_mask(T, S)`` (bottom-right aligned, so prefill plus
                one-token steps through one cache equals the full causal forward).
            mask: Bool (``True`` = allowed) or float (added) mask broadcastable to
                ``(B, h, T, S)``.
            kv_cache: A ``LatentKVCache``; the new latents and rope keys are appended first.
            return_weights: Also return the attention weights.
            absorb: Fold ``W_UK`` into the query and apply ``W_UV`` after attention instead
                of expanding per-head keys and values (same output).

        Returns:
            ``out``, or ``(out, weights)`` when ``return_weights=True``.

        Raises:
            TypeError: ``x`` is not a floating-point tensor or its dtype differs from the
                weights; ``positions`` is not an integer tensor; ``kv_cache`` is not a
                ``LatentKVCache``; a flag is not a bool.
            ValueError: ``x`` is not 3-D or not ``d_model`` wide; ``positions`` is not
                ``(T,)`` or ``(B, T)``; both ``mask`` and ``is_causal``.

        Shape:
            x (B, T, C) -> out (B, T, C), weights (B, h, T, S)

        Examples:
            >>> import torch
            >>> from qkvlib import LatentKVCache, MultiHeadLatentAttention
            >>> _ = torch.manual_seed(0)
            >>> m = MultiHeadLatentAttention(32, 4, kv_lora_rank=8, qk_nope_head_dim=4,
            ...                              qk_rope_head_dim=4, v_head_dim=4).double()
            >>> x = torch.randn(1, 6, 32, dtype=torch.float64)
            >>> cache = LatentKVCache()
            >>> steps = [m(x[:, :4], is_causal=True, kv_cache=cache)]         # prefill 4
            >>> steps += [m(x[:, t:t + 1], is_causal=True, kv_cache=cache, absorb=True)
            ...           for t in (4, 5)]                                     # decode 2
            >>> bool(torch.allclose(torch.cat(steps, 1), m(x, is_causal=True), atol=1e-12))
            True
            >>> cache.nbytes() == (8 + 4) * 6 * 8                 # float64: 8 bytes each
            True
        """
        check_floating("x", x)
        check_ndim("x", x, 3, "(B, T, C)")
        B, T, C = x.shape  # batch, tokens, d_model
        if self.d_model != C:
            raise ValueError(
                f"input width x.shape[-1]={C} does not match d_model={self.d_model} "
                f"(x has shape {tuple(x.shape)})"
            )
        w_dtype = self.kv_b_proj.weight.dtype
        if x.dtype != w_dtype:
            raise TypeError(
                f"x has dtype {x.dtype} but the weights are {w_dtype}; "
                f"convert one of them (e.g. module.to(x.dtype))"
            )
        for flag, value in (("is_causal", is_causal), ("return_weights", return_weights)):
            check_bool(flag, value)
        check_bool("absorb", absorb)
        if kv_cache is not None and not isinstance(kv_cache, LatentKVCache):
            raise TypeError(
                f"kv_cache must be a LatentKVCache or None, got {type(kv_cache).__name__}"
            )
        if is_causal and mask is not None:
            raise ValueError(
                "pass either mask or is_causal=True, not both "
                "(combine them yourself, e.g. mask & causal_mask(T, S))"
            )
        if positions is None:
            start = 0 if kv_cache is None else kv_cache.seq_len
            positions = torch.arange(start, start + T, device=x.device)
        positions = check_positions(positions, T, batch=B)

        if self.q_proj is not None:
            q = self.q_proj(x)  # (B, T, C) -> (B, T, h*d_qk)
        else:
            assert self.q_a_proj is not None and self.q_a_layernorm is not None
            assert self.q_b_proj is not None
            q = self.q_b_proj(self.q_a_layernorm(self.q_a_proj(x)))  # C -> r_q -> h*d_qk
        q = split_heads(q, self.num_heads)  # (B, T, h*d_qk) -> (B, h, T, d_qk)
        q_nope, q_rope = torch.split(q, [self.qk_nope_head_dim, self.qk_rope_head_dim], dim=-1)
        c, k_rope = torch.split(
            self.kv_a_proj_with_mqa(x), [self.kv_lora_rank, self.qk_rope_head_dim], dim=-1
        )  # (B, T, C) -> (B, T, r), (B, T, d_rope)
        c = self.kv_a_layernorm(c)  # only the latent is normalised, not the rope key
        q_rope = _rope_interleaved(q_rope, positions, self.rope_theta)  # (B, h, T, d_rope)
        k_rope = _rope_interleaved(k_rope[:, None], positions, self.rope_theta)[:, 0]
        if kv_cache is not None:
            c, k_rope = kv_cache.update(c, k_rope)  # (B, S, r), (B, S, d_rope), S = cached + T
        S = c.shape[1]
        if is_causal:
            mask = causal_mask(T, S, device=x.device)  # (T, S), bottom-right aligned

        w_uk, w_uv = self.up_proj_weights()  # (h, d_nope, r), (h, d_v, r)
        k_rope = k_rope[:, None]  # (B, 1, S, d_rope): one key head shared by all heads
        if absorb:
            q_lat = q_nope @ w_uk  # (B, h, T, d_nope) @ (h, d_nope, r) -> (B, h, T, r)
            q = torch.cat([q_lat, q_rope], dim=-1)  # (B, h, T, r + d_rope)
            k = torch.cat([c[:, None], k_rope], dim=-1)  # (B, 1, S, r + d_rope)
            o_lat, weights = scaled_dot_product_attention(
                q, k, c[:, None], mask=mask, scale=self.scale
            )  # values are the latents: (B, h, T, r)
            out = o_lat @ w_uv.transpose(-2, -1)  # (B, h, T, r) @ (h, r, d_v) -> (B, h, T, d_v)
        else:
            kv = split_heads(self.kv_b_proj(c), self.num_heads)  # -> (B, h, S, d_nope + d_v)
            k_nope, v = torch.split(kv, [self.qk_nope_head_dim, self.v_head_dim], dim=-1)
            k = torch.cat([k_nope, k_rope.expand(-1, self.num_heads, -1, -1)], dim=-1)
            q = torch.cat([q_nope, q_rope], dim=-1)  # (B, h, T, d_qk)
            out, weights = scaled_dot_product_attention(q, k, v, mask=mask, scale=self.scale)
        y: torch.Tensor = self.o_proj(merge_heads(out))  # (B, h, T, d_v) -> (B, T, h*d_v) -> C
        return (y, weights) if return_weights else y
