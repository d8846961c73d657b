"""A key/value cache for token-by-token decoding."""

from __future__ import annotations

import torch

from qkvlib._validate import check_floating, check_ndim, check_same_dtype

__all__ = ["KVCache"]


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
