"""MultiHeadLatentAttention against transformers' DeepseekV3Attention with the same weights.

Both modules are float64, but transformers computes parts of MLA in float32 inside a float64
module: its rotary embedding builds cos/sin from float32 angles, its RMSNorm casts to float32,
and eager attention runs softmax with ``dtype=torch.float32``. So the two agree to float32
precision: outputs of size ~0.5 differ by ~1e-7, and the tolerance is 1e-6. qkvlib's own
float64 paths are compared with each other at 1e-10 in test_mla.py.
"""

from __future__ import annotations

import pytest
import torch
from transformers import DeepseekV3Config
from transformers.cache_utils import DynamicCache
from transformers.models.deepseek_v3.modeling_deepseek_v3 import (
    DeepseekV3Attention,
    DeepseekV3RotaryEmbedding,
)

from qkvlib import LatentKVCache, MultiHeadLatentAttention

TOL = 1e-6  # float32 inside transformers' float64 module (see the module docstring)
SHAPES = dict(kv_lora_rank=16, qk_nope_head_dim=8, qk_rope_head_dim=6, v_head_dim=10)
Q_PATHS = [pytest.param(None, id="q_proj"), pytest.param(24, id="q_lora_rank=24")]


def pair(q_lora_rank: int | None, *, rope_interleave: bool = True):
    """A random float64 DeepseekV3Attention, and ours loaded strictly from its state dict.

    ``rms_norm_eps=0.3`` is far from 1e-6 on purpose: transformers' latent norms ignore it.
    """
    config = DeepseekV3Config(
        hidden_size=64,
        num_attention_heads=4,
        num_key_value_heads=4,
        q_lora_rank=q_lora_rank,
        rms_norm_eps=0.3,
        rope_interleave=rope_interleave,
        num_hidden_layers=1,
        attn_implementation="eager",
        **SHAPES,
    )
    torch.manual_seed(0)
    ref = DeepseekV3Attention(config, layer_idx=0).double().eval()
    for p in ref.parameters():  # norm weights too, so that they matter
        torch.nn.init.normal_(p, mean=0.0, std=0.2)
    ours = MultiHeadLatentAttention(64, 4, q_lora_rank=q_lora_rank, **SHAPES).double()
    ours.load_state_dict(ref.state_dict(), strict=True)
    return config, ref, ours


def run_reference(config, ref, x, positions, cache=None):
    """transformers' forward with causal masking and RoPE at ``positions`` (B, T)."""
    cos, sin = DeepseekV3RotaryEmbedding(config)(x, positions)
    T = x.shape[1]
    causal = torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)[None, None]
    out, _ = ref(x, (cos, sin), causal, past_key_values=cache)
    return out


@pytest.mark.parametrize("q_lora_rank", Q_PATHS)
def test_state_dict_loads_strictly_in_both_directions(q_lora_rank):
    _, ref, ours = pair(q_lora_rank)
    assert ours.state_dict().keys() == ref.state_dict().keys()
    ref.load_state_dict(ours.state_dict(), strict=True)


@pytest.mark.parametrize("q_lora_rank", Q_PATHS)
@pytest.mark.parametrize("absorb", [False, True], ids=["naive", "absorbed"])
def test_causal_forward_equals_deepseek_v3_attention_float64(q_lora_rank, absorb, record_property):
    config, ref, ours = pair(q_lora_rank)
    x = torch.randn(2, 7, 64, dtype=torch.float64)
    positions = torch.arange(7).expand(2, 7) + 3  # not starting at 0: RoPE must use them
    expected = run_reference(config, ref, x, positions)
    got = ours(x, positions=positions, is_causal=True, absorb=absorb)
    diff = (got - expected).abs().max().item()
    record_property(
        "summary:MLA vs transformers DeepseekV3Attention (float64 modules, max |diff|)",
        f"{'q_proj' if q_lora_rank is None else 'q_lora'}, absorb={absorb}: {diff:.1e}",
    )
    assert diff < TOL
    assert expected.abs().max() > 0.1  # the comparison is not between near-zero outputs


@pytest.mark.parametrize("q_lora_rank", Q_PATHS)
def test_latent_cache_holds_what_transformers_caches(q_lora_rank):
    """transformers caches the normalised latent and the rotated rope key, nothing per head."""
    config, ref, ours = pair(q_lora_rank)
    x = torch.randn(2, 5, 64, dtype=torch.float64)
    hf_cache = DynamicCache(config=config)
    run_reference(config, ref, x, torch.arange(5).expand(2, 5), cache=hf_cache)
    cache = LatentKVCache()
    ours(x, is_causal=True, kv_cache=cache)
    layer = hf_cache.layers[0]
    assert tuple(layer.keys.shape) == (2, 1, 5, 16)  # (B, 1, S, kv_lora_rank)
    assert tuple(layer.values.shape) == (2, 1, 5, 6)  # (B, 1, S, qk_rope_head_dim)
    assert (layer.keys[:, 0] - cache.latent).abs().max() < TOL
    assert (layer.values[:, 0] - cache.k_rope).abs().max() < TOL


def test_half_layout_rope_would_not_match_deepseek_v3():
    """The comparison sees the RoPE layout: transformers with rope_interleave=False differs."""
    config, ref, ours = pair(None, rope_interleave=False)
    x = torch.randn(1, 6, 64, dtype=torch.float64)
    expected = run_reference(config, ref, x, torch.arange(6)[None])
    assert (ours(x, is_causal=True) - expected).abs().max() > 1e-3
