"""RoPE, QK-norm, sliding windows and sinks against transformers' own attention modules.

Each transformers module is built from a small config (no downloads), given qkvlib's weights
through a strict load_state_dict (so the parameter names agree too), its rotary embedding
module and its own mask builder, and run in float64 next to qkvlib's MultiHeadAttention.

Tolerance 1e-6 in float64: transformers computes its rotary cos/sin in float32 (inv_freq and
position * inv_freq are float32, so the angles carry float32 rounding), its eager softmax in
float32 (Llama, Mistral, Qwen3) and its RMSNorm in float32, even inside a float64 module;
that leaves differences of a few 1e-8 on outputs of size about 1. To show that nothing but
precision separates the two, one test gives LlamaAttention float64 cos/sin and torch's SDPA
kernel: then they agree to 1e-12.
"""

from __future__ import annotations

import os

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
transformers = pytest.importorskip("transformers")

from transformers import GptOssConfig, LlamaConfig, MistralConfig, Qwen3Config  # noqa: E402
from transformers.masking_utils import (  # noqa: E402
    create_causal_mask,
    create_sliding_window_causal_mask,
)
from transformers.models.gpt_oss.modeling_gpt_oss import (  # noqa: E402
    GptOssAttention,
    GptOssRotaryEmbedding,
)
from transformers.models.llama.modeling_llama import (  # noqa: E402
    LlamaAttention,
    LlamaRotaryEmbedding,
    apply_rotary_pos_emb,
)
from transformers.models.mistral.modeling_mistral import (  # noqa: E402
    MistralAttention,
    MistralRotaryEmbedding,
)
from transformers.models.qwen3.modeling_qwen3 import (  # noqa: E402
    Qwen3Attention,
    Qwen3RotaryEmbedding,
)

from qkvlib import MultiHeadAttention, apply_rope, rope_angles  # noqa: E402

HF_TOL = 1e-6  # float64 modules whose rotary cos/sin, eager softmax and RMSNorm run in float32
TIGHT = 1e-12  # float64 on both sides
SMALL = {"hidden_size": 32, "num_attention_heads": 4, "head_dim": 8, "num_hidden_layers": 2}


def randn(*shape, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, dtype=torch.float64, generator=g)


def eager(config):
    config._attn_implementation = "eager"
    return config


def pair(hf_cls, config, layer_idx=0, **options):
    """qkvlib module (seeded, norms and sinks randomised) and the transformers module with its
    weights, both float64."""
    torch.manual_seed(0)
    m = MultiHeadAttention(
        config.hidden_size,
        config.num_attention_heads,
        config.num_key_value_heads,
        config.head_dim,
        bias=getattr(config, "attention_bias", False),
        **options,
    ).double()
    with torch.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("norm.weight") or name == "sinks":
                p.copy_(1 + 0.5 * randn(*p.shape, seed=len(name)))
    ref = hf_cls(config, layer_idx).double().eval()
    ref.load_state_dict(m.state_dict(), strict=True)
    return m.eval(), ref


def run_hf(ref, rotary, config, x, positions, sliding):
    """transformers' attention with its rotary embedding and its own (eager) causal mask."""
    B, T, _ = x.shape
    cos, sin = rotary(x, positions.expand(B, T))
    build = create_sliding_window_causal_mask if sliding else create_causal_mask
    mask = build(
        config=config,
        inputs_embeds=x,
        attention_mask=None,
        past_key_values=None,
        position_ids=torch.arange(T)[None],
    )
    out, _ = ref(x, (cos, sin), mask)
    return out


def max_diff(a, b):
    return (a - b).abs().max().item()


@pytest.mark.parametrize("num_kv_heads", [4, 2, 1], ids=["mha", "gqa", "mqa"])
def test_llama_attention_with_rope_equals_qkvlib(num_kv_heads):
    config = eager(LlamaConfig(**SMALL, num_key_value_heads=num_kv_heads, rope_theta=10000.0))
    m, ref = pair(LlamaAttention, config, rope_theta=10000.0)
    x = randn(2, 10, 32)
    expected = run_hf(ref, LlamaRotaryEmbedding(config), config, x, torch.arange(10)[None], False)
    assert max_diff(m(x, is_causal=True), expected) < HF_TOL


def test_llama_attention_with_per_sequence_positions_equals_qkvlib():
    config = eager(LlamaConfig(**SMALL, num_key_value_heads=2, rope_theta=500000.0))
    m, ref = pair(LlamaAttention, config, rope_theta=500000.0)
    x = randn(2, 6, 32)
    positions = torch.stack([torch.arange(6) + 3, torch.arange(6) + 40])  # (B, T)
    expected = run_hf(ref, LlamaRotaryEmbedding(config), config, x, positions, False)
    assert max_diff(m(x, is_causal=True, positions=positions), expected) < HF_TOL


def test_llama_attention_in_full_float64_agrees_to_1e_12():
    # float64 cos/sin from qkvlib and torch's SDPA kernel: no float32 step left anywhere.
    config = LlamaConfig(**SMALL, num_key_value_heads=2, rope_theta=10000.0)
    config._attn_implementation = "sdpa"
    m, ref = pair(LlamaAttention, config, rope_theta=10000.0)
    x = randn(2, 9, 32)
    angles = rope_angles(torch.arange(9), head_dim=8, theta=10000.0)  # (T, d/2) float64
    cos = torch.cat([angles, angles], dim=-1).cos()[None]  # transformers' (1, T, d) layout
    sin = torch.cat([angles, angles], dim=-1).sin()[None]
    mask = torch.ones(9, 9, dtype=torch.bool).tril()[None, None]
    expected, _ = ref(x, (cos, sin), mask)
    assert max_diff(m(x, is_causal=True), expected) < TIGHT


def test_qwen3_attention_with_qk_norm_equals_qkvlib():
    config = eager(
        Qwen3Config(**SMALL, num_key_value_heads=2, rope_theta=1000000.0, rms_norm_eps=1e-6)
    )
    m, ref = pair(Qwen3Attention, config, rope_theta=1000000.0, qk_norm=True, norm_eps=1e-6)
    x = randn(2, 10, 32)
    expected = run_hf(ref, Qwen3RotaryEmbedding(config), config, x, torch.arange(10)[None], False)
    assert max_diff(m(x, is_causal=True), expected) < HF_TOL


def test_qwen3_sliding_layer_equals_qkvlib_with_window():
    config = eager(
        Qwen3Config(
            **SMALL,
            num_key_value_heads=1,
            use_sliding_window=True,
            sliding_window=3,
            max_window_layers=1,  # layer 0 full, layer 1 sliding
        )
    )
    assert config.layer_types[1] == "sliding_attention"
    m, ref = pair(Qwen3Attention, config, 1, rope_theta=10000.0, qk_norm=True, sliding_window=3)
    x = randn(2, 9, 32)
    expected = run_hf(ref, Qwen3RotaryEmbedding(config), config, x, torch.arange(9)[None], True)
    assert max_diff(m(x, is_causal=True), expected) < HF_TOL


@pytest.mark.parametrize("window", [1, 3, 20])
def test_mistral_sliding_window_attention_equals_qkvlib(window):
    config = eager(MistralConfig(**SMALL, num_key_value_heads=2, sliding_window=window))
    m, ref = pair(MistralAttention, config, rope_theta=10000.0, sliding_window=window)
    x = randn(2, 9, 32)
    expected = run_hf(ref, MistralRotaryEmbedding(config), config, x, torch.arange(9)[None], True)
    assert max_diff(m(x, is_causal=True), expected) < HF_TOL


def gpt_oss_config():
    return eager(
        GptOssConfig(
            **SMALL,
            num_key_value_heads=2,
            sliding_window=4,
            layer_types=["sliding_attention", "full_attention"],
            rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
            attention_bias=True,
        )
    )


@pytest.mark.parametrize(
    ("layer_idx", "window"), [(0, 4), (1, None)], ids=["sliding-layer", "full-layer"]
)
def test_gpt_oss_attention_with_sinks_equals_qkvlib(layer_idx, window):
    config = gpt_oss_config()
    m, ref = pair(
        GptOssAttention, config, layer_idx, rope_theta=10000.0, sliding_window=window, sinks=True
    )
    assert ref.sliding_window == window
    x = randn(2, 10, 32)
    rotary = GptOssRotaryEmbedding(config)
    expected = run_hf(ref, rotary, config, x, torch.arange(10)[None], window is not None)
    assert max_diff(m(x, is_causal=True), expected) < HF_TOL


def test_gpt_oss_sinks_matter_in_the_comparison():
    # Guard against a comparison that cannot fail: drop the sinks and the outputs part.
    config = gpt_oss_config()
    m, ref = pair(GptOssAttention, config, 1, rope_theta=10000.0, sinks=True)
    x = randn(2, 10, 32)
    expected = run_hf(ref, GptOssRotaryEmbedding(config), config, x, torch.arange(10)[None], False)
    with torch.no_grad():
        m.sinks.fill_(-1e4)
    assert max_diff(m(x, is_causal=True), expected) > 1e-3


def test_apply_rope_equals_transformers_apply_rotary_pos_emb():
    config = LlamaConfig(**SMALL, num_key_value_heads=4, rope_theta=10000.0)
    q, k = randn(2, 4, 7, 8, seed=2), randn(2, 4, 7, 8, seed=3)
    positions = torch.arange(7)[None].expand(2, 7)
    cos, sin = LlamaRotaryEmbedding(config)(q, positions)  # float32 angles, cast to float64
    q_hf, k_hf = apply_rotary_pos_emb(q, k, cos, sin)
    assert max_diff(apply_rope(q, positions), q_hf) < HF_TOL
    assert max_diff(apply_rope(k, positions), k_hf) < HF_TOL
    angles = rope_angles(positions, head_dim=8)  # the same function with float64 angles
    cos64, sin64 = torch.cat([angles] * 2, -1).cos(), torch.cat([angles] * 2, -1).sin()
    q_hf64, _ = apply_rotary_pos_emb(q, k, cos64, sin64)
    assert max_diff(apply_rope(q, positions), q_hf64) < TIGHT
