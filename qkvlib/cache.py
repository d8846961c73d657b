"""Caches for token-by-token decoding: per-head keys and values, or MLA's latent."""

from __future__ import annotations

import torch

from qkvlib._validate import check_floating, check_ndim, check_same_dtype

__all__ = ["KVCache", "LatentKVCache"]


class KVCache:
    """Keys and values of the tokens seen so far, appended along the sequence axis.

    Stores ``k`` and ``v`` with the kv heads ``h_kv`` (before ``repeat_kv``), which is where
    GQA and MQA save memory. One cache serves one attention layer.

    Attributes:
        k: Cached keys, or ``None`` while empty.
        v: Cached values, or ``None`` while empty.

    Shape:
        k, v: (B, h_kv, S, d), S = number of tokens cached so far

    Examples:
        >>> import torch
        >>> from qkvlib import KVCache
        >>> cache = KVCache()
        >>> cache.seq_len
        0
        >>> k_all, v_all = cache.update(torch.zeros(1, 2, 5, 4), torch.zeros(1, 2, 5, 4))  # prefill
        >>> k_all, v_all = cache.update(torch.ones(1, 2, 1, 4), torch.ones(1, 2, 1, 4))    # 1 token
        >>> cache.seq_len, tuple(k_all.shape)
        (6, (1, 2, 6, 4))
        >>> cache.reset()
        >>> cache.seq_len
        0
    """

    def __init__(self) -> None:
        self.k: torch.Tensor | None = None
        self.v: torch.Tensor | None = None

    @property
    def seq_len(self) -> int:
        """Number of cached positions ``S`` (0 when empty).

        Examples:
            >>> from qkvlib import KVCache
            >>> KVCache().seq_len
            0
        """
        return 0 if self.k is None else int(self.k.shape[-2])

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append new keys and values and return everything cached so far.

        Args:
            k: Keys of the new tokens.
            v: Values of the new tokens.

        Returns:
            ``(k_all, v_all)``: cached and new positions, oldest first.

        Raises:
            TypeError: ``k`` or ``v`` is not a floating-point tensor, or the dtypes differ
                from each other or from the cache.
            ValueError: not 4-D, ``k`` and ``v`` disagree on (B, h_kv, T), or (B, h_kv, d)
                differ from what is cached.

        Shape:
            k (B, h_kv, T, d), v (B, h_kv, T, d_v) -> (B, h_kv, S+T, d), (B, h_kv, S+T, d_v)

        Examples:
            >>> import torch
            >>> from qkvlib import KVCache
            >>> cache = KVCache()
            >>> _ = cache.update(torch.zeros(2, 1, 3, 4), torch.zeros(2, 1, 3, 4))
            >>> k_all, v_all = cache.update(torch.ones(2, 1, 1, 4), torch.ones(2, 1, 1, 4))
            >>> tuple(v_all.shape), k_all[0, 0, :, 0].tolist()
            ((2, 1, 4, 4), [0.0, 0.0, 0.0, 1.0])
        """
        check_floating("k", k)
        check_floating("v", v)
        check_same_dtype(k=k, v=v)
        check_ndim("k", k, 4, "(B, h_kv, T, d)")
        check_ndim("v", v, 4, "(B, h_kv, T, d_v)")
        if k.shape[:-1] != v.shape[:-1]:
            raise ValueError(
                f"k {tuple(k.shape)} and v {tuple(v.shape)} must agree on (B, h_kv, T)"
            )
        if self.k is None or self.v is None:
            self.k, self.v = k, v
            return self.k, self.v
        check_same_dtype(cached_k=self.k, k=k)
        for name, new, old in (("k", k, self.k), ("v", v, self.v)):
            B, h_kv, _, d = new.shape
            if (B, h_kv, d) != (old.shape[0], old.shape[1], old.shape[3]):
                raise ValueError(
                    f"{name} of shape {tuple(new.shape)} does not fit the cached {name} of shape "
                    f"{tuple(old.shape)}: (B, h_kv, d) must match"
                )
        self.k = torch.cat([self.k, k], dim=-2)  # (B, h_kv, S, d) + (B, h_kv, T, d) -> S+T
        self.v = torch.cat([self.v, v], dim=-2)  # (B, h_kv, S, d_v) + (B, h_kv, T, d_v) -> S+T
        return self.k, self.v

    def reset(self) -> None:
        """Forget everything cached (start a new sequence).

        Examples:
            >>> import torch
            >>> from qkvlib import KVCache
            >>> cache = KVCache()
            >>> _ = cache.update(torch.zeros(1, 1, 2, 4), torch.zeros(1, 1, 2, 4))
            >>> cache.reset()
            >>> cache.k is None, cache.seq_len
            (True, 0)
        """
        self.k = None
        self.v = None

    def __repr__(self) -> str:
        shape = None if self.k is None else tuple(self.k.shape)
        return f"KVCache(seq_len={self.seq_len}, k_shape={shape})"


class LatentKVCache:
    """What multi-head latent attention (MLA) caches: one latent and one rope key per token.

    ``MultiHeadLatentAttention`` rebuilds every head's keys and values from the normalised
    latent ``c`` (``kv_lora_rank`` numbers per token) and shares one rotated rope key
    (``qk_rope_head_dim`` numbers) across all heads, so these two are all a decoder must
    keep: ``kv_lora_rank + qk_rope_head_dim`` numbers per token and layer, whatever the
    number of heads. One cache serves one attention layer.

    Attributes:
        latent: Cached latents (after ``kv_a_layernorm``), or ``None`` while empty.
        k_rope: Cached rope keys (already rotated), or ``None`` while empty.

    Shape:
        latent (B, S, kv_lora_rank), k_rope (B, S, qk_rope_head_dim), S = tokens cached

    Examples:
        >>> import torch
        >>> from qkvlib import LatentKVCache
        >>> cache = LatentKVCache()
        >>> _ = cache.update(torch.zeros(1, 5, 512), torch.zeros(1, 5, 64))   # prefill 5
        >>> c_all, k_rope_all = cache.update(torch.ones(1, 1, 512), torch.ones(1, 1, 64))
        >>> cache.seq_len, tuple(c_all.shape), tuple(k_rope_all.shape)
        (6, (1, 6, 512), (1, 6, 64))
        >>> cache.nbytes() == (512 + 64) * 6 * 4        # float32: 4 bytes per number
        True
    """

    def __init__(self) -> None:
        self.latent: torch.Tensor | None = None
        self.k_rope: torch.Tensor | None = None

    @property
    def seq_len(self) -> int:
        """Number of cached positions ``S`` (0 when empty).

        Examples:
            >>> from qkvlib import LatentKVCache
            >>> LatentKVCache().seq_len
            0
        """
        return 0 if self.latent is None else int(self.latent.shape[-2])

    def nbytes(self) -> int:
        """Bytes held: ``B * S * (kv_lora_rank + qk_rope_head_dim) * element size``.

        Examples:
            >>> import torch
            >>> from qkvlib import LatentKVCache
            >>> cache = LatentKVCache()
            >>> cache.nbytes()
            0
            >>> c = torch.zeros(2, 3, 8, dtype=torch.bfloat16)
            >>> _ = cache.update(c, torch.zeros(2, 3, 4, dtype=torch.bfloat16))
            >>> cache.nbytes()                             # 2 * 3 * (8 + 4) * 2 bytes
            144
        """
        if self.latent is None or self.k_rope is None:
            return 0
        tensors = (self.latent, self.k_rope)
        return sum(t.numel() * t.element_size() for t in tensors)

    def update(
        self, latent: torch.Tensor, k_rope: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Append the new tokens' latents and rope keys; return everything cached so far.

        Args:
            latent: Normalised latents of the new tokens.
            k_rope: Rotated rope keys of the new tokens.

        Returns:
            ``(latent_all, k_rope_all)``: cached and new positions, oldest first.

        Raises:
            TypeError: an argument is not a floating-point tensor, or the dtypes differ from
                each other or from the cache.
            ValueError: not 3-D, the two disagree on (B, T), or (B, width) differ from what
                is cached.

        Shape:
            latent (B, T, r), k_rope (B, T, d_rope) -> (B, S+T, r), (B, S+T, d_rope)

        Examples:
            >>> import torch
            >>> from qkvlib import LatentKVCache
            >>> cache = LatentKVCache()
            >>> c_all, _ = cache.update(torch.zeros(2, 4, 16), torch.zeros(2, 4, 8))
            >>> tuple(c_all.shape)
            (2, 4, 16)
        """
        check_floating("latent", latent)
        check_floating("k_rope", k_rope)
        check_same_dtype(latent=latent, k_rope=k_rope)
        check_ndim("latent", latent, 3, "(B, T, kv_lora_rank)")
        check_ndim("k_rope", k_rope, 3, "(B, T, qk_rope_head_dim)")
        if latent.shape[:-1] != k_rope.shape[:-1]:
            raise ValueError(
                f"latent {tuple(latent.shape)} and k_rope {tuple(k_rope.shape)} must agree "
                f"on (B, T)"
            )
        if self.latent is None or self.k_rope is None:
            self.latent, self.k_rope = latent, k_rope
            return self.latent, self.k_rope
        check_same_dtype(cached_latent=self.latent, latent=latent)
        for name, new, old in (("latent", latent, self.latent), ("k_rope", k_rope, self.k_rope)):
            if (new.shape[0], new.shape[2]) != (old.shape[0], old.shape[2]):
                raise ValueError(
                    f"{name} of shape {tuple(new.shape)} does not fit the cached {name} of "
                    f"shape {tuple(old.shape)}: (B, width) must match"
                )
        self.latent = torch.cat([self.latent, latent], dim=-2)  # (B, S, r) + (B, T, r)
        self.k_rope = torch.cat([self.k_rope, k_rope], dim=-2)  # (B, S, d_rope) + (B, T, ...)
        return self.latent, self.k_rope

    def reset(self) -> None:
        """Forget everything cached (start a new sequence).

        Examples:
            >>> import torch
            >>> from qkvlib import LatentKVCache
            >>> cache = LatentKVCache()
            >>> _ = cache.update(torch.zeros(1, 2, 4), torch.zeros(1, 2, 2))
            >>> cache.reset()
            >>> cache.latent is None, cache.seq_len, cache.nbytes()
            (True, 0, 0)
        """
        self.latent = None
        self.k_rope = None

    def __repr__(self) -> str:
        shape = None if self.latent is None else tuple(self.latent.shape)
        return f"LatentKVCache(seq_len={self.seq_len}, latent_shape={shape})"
