"""Copy attention weights between qkvlib's layout and torch's / GPT-2's fused layouts.

Orientation reminder:

- ``nn.Linear`` (qkvlib, Hugging Face Llama, ``nn.MultiheadAttention``) stores ``(out, in)``:
  ``y = x @ W.T + b``.
- GPT-2's ``Conv1D`` stores ``(in, out)``: ``y = x @ W + b``.

``nn.MultiheadAttention`` fuses the three input projections into ``in_proj_weight`` of shape
``(3C, C)``, stacked ``[W_q; W_k; W_v]`` along the output axis (rows). GPT-2 fuses them into
``c_attn.weight`` of shape ``(C, 3C)``, concatenated ``[W_q | W_k | W_v]`` along the output
axis (columns). In both, the heads within each of Q, K, V are consecutive blocks of ``d``
features, which is exactly what ``split_heads`` expects.
"""

from __future__ import annotations

import torch
from torch import nn

from qkvlib._validate import check_divisible, check_floating, check_int
from qkvlib.mha import MultiHeadAttention

__all__ = ["from_gpt2_attention", "from_torch_mha", "to_gpt2_attention", "to_torch_mha"]


def _check_plain_mha(m: object, target: str) -> MultiHeadAttention:
    if not isinstance(m, MultiHeadAttention):
        raise TypeError(f"expected a qkvlib MultiHeadAttention, got {type(m).__name__}")
    if m.num_kv_heads != m.num_heads:
        raise ValueError(
            f"{target} has no grouped kv heads: need num_kv_heads == num_heads, got "
            f"num_kv_heads={m.num_kv_heads}, num_heads={m.num_heads}"
        )
    if m.num_heads * m.head_dim != m.d_model:
        raise ValueError(
            f"{target} needs num_heads * head_dim == d_model, got num_heads={m.num_heads} * "
            f"head_dim={m.head_dim} = {m.num_heads * m.head_dim} != d_model={m.d_model}"
        )
    return m


def from_torch_mha(mha: nn.MultiheadAttention) -> MultiHeadAttention:
    """Build a ``MultiHeadAttention`` with the weights of a ``torch.nn.MultiheadAttention``.

    ``in_proj_weight`` ``(3C, C)`` is cut into ``q_proj``, ``k_proj``, ``v_proj`` (rows
    ``0:C``, ``C:2C``, ``2C:3C``; both store ``(out, in)``, so no transpose), ``out_proj``
    becomes ``o_proj``. The result has the same dtype and device as ``mha``.

    The weights do not depend on ``batch_first``, but calls do: qkvlib takes ``(B, T, C)``,
    like ``nn.MultiheadAttention(..., batch_first=True)``.

    Args:
        mha: A self-attention ``nn.MultiheadAttention`` (``kdim == vdim == embed_dim``, no
            ``add_bias_kv``, no ``add_zero_attn``).

    Returns:
        A new module computing the same function (dropout aside).

    Raises:
        TypeError: ``mha`` is not an ``nn.MultiheadAttention``.
        ValueError: ``mha`` uses separate k/v widths, ``add_bias_kv`` or ``add_zero_attn``.

    Shape:
        in_proj_weight (3C, C) -> q_proj, k_proj, v_proj weights (C, C) each

    Examples:
        >>> import torch
        >>> from qkvlib import from_torch_mha
        >>> _ = torch.manual_seed(0)
        >>> ref = torch.nn.MultiheadAttention(16, 4, batch_first=True)
        >>> m = from_torch_mha(ref)
        >>> x = torch.randn(2, 5, 16)
        >>> torch.allclose(m(x), ref(x, x, x, need_weights=False)[0], atol=1e-6)
        True
    """
    if not isinstance(mha, nn.MultiheadAttention):
        raise TypeError(f"expected torch.nn.MultiheadAttention, got {type(mha).__name__}")
    if mha.in_proj_weight is None:
        raise ValueError(
            f"only self-attention with kdim == vdim == embed_dim converts, got "
            f"embed_dim={mha.embed_dim}, kdim={mha.kdim}, vdim={mha.vdim}"
        )
    if mha.bias_k is not None or mha.add_zero_attn:
        raise ValueError(
            f"add_bias_kv / add_zero_attn have no qkvlib counterpart, got "
            f"add_bias_kv={mha.bias_k is not None}, add_zero_attn={mha.add_zero_attn}"
        )
    C, h = mha.embed_dim, mha.num_heads
    bias = mha.in_proj_bias is not None
    w = mha.in_proj_weight
    m = MultiHeadAttention(C, h, bias=bias).to(device=w.device, dtype=w.dtype)
    with torch.no_grad():
        w_q, w_k, w_v = w.chunk(3, dim=0)  # (3C, C) -> 3 x (C, C), (out, in)
        m.q_proj.weight.copy_(w_q)
        m.k_proj.weight.copy_(w_k)
        m.v_proj.weight.copy_(w_v)
        m.o_proj.weight.copy_(mha.out_proj.weight)
        if bias:
            assert mha.in_proj_bias is not None and mha.out_proj.bias is not None
            assert m.q_proj.bias is not None and m.k_proj.bias is not None
            assert m.v_proj.bias is not None and m.o_proj.bias is not None
            b_q, b_k, b_v = mha.in_proj_bias.chunk(3)  # (3C,) -> 3 x (C,)
            m.q_proj.bias.copy_(b_q)
            m.k_proj.bias.copy_(b_k)
            m.v_proj.bias.copy_(b_v)
            m.o_proj.bias.copy_(mha.out_proj.bias)
    return m


def to_torch_mha(m: MultiHeadAttention) -> nn.MultiheadAttention:
    """Build a ``torch.nn.MultiheadAttention(batch_first=True)`` with the weights of ``m``.

    ``in_proj_weight`` is ``torch.cat([q_proj.weight, k_proj.weight, v_proj.weight])`` of
    shape ``(3C, C)``, ``out_proj`` is ``o_proj``. Only plain multi-head attention converts
    (``num_kv_heads == num_heads`` and ``num_heads * head_dim == d_model``): torch's module
    has neither GQA nor a head size of its own.

    Remember that ``nn.MultiheadAttention``'s boolean ``attn_mask`` means ``True`` =
    BLOCKED: pass ``~causal_mask(T)``, or ``is_causal=True`` together with that mask.

    Args:
        m: A plain multi-head ``MultiHeadAttention``.

    Returns:
        A new ``nn.MultiheadAttention`` (batch_first=True, dropout 0) on ``m``'s dtype and
        device.

    Raises:
        TypeError: ``m`` is not a qkvlib ``MultiHeadAttention``.
        ValueError: ``m`` is GQA/MQA or has ``num_heads * head_dim != d_model``.

    Shape:
        q_proj, k_proj, v_proj weights (C, C) each -> in_proj_weight (3C, C)

    Examples:
        >>> import torch
        >>> from qkvlib import MultiHeadAttention, causal_mask, to_torch_mha
        >>> _ = torch.manual_seed(0)
        >>> m = MultiHeadAttention(16, 4)
        >>> ref = to_torch_mha(m)
        >>> tuple(ref.in_proj_weight.shape)
        (48, 16)
        >>> x = torch.randn(2, 5, 16)
        >>> out_ref, _ = ref(x, x, x, attn_mask=~causal_mask(5))    # torch: True = blocked
        >>> torch.allclose(m(x, is_causal=True), out_ref, atol=1e-6)
        True
    """
    m = _check_plain_mha(m, "nn.MultiheadAttention")
    w = m.q_proj.weight
    ref = nn.MultiheadAttention(
        m.d_model, m.num_heads, bias=m.bias, batch_first=True, device=w.device, dtype=w.dtype
    )
    with torch.no_grad():
        ref.in_proj_weight.copy_(  # 3 x (C, C) -> (3C, C)
            torch.cat([m.q_proj.weight, m.k_proj.weight, m.v_proj.weight], dim=0)
        )
        ref.out_proj.weight.copy_(m.o_proj.weight)
        if m.bias:
            assert m.q_proj.bias is not None and m.k_proj.bias is not None
            assert m.v_proj.bias is not None and m.o_proj.bias is not None
            assert ref.in_proj_bias is not None and ref.out_proj.bias is not None
            ref.in_proj_bias.copy_(torch.cat([m.q_proj.bias, m.k_proj.bias, m.v_proj.bias]))
            ref.out_proj.bias.copy_(m.o_proj.bias)
    return ref


def from_gpt2_attention(
    c_attn_weight: torch.Tensor,
    c_attn_bias: torch.Tensor,
    c_proj_weight: torch.Tensor,
    c_proj_bias: torch.Tensor,
    num_heads: int,
) -> MultiHeadAttention:
    """Build a ``MultiHeadAttention`` from the four tensors of a GPT-2 attention block.

    GPT-2's ``Conv1D`` stores weights ``(in, out)``, so each slice is transposed into
    ``nn.Linear``'s ``(out, in)``: ``q_proj.weight = c_attn_weight[:, 0:C].T``,
    ``k_proj.weight = c_attn_weight[:, C:2C].T``, ``v_proj.weight = c_attn_weight[:, 2C:3C].T``,
    ``o_proj.weight = c_proj_weight.T``. Plain tensors are taken (e.g. from
    ``GPT2Attention.state_dict()`` or a checkpoint), so qkvlib does not depend on
    transformers. GPT-2 is causal: call the result with ``is_causal=True``.

    Args:
        c_attn_weight: ``attn.c_attn.weight``.
        c_attn_bias: ``attn.c_attn.bias``.
        c_proj_weight: ``attn.c_proj.weight``.
        c_proj_bias: ``attn.c_proj.bias``.
        num_heads: ``n_head`` of the GPT-2 config.

    Returns:
        A new module with ``bias=True`` on the dtype and device of ``c_attn_weight``.

    Raises:
        TypeError: an argument is not a floating-point tensor / ``num_heads`` not an int.
        ValueError: the shapes are not ``(C, 3C)``, ``(3C,)``, ``(C, C)``, ``(C,)``, or
            ``num_heads`` does not divide ``C``.

    Shape:
        c_attn_weight (C, 3C), c_attn_bias (3C,), c_proj_weight (C, C), c_proj_bias (C,)

    Examples:
        >>> import torch
        >>> from qkvlib import from_gpt2_attention
        >>> _ = torch.manual_seed(0)
        >>> C = 16
        >>> w, b = torch.randn(C, 3 * C), torch.randn(3 * C)          # Conv1D: (in, out)
        >>> m = from_gpt2_attention(w, b, torch.randn(C, C), torch.randn(C), num_heads=4)
        >>> x = torch.randn(1, 3, C)
        >>> q_gpt2 = (x @ w + b)[..., :C]                             # Conv1D: x @ W + b
        >>> torch.allclose(m.q_proj(x), q_gpt2, atol=1e-5)
        True
    """
    for name, t in (
        ("c_attn_weight", c_attn_weight),
        ("c_attn_bias", c_attn_bias),
        ("c_proj_weight", c_proj_weight),
        ("c_proj_bias", c_proj_bias),
    ):
        check_floating(name, t)
    check_int("num_heads", num_heads)
    if c_attn_weight.ndim != 2 or c_attn_weight.shape[1] != 3 * c_attn_weight.shape[0]:
        raise ValueError(
            f"c_attn_weight must have shape (C, 3C) (Conv1D stores (in, out)), "
            f"got {tuple(c_attn_weight.shape)}"
        )
    C = c_attn_weight.shape[0]
    expected = {
        "c_attn_bias": (c_attn_bias, (3 * C,)),
        "c_proj_weight": (c_proj_weight, (C, C)),
        "c_proj_bias": (c_proj_bias, (C,)),
    }
    for name, (t, shape) in expected.items():
        if tuple(t.shape) != shape:
            raise ValueError(f"{name} must have shape {shape} for C={C}, got {tuple(t.shape)}")
    check_divisible("d_model", C, "num_heads", num_heads)
    m = MultiHeadAttention(C, num_heads, bias=True).to(
        device=c_attn_weight.device, dtype=c_attn_weight.dtype
    )
    assert m.q_proj.bias is not None and m.k_proj.bias is not None
    assert m.v_proj.bias is not None and m.o_proj.bias is not None
    with torch.no_grad():
        w_q, w_k, w_v = c_attn_weight.chunk(3, dim=1)  # (C, 3C) -> 3 x (C, C), (in, out)
        m.q_proj.weight.copy_(w_q.T)  # (in, out) -> (out, in)
        m.k_proj.weight.copy_(w_k.T)
        m.v_proj.weight.copy_(w_v.T)
        m.o_proj.weight.copy_(c_proj_weight.T)
        b_q, b_k, b_v = c_attn_bias.chunk(3)  # (3C,) -> 3 x (C,)
        m.q_proj.bias.copy_(b_q)
        m.k_proj.bias.copy_(b_k)
        m.v_proj.bias.copy_(b_v)
        m.o_proj.bias.copy_(c_proj_bias)
    return m


def to_gpt2_attention(m: MultiHeadAttention) -> dict[str, torch.Tensor]:
    """The GPT-2 ``Conv1D`` tensors for ``m``, keyed like ``GPT2Attention.state_dict()``.

    Keys: ``"c_attn.weight"`` ``(C, 3C)`` = ``[W_q | W_k | W_v]`` in ``(in, out)``
    orientation, ``"c_attn.bias"`` ``(3C,)``, ``"c_proj.weight"`` ``(C, C)`` ``(in, out)``,
    ``"c_proj.bias"`` ``(C,)``. A module built with ``bias=False`` yields zero biases (GPT-2
    always has them; zeros compute the same function). The tensors are fresh copies.

    Args:
        m: A plain multi-head ``MultiHeadAttention``.

    Returns:
        A dict usable as ``GPT2Attention.load_state_dict(...)``.

    Raises:
        TypeError: ``m`` is not a qkvlib ``MultiHeadAttention``.
        ValueError: ``m`` is GQA/MQA or has ``num_heads * head_dim != d_model``.

    Shape:
        q_proj, k_proj, v_proj weights (C, C) each -> c_attn.weight (C, 3C)

    Examples:
        >>> import torch
        >>> from qkvlib import MultiHeadAttention, from_gpt2_attention, to_gpt2_attention
        >>> m = MultiHeadAttention(16, 4)
        >>> sd = to_gpt2_attention(m)
        >>> for name, t in sd.items():
        ...     print(name, tuple(t.shape))
        c_attn.weight (16, 48)
        c_attn.bias (48,)
        c_proj.weight (16, 16)
        c_proj.bias (16,)
        >>> m2 = from_gpt2_attention(*sd.values(), num_heads=4)
        >>> torch.equal(m2.k_proj.weight, m.k_proj.weight)
        True
    """
    m = _check_plain_mha(m, "GPT-2 attention")

    def bias_of(linear: nn.Linear) -> torch.Tensor:
        if linear.bias is None:
            return torch.zeros_like(linear.weight[:, 0])
        return linear.bias.detach()

    with torch.no_grad():
        c_attn_weight = torch.cat(  # 3 x (out, in) -> 3 x (in, out) -> (C, 3C)
            [m.q_proj.weight.T, m.k_proj.weight.T, m.v_proj.weight.T], dim=1
        )
        c_attn_bias = torch.cat([bias_of(m.q_proj), bias_of(m.k_proj), bias_of(m.v_proj)])
        return {
            "c_attn.weight": c_attn_weight.detach().clone(),
            "c_attn.bias": c_attn_bias.clone(),
            "c_proj.weight": m.o_proj.weight.T.detach().clone().contiguous(),  # (in, out)
            "c_proj.bias": bias_of(m.o_proj).clone(),
        }
