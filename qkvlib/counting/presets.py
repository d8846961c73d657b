"""`presets`: named specs of well-known models, read from their public ``config.json`` values.

Each preset keeps the count-relevant values of the checkpoint's ``config.json`` (keys the reader
ignores, such as dropout, eps, rope_theta and token ids, are left out: they change no count).
Every preset is checked against the transformers model built from it on the meta device
(tests/test_counting_transformers.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from qkvlib.counting.read import from_hf_config
from qkvlib.counting.spec import ModelSpec

__all__ = ["preset_configs", "presets"]

# GPT-2 small: openai-community/gpt2
_GPT2: Final = {
    "model_type": "gpt2",
    "n_embd": 768,
    "n_layer": 12,
    "n_head": 12,
    "n_inner": None,
    "vocab_size": 50257,
    "n_positions": 1024,
}
# GPT-2 medium: openai-community/gpt2-medium
_GPT2_MEDIUM: Final = {
    "model_type": "gpt2",
    "n_embd": 1024,
    "n_layer": 24,
    "n_head": 16,
    "n_inner": None,
    "vocab_size": 50257,
    "n_positions": 1024,
}
# GPT-2 large: openai-community/gpt2-large
_GPT2_LARGE: Final = {
    "model_type": "gpt2",
    "n_embd": 1280,
    "n_layer": 36,
    "n_head": 20,
    "n_inner": None,
    "vocab_size": 50257,
    "n_positions": 1024,
}
# GPT-2 XL: openai-community/gpt2-xl
_GPT2_XL: Final = {
    "model_type": "gpt2",
    "n_embd": 1600,
    "n_layer": 48,
    "n_head": 25,
    "n_inner": None,
    "vocab_size": 50257,
    "n_positions": 1024,
}
# BERT base, uncased: google-bert/bert-base-uncased
_BERT_BASE_UNCASED: Final = {
    "model_type": "bert",
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "vocab_size": 30522,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
}
# Llama 2 7B: meta-llama/Llama-2-7b-hf
_LLAMA_2_7B: Final = {
    "model_type": "llama",
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "intermediate_size": 11008,
    "vocab_size": 32000,
    "max_position_embeddings": 4096,
    "attention_bias": False,
    "tie_word_embeddings": False,
}
# Llama 3 8B: meta-llama/Meta-Llama-3-8B
_LLAMA_3_8B: Final = {
    "model_type": "llama",
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "intermediate_size": 14336,
    "vocab_size": 128256,
    "max_position_embeddings": 8192,
    "attention_bias": False,
    "tie_word_embeddings": False,
}
# Mistral 7B v0.1: mistralai/Mistral-7B-v0.1
_MISTRAL_7B_V0_1: Final = {
    "model_type": "mistral",
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "intermediate_size": 14336,
    "vocab_size": 32000,
    "max_position_embeddings": 32768,
    "sliding_window": 4096,
    "tie_word_embeddings": False,
}

# Qwen3 8B: Qwen/Qwen3-8B. head_dim 128 is set explicitly (4096 / 32 happens to agree).
_QWEN3_8B: Final = {
    "model_type": "qwen3",
    "hidden_size": 4096,
    "num_hidden_layers": 36,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "intermediate_size": 12288,
    "vocab_size": 151936,
    "max_position_embeddings": 40960,
    "attention_bias": False,
    "use_sliding_window": False,
    "sliding_window": None,
    "max_window_layers": 36,
    "tie_word_embeddings": False,
}
# Qwen3 30B-A3B: Qwen/Qwen3-30B-A3B. 128 experts of width 768 in every layer, 8 per token;
# head_dim 128 although 2048 / 32 = 64.
_QWEN3_30B_A3B: Final = {
    "model_type": "qwen3_moe",
    "hidden_size": 2048,
    "num_hidden_layers": 48,
    "num_attention_heads": 32,
    "num_key_value_heads": 4,
    "head_dim": 128,
    "intermediate_size": 6144,
    "moe_intermediate_size": 768,
    "num_experts": 128,
    "num_experts_per_tok": 8,
    "decoder_sparse_step": 1,
    "mlp_only_layers": [],
    "vocab_size": 151936,
    "max_position_embeddings": 40960,
    "attention_bias": False,
    "use_sliding_window": False,
    "sliding_window": None,
    "max_window_layers": 48,
    "tie_word_embeddings": False,
}
# Gemma 2 9B: google/gemma-2-9b. Local (4096-token window) and global layers alternate,
# starting with a local one (Gemma2Config's default layer_types); embeddings tied (default).
_GEMMA_2_9B: Final = {
    "model_type": "gemma2",
    "hidden_size": 3584,
    "num_hidden_layers": 42,
    "num_attention_heads": 16,
    "num_key_value_heads": 8,
    "head_dim": 256,
    "intermediate_size": 14336,
    "vocab_size": 256000,
    "max_position_embeddings": 8192,
    "attention_bias": False,
    "sliding_window": 4096,
}
# Gemma 3 27B: google/gemma-3-27b-pt, a vision-language model whose config nests the language
# model's text_config; the counter reads that (the SigLIP vision tower is not counted). Five
# local layers (1024-token window) per global one (Gemma3TextConfig's default pattern). The
# published text_config leaves vocab_size to Gemma3TextConfig's default, 262208; it is written
# out here because the counter does not assume a size.
_GEMMA_3_27B: Final = {
    "model_type": "gemma3",
    "text_config": {
        "model_type": "gemma3_text",
        "hidden_size": 5376,
        "num_hidden_layers": 62,
        "num_attention_heads": 32,
        "num_key_value_heads": 16,
        "head_dim": 128,
        "intermediate_size": 21504,
        "vocab_size": 262208,
        "sliding_window": 1024,
    },
}
# Mixtral 8x7B: mistralai/Mixtral-8x7B-v0.1. Every layer has 8 experts, 2 per token.
_MIXTRAL_8X7B: Final = {
    "model_type": "mixtral",
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "intermediate_size": 14336,
    "num_local_experts": 8,
    "num_experts_per_tok": 2,
    "vocab_size": 32000,
    "max_position_embeddings": 32768,
    "sliding_window": None,
    "tie_word_embeddings": False,
}
# DeepSeek-V2-Lite: deepseek-ai/DeepSeek-V2-Lite. MLA without query compression
# (q_lora_rank null); layer 0 dense, then 64 routed experts (6 per token) + 2 shared.
_DEEPSEEK_V2_LITE: Final = {
    "model_type": "deepseek_v2",
    "hidden_size": 2048,
    "num_hidden_layers": 27,
    "num_attention_heads": 16,
    "num_key_value_heads": 16,
    "intermediate_size": 10944,
    "moe_intermediate_size": 1408,
    "n_routed_experts": 64,
    "n_shared_experts": 2,
    "num_experts_per_tok": 6,
    "first_k_dense_replace": 1,
    "q_lora_rank": None,
    "kv_lora_rank": 512,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "v_head_dim": 128,
    "vocab_size": 102400,
    "max_position_embeddings": 163840,
    "tie_word_embeddings": False,
}
# DeepSeek-V3: deepseek-ai/DeepSeek-V3. MLA; layers 0-2 dense, then 256 routed experts
# (8 per token) + 1 shared. The file's multi-token-prediction module
# (num_nextn_predict_layers: 1) is not part of the model transformers builds.
_DEEPSEEK_V3: Final = {
    "model_type": "deepseek_v3",
    "hidden_size": 7168,
    "num_hidden_layers": 61,
    "num_attention_heads": 128,
    "num_key_value_heads": 128,
    "intermediate_size": 18432,
    "moe_intermediate_size": 2048,
    "n_routed_experts": 256,
    "n_shared_experts": 1,
    "num_experts_per_tok": 8,
    "first_k_dense_replace": 3,
    "q_lora_rank": 1536,
    "kv_lora_rank": 512,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "v_head_dim": 128,
    "vocab_size": 129280,
    "max_position_embeddings": 163840,
    "tie_word_embeddings": False,
}
# gpt-oss: openai/gpt-oss-20b and openai/gpt-oss-120b. 64 query heads of 64 (4096 > 2880),
# biases, attention sinks; layers alternate between a 128-token window and full attention.
_GPT_OSS_20B: Final = {
    "model_type": "gpt_oss",
    "hidden_size": 2880,
    "num_hidden_layers": 24,
    "num_attention_heads": 64,
    "num_key_value_heads": 8,
    "head_dim": 64,
    "intermediate_size": 2880,
    "num_local_experts": 32,
    "num_experts_per_tok": 4,
    "vocab_size": 201088,
    "max_position_embeddings": 131072,
    "attention_bias": True,
    "sliding_window": 128,
    "layer_types": ["sliding_attention", "full_attention"] * 12,
    "tie_word_embeddings": False,
}
_GPT_OSS_120B: Final = {
    **_GPT_OSS_20B,
    "num_hidden_layers": 36,
    "num_local_experts": 128,
    "layer_types": ["sliding_attention", "full_attention"] * 18,
}
# Phi-3 mini (4k context): microsoft/Phi-3-mini-4k-instruct. Fused qkv_proj and gate_up_proj;
# its config sets a 2047-token sliding window, so transformers caches every layer as sliding.
_PHI_3_MINI: Final = {
    "model_type": "phi3",
    "hidden_size": 3072,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "intermediate_size": 8192,
    "vocab_size": 32064,
    "max_position_embeddings": 4096,
    "sliding_window": 2047,
    "tie_word_embeddings": False,
}
# OLMo 2 7B: allenai/OLMo-2-1124-7B. Norms after attention and MLP instead of before, and
# q/k RMSNorms over all heads at once.
_OLMO_2_7B: Final = {
    "model_type": "olmo2",
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 32,
    "intermediate_size": 11008,
    "vocab_size": 100352,
    "max_position_embeddings": 4096,
    "attention_bias": False,
    "tie_word_embeddings": False,
}
# SmolLM3 3B: HuggingFaceTB/SmolLM3-3B. Every fourth layer has no RoPE; embeddings tied.
_SMOLLM3_3B: Final = {
    "model_type": "smollm3",
    "hidden_size": 2048,
    "num_hidden_layers": 36,
    "num_attention_heads": 16,
    "num_key_value_heads": 4,
    "intermediate_size": 11008,
    "vocab_size": 128256,
    "max_position_embeddings": 65536,
    "use_sliding_window": False,
    "sliding_window": None,
    "no_rope_layer_interval": 4,
    "tie_word_embeddings": True,
}


def _frozen(value: Any) -> Any:
    return (
        MappingProxyType({k: _frozen(v) for k, v in value.items()})
        if isinstance(value, dict)
        else value
    )


preset_configs: Final[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {
        name: _frozen(config)
        for name, config in {
            "gpt2": _GPT2,
            "gpt2-medium": _GPT2_MEDIUM,
            "gpt2-large": _GPT2_LARGE,
            "gpt2-xl": _GPT2_XL,
            "bert-base-uncased": _BERT_BASE_UNCASED,
            "llama-2-7b": _LLAMA_2_7B,
            "llama-3-8b": _LLAMA_3_8B,
            "mistral-7b-v0.1": _MISTRAL_7B_V0_1,
            "qwen3-8b": _QWEN3_8B,
            "qwen3-30b-a3b": _QWEN3_30B_A3B,
            "gemma-2-9b": _GEMMA_2_9B,
            "gemma-3-27b": _GEMMA_3_27B,
            "mixtral-8x7b": _MIXTRAL_8X7B,
            "deepseek-v2-lite": _DEEPSEEK_V2_LITE,
            "deepseek-v3": _DEEPSEEK_V3,
            "gpt-oss-20b": _GPT_OSS_20B,
            "gpt-oss-120b": _GPT_OSS_120B,
            "phi-3-mini": _PHI_3_MINI,
            "olmo-2-7b": _OLMO_2_7B,
            "smollm3-3b": _SMOLLM3_3B,
        }.items()
    }
)
"""Read-only: preset name -> the ``config.json`` values its `ModelSpec` is read from (every
preset except ``transformer-base``, which has no transformers config). Build the transformers
model with ``AutoConfig.for_model(**preset_configs[name])`` (for ``gemma-3-27b``, from its
``text_config``)."""

# "Attention Is All You Need" (Vaswani et al., 2017), base model (Table 3): N=6 encoder and
# N=6 decoder layers, d_model=512, h=8 (d_k=d_v=64), d_ff=2048, one 37000-token vocabulary
# shared by source, target and the pre-softmax projection (section 3.4), sinusoidal
# positions (section 3.5). Counted from the paper's equations: q/k/v/o projections without
# biases (section 3.2.2), FFN max(0, xW1 + b1)W2 + b2 with biases (3.3), a LayerNorm (gain
# and bias) after every sublayer, none at the end of a stack (post-norm, 3.1), no bias on the
# output projection. The paper rounds its count to 65M; this count is 63,045,632.
_TRANSFORMER_BASE: Final = ModelSpec(
    family="transformer",
    d_model=512,
    num_layers=6,
    num_heads=8,
    num_kv_heads=8,
    head_dim=64,
    intermediate_size=2048,
    vocab_size=37000,
    max_position_embeddings=0,
    type_vocab_size=0,
    qkv_bias=False,
    o_bias=False,
    mlp="dense",
    mlp_bias=True,
    norm="layernorm",
    tie_word_embeddings=True,
    lm_head=True,
    pooler=False,
    num_decoder_layers=6,
)

presets: Final[Mapping[str, ModelSpec]] = MappingProxyType(
    {name: from_hf_config(config) for name, config in preset_configs.items()}
    | {"transformer-base": _TRANSFORMER_BASE}
)
"""Read-only: name -> `ModelSpec` of a well-known model: the four GPT-2 sizes,
bert-base-uncased, llama-2-7b, llama-3-8b, mistral-7b-v0.1, transformer-base (2017), and
qwen3-8b, qwen3-30b-a3b, gemma-2-9b, gemma-3-27b, mixtral-8x7b, deepseek-v2-lite, deepseek-v3,
gpt-oss-20b, gpt-oss-120b, phi-3-mini, olmo-2-7b, smollm3-3b."""
