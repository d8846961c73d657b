"""Boolean attention masks. Convention: ``True`` means attention is ALLOWED.

This is the convention of ``torch.nn.functional.scaled_dot_product_attention``.
``torch.nn.MultiheadAttention`` uses the opposite one for boolean masks (``attn_mask`` and
``key_padding_mask``: ``True`` means the position is BLOCKED), so pass ``~mask`` there.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from qkvlib._validate import check_int, check_ndim

__all__ = ["causal_mask", "padding_mask"]


def causal_mask(
    T: int,
    S: int | None = None,
    *,
    window: int | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Which key positions each query may attend to when no token may look into the future.

    ``True`` = attention ALLOWED (the convention of
    ``torch.nn.functional.scaled_dot_product_attention``). ``torch.nn.MultiheadAttention``'s
    boolean masks mean the opposite (``True`` = BLOCKED): give it ``~causal_mask(T)``.

    Alignment is bottom-right: the ``T`` queries are the LAST ``T`` of the ``S`` key
    positions, which is what decoding with a KV cache needs (``S`` cached + new keys, ``T``
    new queries)::

        allowed[i, j] = j <= i + (S - T)

    For ``T == S`` this is the lower triangle (diagonal included). Note that
    ``F.scaled_dot_product_attention(..., is_causal=True)`` aligns top-left instead
    (``j <= i``); the two agree only when ``T == S``.

    With ``window=W`` the mask becomes a band (sliding-window attention, as in Mistral,
    Gemma 2/3 and gpt-oss): each query also stops seeing keys more than ``W - 1`` positions
    back, so it sees at most ``W`` keys, itself included::

        allowed[i, j] = i + (S - T) - W < j <= i + (S - T)

    Args:
        T: Number of queries (new tokens).
        S: Number of keys (cached + new tokens); defaults to ``T``. Must be ``>= T``.
        window: Keys each query sees at most (``None``: all earlier ones). Must be ``>= 1``.
        device: Where to create the mask.

    Returns:
        A bool tensor.

    Raises:
        TypeError: ``T``, ``S`` or ``window`` is not an int.
        ValueError: ``T < 1``, ``S < T`` (the first queries would see no key at all), or
            ``window < 1``.

    Shape:
        () -> (T, S)

    Examples:
        >>> from qkvlib import causal_mask
        >>> causal_mask(3).int().tolist()
        [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
        >>> causal_mask(1, 4).int().tolist()     # one decode step after 3 cached tokens
        [[1, 1, 1, 1]]
        >>> causal_mask(2, 4).int().tolist()
        [[1, 1, 1, 0], [1, 1, 1, 1]]
        >>> causal_mask(4, window=2).int().tolist()    # a band: itself and one back
        [[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]
    """
    check_int("T", T)
    if S is None:
        S = T
    check_int("S", S)
    if S < T:
        raise ValueError(
            f"S={S} is smaller than T={T}: with bottom-right alignment the queries are the last "
            f"T of the S key positions, so S must be >= T"
        )
    if window is not None:
        check_int("window", window)
    i = torch.arange(T, device=device).unsqueeze(-1)  # (T, 1) query positions
    j = torch.arange(S, device=device).unsqueeze(0)  # (1, S) key positions
    allowed = j <= i + (S - T)  # (T, 1), (1, S) -> (T, S)
    if window is not None:
        allowed &= j > i + (S - T) - window  # the band: at most `window` keys per query
    return allowed


def padding_mask(
    lengths: torch.Tensor | Sequence[int], S: int, *, device: torch.device | str | None = None
) -> torch.Tensor:
    """Mark the real tokens of right-padded sequences: ``True`` for positions ``< length``.

    ``True`` = real token, attention ALLOWED; ``False`` = padding. (For
    ``nn.MultiheadAttention``'s ``key_padding_mask``, which blocks where ``True``, pass
    ``~padding_mask(...)``.)

    To use it as an attention mask over keys, add the head and query axes so that it
    broadcasts against the scores ``(B, h, T, S)``: ``padding_mask(lengths, S)[:, None, None, :]``
    has shape ``(B, 1, 1, S)``. Combine with a causal mask by ``&``.

    Args:
        lengths: Number of real tokens per sequence, ints in ``[0, S]``.
        S: Padded sequence length.
        device: Where to create the mask; defaults to the device of ``lengths`` if it is a
            tensor.

    Returns:
        A bool tensor.

    Raises:
        TypeError: ``S`` is not an int, or ``lengths`` is not integer-valued.
        ValueError: ``lengths`` is not one-dimensional or holds a value outside ``[0, S]``.

    Shape:
        lengths (B,) -> (B, S)

    Examples:
        >>> from qkvlib import causal_mask, padding_mask
        >>> padding_mask([3, 1], S=4).int().tolist()
        [[1, 1, 1, 0], [1, 0, 0, 0]]
        >>> m = padding_mask([3, 1], S=4)[:, None, None, :]     # broadcasts over (B, h, T, S)
        >>> tuple(m.shape)
        (2, 1, 1, 4)
        >>> tuple((m & causal_mask(4)).shape)                   # padding and causal together
        (2, 1, 4, 4)
    """
    check_int("S", S)
    if isinstance(lengths, torch.Tensor):
        if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
            raise TypeError(f"lengths must hold integers, got dtype {lengths.dtype}")
        lens = lengths.to(device=device) if device is not None else lengths
    else:
        values = list(lengths)
        for n in values:
            if isinstance(n, bool) or not isinstance(n, int):
                raise TypeError(f"lengths must hold ints, got {type(n).__name__} {n!r}")
        lens = torch.tensor(values, dtype=torch.long, device=device)
    check_ndim("lengths", lens, 1, "(B,)")
    bad = (lens < 0) | (lens > S)
    if bool(bad.any()):
        raise ValueError(f"lengths={lens.tolist()} must lie in [0, S] with S={S}")
    positions = torch.arange(S, device=lens.device)  # (S,)
    return positions.unsqueeze(0) < lens.unsqueeze(-1)  # (1, S), (B, 1) -> (B, S)
