"""qkvlib: the Q/K/V projection of Transformer self-attention, small and typed.

The package behind the site "QKV, Explained". Shapes use B (batch), T (query tokens),
S (key tokens), C (d_model), h (heads), h_kv (key/value heads), d (head_dim).
Masks are bool with ``True`` = attention ALLOWED (torch SDPA's convention).
"""

from qkvlib.attention import scaled_dot_product_attention
from qkvlib.cache import KVCache, LatentKVCache
from qkvlib.convert import from_gpt2_attention, from_torch_mha, to_gpt2_attention, to_torch_mha
from qkvlib.counting import (
    LayerSpec,
    ModelSpec,
    ParamCount,
    TrainingMemory,
    count_params,
    from_hf_config,
    kv_cache_breakdown,
    kv_cache_bytes,
    preset_configs,
    presets,
    training_memory,
    weight_bytes,
)
from qkvlib.heads import merge_heads, repeat_kv, split_heads
from qkvlib.masks import causal_mask, padding_mask
from qkvlib.mha import MultiHeadAttention
from qkvlib.mla import MultiHeadLatentAttention
from qkvlib.norms import RMSNorm, rms_norm
from qkvlib.online import online_softmax_attention
from qkvlib.rope import apply_rope, apply_rope_interleaved, interleaved_to_half, rope_angles
from qkvlib.softmax import softmax

__version__ = "0.1.0"

__all__ = [
    "KVCache",
    "LatentKVCache",
    "MultiHeadAttention",
    "MultiHeadLatentAttention",
    "RMSNorm",
    "__version__",
    "apply_rope",
    "apply_rope_interleaved",
    "causal_mask",
    "from_gpt2_attention",
    "from_torch_mha",
    "interleaved_to_half",
    "merge_heads",
    "online_softmax_attention",
    "padding_mask",
    "repeat_kv",
    "rms_norm",
    "rope_angles",
    "scaled_dot_product_attention",
    "softmax",
    "split_heads",
    "to_gpt2_attention",
    "to_torch_mha",
    # counting
    "LayerSpec",
    "ModelSpec",
    "ParamCount",
    "TrainingMemory",
    "count_params",
    "from_hf_config",
    "kv_cache_breakdown",
    "kv_cache_bytes",
    "preset_configs",
    "presets",
    "training_memory",
    "weight_bytes",
]
