"""Bytes: the KV cache layer by layer, the weights, and an estimate of training memory."""

from __future__ import annotations

from dataclasses import dataclass

from qkvlib._validate import check_int
from qkvlib.counting.count import count_params
from qkvlib.counting.spec import AttentionKind, ModelSpec

__all__ = [
    "TrainingMemory",
    "kv_cache_breakdown",
    "kv_cache_bytes",
    "training_memory",
    "weight_bytes",
]


def _check_spec(spec: object) -> None:
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec, got {type(spec).__name__}")


def kv_cache_breakdown(
    spec: ModelSpec, num_tokens: int, bytes_per_element: int = 2, batch_size: int = 1
) -> dict[AttentionKind, int]:
    """`kv_cache_bytes`, split by layer kind: ``"full"``, ``"sliding"``, ``"mla"`` (the kinds
    the model has, in that order).

    Examples:
        >>> from qkvlib.counting import kv_cache_breakdown, presets
        >>> kv_cache_breakdown(presets["gpt-oss-20b"], 8192)   # 12 full, 12 sliding layers
        {'full': 201326592, 'sliding': 3145728}
    """
    _check_spec(spec)
    check_int("num_tokens", num_tokens, minimum=0)
    check_int("bytes_per_element", bytes_per_element, minimum=1)
    check_int("batch_size", batch_size, minimum=1)
    kv = 2 * spec.num_kv_heads * spec.head_dim  # a key and a value per kv head
    positions: dict[AttentionKind, int] = {}
    if spec.num_decoder_layers:  # encoder-decoder: the decoder's self-attention cache
        positions["full"] = spec.num_decoder_layers * kv * num_tokens
        return {k: n * batch_size * bytes_per_element for k, n in positions.items()}
    for layer in spec.layers:
        if layer.attention == "mla":  # one latent and one shared RoPE key, for all heads
            n = (spec.kv_lora_rank + spec.qk_rope_head_dim) * num_tokens
        elif layer.attention == "sliding":
            assert spec.sliding_window is not None  # ModelSpec checks it
            n = kv * min(num_tokens, spec.sliding_window)
        else:
            n = kv * num_tokens
        positions[layer.attention] = positions.get(layer.attention, 0) + n
    order: tuple[AttentionKind, ...] = ("full", "sliding", "mla")
    return {k: positions[k] * batch_size * bytes_per_element for k in order if k in positions}


def kv_cache_bytes(
    spec: ModelSpec, num_tokens: int, bytes_per_element: int = 2, batch_size: int = 1
) -> int:
    """Bytes a KV cache of ``num_tokens`` tokens per sequence takes, summed layer by layer.

    A full-attention layer holds a key and a value of ``head_dim`` per kv head for every
    position: ``2 * num_kv_heads * head_dim * num_tokens`` numbers (grouped-query attention
    shrinks it by ``num_heads // num_kv_heads``). A sliding-window layer holds at most
    ``sliding_window`` positions: the keys the next query attends to, itself included.
    (transformers' own cache keeps ``sliding_window - 1`` after a forward and appends the new
    token's key when it attends; serving engines allocate the full window.) An MLA layer holds
    one latent of ``kv_lora_rank`` and one shared RoPE key of ``qk_rope_head_dim`` per
    position, no per-head K and V, as transformers and DeepSeek's own code cache it. For the
    2017 encoder-decoder: the decoder's self-attention cache (cross-attention K/V of the source
    sentence not included).

    Args:
        spec: the model.
        num_tokens: cached tokens per sequence (>= 0).
        bytes_per_element: 2 for fp16/bf16 (default), 4 for fp32, 1 for int8/fp8.
        batch_size: sequences cached at once.

    Returns:
        The size in bytes.

    Examples:
        >>> from qkvlib.counting import kv_cache_bytes, presets
        >>> kv_cache_bytes(presets["llama-2-7b"], 4096)   # 2 GiB in fp16
        2147483648
        >>> kv_cache_bytes(presets["llama-3-8b"], 4096)   # GQA: 8 kv heads, 4x smaller
        536870912
        >>> kv_cache_bytes(presets["deepseek-v3"], 4096)  # MLA: 576 numbers per layer
        287834112
    """
    return sum(kv_cache_breakdown(spec, num_tokens, bytes_per_element, batch_size).values())


def weight_bytes(spec: ModelSpec, bytes_per_element: int = 2) -> int:
    """Bytes the weights take: ``count_params(spec).total * bytes_per_element``.

    Examples:
        >>> from qkvlib.counting import presets, weight_bytes
        >>> weight_bytes(presets["llama-2-7b"]) / 2**30   # GiB in bf16
        12.551277160644531
    """
    _check_spec(spec)
    check_int("bytes_per_element", bytes_per_element, minimum=1)
    return count_params(spec).total * bytes_per_element


@dataclass(frozen=True, kw_only=True)
class TrainingMemory:
    """An ESTIMATE of the memory that training with Adam in mixed precision needs for the
    model state, in bytes, without activations.

    The usual accounting (Rajbhandari et al., "ZeRO", 2020, section 3.1) for P parameters:
    bf16/fp16 weights (2P) and gradients (2P), plus Adam's fp32 state: a master copy of the
    weights, the first and the second moment (4P each, 12P): 16 bytes per parameter. Not
    included, because they depend on batch size, sequence length, recomputation and the
    framework: activations, temporary buffers, fragmentation, and the KV cache (training does
    not keep one). Sharding (ZeRO, FSDP) divides these bytes over devices; it does not remove
    them.

    Attributes:
        weights: 2 bytes per parameter.
        gradients: 2 bytes per parameter.
        optimizer_states: 12 bytes per parameter (fp32 master weights, Adam m and v).
        total: the sum: 16 bytes per parameter.
    """

    weights: int
    gradients: int
    optimizer_states: int
    total: int


def training_memory(spec: ModelSpec) -> TrainingMemory:
    """Estimate the model-state memory of mixed-precision Adam training (see `TrainingMemory`).

    Examples:
        >>> from qkvlib.counting import presets, training_memory
        >>> mem = training_memory(presets["llama-2-7b"])
        >>> mem.total == 16 * 6738415616, round(mem.total / 2**30, 1)
        (True, 100.4)
    """
    _check_spec(spec)
    p = count_params(spec).total
    return TrainingMemory(weights=2 * p, gradients=2 * p, optimizer_states=12 * p, total=16 * p)
