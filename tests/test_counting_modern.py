"""Counting the families released since 2023, by hand (no transformers; the cross-checks against
transformers are in test_counting_transformers.py): how each config is read, per-layer types,
MoE total versus active, KV caches of sliding-window and MLA layers, bytes, and bad configs."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from counting_configs import BAD_CONFIGS, FAMILIES, LLAMA, generated

from qkvlib.counting import (
    LayerSpec,
    count_params,
    families,
    from_hf_config,
    kv_cache_breakdown,
    kv_cache_bytes,
    presets,
    training_memory,
    weight_bytes,
)


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


# --------------------------------------------------------------------------- reading


def test_families_json_lists_every_family_it_defines() -> None:
    data = families()
    assert data["supported"] == list(data["families"]) == list(FAMILIES)


def test_missing_optional_keys_take_each_families_own_default() -> None:
    base = with_(LLAMA, num_attention_heads=32, hidden_size=256)  # no kv heads, no head_dim
    kinds = ("llama", "mistral", "qwen2", "qwen3", "gemma2", "phi3", "olmo2", "smollm3")
    kv = {t: from_hf_config(with_(base, model_type=t)).num_kv_heads for t in kinds}
    # Llama, Phi-3 and OLMo 2 copy the heads; the others have defaults of their own.
    assert kv == {
        "llama": 32,
        "mistral": 8,
        "qwen2": 32,
        "qwen3": 32,
        "gemma2": 4,
        "phi3": 32,
        "olmo2": 32,
        "smollm3": 4,
    }
    experts = {"num_local_experts": 4, "num_experts_per_tok": 2}
    head_dim = {
        t: from_hf_config(with_(base, model_type=t, **experts)).head_dim
        for t in ("llama", "qwen2", "qwen3", "gemma2", "gpt_oss")
    }
    assert head_dim == {"llama": 8, "qwen2": 8, "qwen3": 128, "gemma2": 256, "gpt_oss": 64}


def test_qwen3_moe_and_mixtral_configs_need_their_expert_keys() -> None:
    with pytest.raises(ValueError, match=r"qwen3_moe config is missing required key 'num_experts'"):
        from_hf_config(with_(LLAMA, model_type="qwen3_moe", num_key_value_heads=4))


def test_null_kv_heads_copy_the_heads_where_the_config_class_allows_it() -> None:
    assert (
        from_hf_config(with_(LLAMA, model_type="qwen2", num_key_value_heads=None)).num_kv_heads == 8
    )
    with pytest.raises(
        TypeError, match=r"mistral config num_key_value_heads must be an int, got NoneType"
    ):
        from_hf_config(with_(LLAMA, model_type="mistral", num_key_value_heads=None))


def test_alias_keys_are_read_as_transformers_attribute_map_reads_them() -> None:
    gpt2 = {
        "model_type": "gpt2",
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "vocab_size": 100,
        "max_position_embeddings": 16,
    }
    spec = from_hf_config(gpt2)
    assert (spec.d_model, spec.num_layers, spec.num_heads, spec.max_position_embeddings) == (
        64,
        2,
        4,
        16,
    )
    moe = with_(
        LLAMA, model_type="mixtral", num_key_value_heads=2, num_experts=4, num_experts_per_tok=2
    )
    assert from_hf_config(moe).num_experts == 4  # MixtralConfig maps num_experts


def test_text_config_is_read_as_the_text_model() -> None:
    inner = {
        "hidden_size": 64,
        "num_hidden_layers": 6,
        "num_attention_heads": 4,
        "intermediate_size": 96,
        "vocab_size": 100,
        "sliding_window": 8,
    }
    nested = from_hf_config({"model_type": "gemma3", "text_config": inner})
    assert nested == from_hf_config({**inner, "model_type": "gemma3_text"})
    llava = {"model_type": "llava", "text_config": with_(LLAMA)}
    assert from_hf_config(llava) == from_hf_config(LLAMA)


def test_layer_type_patterns_follow_the_config_classes() -> None:
    def slides(config: dict[str, Any]) -> str:
        return "".join(
            "S" if t == "sliding_attention" else "F" for t in from_hf_config(config).layer_types
        )

    six = with_(LLAMA, num_hidden_layers=6, num_key_value_heads=4, sliding_window=8)
    assert slides(with_(six, model_type="gemma2")) == "SFSFSF"
    oss = with_(six, model_type="gpt_oss", num_local_experts=4, num_experts_per_tok=2)
    assert slides(oss) == "SFSFSF"
    assert slides(with_(six, model_type="gemma3_text")) == "SSSSSF"
    assert slides(with_(six, model_type="gemma3_text", sliding_window_pattern=3)) == "SSFSSF"
    assert slides(with_(six, model_type="mistral")) == "SSSSSS"
    assert slides(with_(six, model_type="mistral", sliding_window=None)) == "FFFFFF"
    qwen = with_(six, model_type="qwen2", use_sliding_window=True, max_window_layers=4)
    assert slides(qwen) == "FFFFSS"
    assert slides(with_(qwen, use_sliding_window=False)) == "FFFFFF"
    smol = with_(six, model_type="smollm3", use_sliding_window=True, no_rope_layer_interval=3)
    assert slides(smol) == "FFSFFS"  # the layers without RoPE slide
    explicit = ["full_attention", "sliding_attention"] * 3
    assert slides(with_(six, model_type="gemma2", layer_types=explicit)) == "FSFSFS"


def test_bidirectional_gemma3_halves_the_window() -> None:
    config = with_(LLAMA, model_type="gemma3_text", num_key_value_heads=4, sliding_window=9)
    assert from_hf_config(config).sliding_window == 9
    assert from_hf_config(with_(config, use_bidirectional_attention=True)).sliding_window == 5


def test_moe_layer_patterns() -> None:
    v3 = presets["deepseek-v3"]
    assert [layer.mlp for layer in v3.layers[:4]] == ["dense", "dense", "dense", "moe"]
    qwen = with_(
        LLAMA,
        model_type="qwen3_moe",
        num_key_value_heads=4,
        num_hidden_layers=6,
        num_experts=4,
        num_experts_per_tok=2,
        moe_intermediate_size=8,
        decoder_sparse_step=2,
        mlp_only_layers=[3],
    )
    assert from_hf_config(qwen).mlp_layer_types == (
        "dense",
        "moe",
        "dense",
        "dense",
        "dense",
        "moe",
    )


def test_layers_spell_out_each_layer() -> None:
    assert presets["gpt2"].layers == (LayerSpec("full", "dense"),) * 12
    assert set(presets["deepseek-v3"].layers) == {
        LayerSpec("mla", "dense"),
        LayerSpec("mla", "moe"),
    }


@pytest.mark.parametrize(("config", "error", "message"), BAD_CONFIGS, ids=range(len(BAD_CONFIGS)))
def test_bad_config_raises_an_error_naming_the_key(config: Any, error: str, message: str) -> None:
    with pytest.raises((TypeError, ValueError)) as info:
        from_hf_config(config)
    assert type(info.value).__name__ == error
    assert str(info.value).startswith(message), str(info.value)


def test_every_generated_config_is_read() -> None:
    specs = [from_hf_config(c) for c in generated(13, seed=0)]
    assert {s.family for s in specs} == set(FAMILIES)


# --------------------------------------------------------------------------- counting


def test_moe_active_drops_the_unused_experts_of_every_moe_layer() -> None:
    spec = presets["mixtral-8x7b"]
    count = count_params(spec)
    c, i = spec.d_model, spec.moe_intermediate_size
    unused_per_layer = (8 - 2) * 3 * c * i  # six gated experts a token is not routed to
    assert count.total - count.active == spec.num_layers * unused_per_layer


def test_dense_models_are_fully_active() -> None:
    for name in ("gpt2", "llama-3-8b", "gemma-2-9b", "olmo-2-7b"):
        count = count_params(presets[name])
        assert count.active == count.total


def test_deepseek_v3_first_three_layers_are_dense_and_shared_expert_always_active() -> None:
    spec = presets["deepseek-v3"]
    c, e = spec.d_model, 3 * spec.d_model * spec.moe_intermediate_size  # one gated expert
    moe_layers = spec.num_layers - 3
    assert count_params(spec).total - count_params(spec).active == moe_layers * (256 - 8) * e
    dense = dataclasses.replace(spec, mlp_layer_types=("dense",) * spec.num_layers)
    moe_mlp = 256 * c + 256 * e + e  # router, routed experts, one shared expert
    dense_mlp = 3 * c * spec.intermediate_size
    assert count_params(spec).mlp - count_params(dense).mlp == moe_layers * (moe_mlp - dense_mlp)


def test_mla_attention_block_by_hand() -> None:
    s = presets["deepseek-v3"]
    c, h, r_q, r_kv = s.d_model, s.num_heads, 1536, 512
    nope, rope, v = 128, 64, 128
    expected = (
        c * r_q
        + r_q
        + r_q * h * (nope + rope)  # q_a_proj, q_a_layernorm, q_b_proj
        + c * (r_kv + rope)
        + r_kv
        + r_kv * h * (nope + v)  # kv_a, its norm, kv_b
        + h * v * c
    )  # o_proj
    assert count_params(s).attention_per_layer == expected


def test_gpt_oss_attention_has_biases_and_one_sink_per_head() -> None:
    s = presets["gpt-oss-20b"]
    c, h, h_kv, d = 2880, 64, 8, 64
    weights = c * h * d + 2 * c * h_kv * d + h * d * c
    biases = h * d + 2 * h_kv * d + c
    assert count_params(s).attention_per_layer == weights + biases + h


def test_gpt_oss_20b_active_without_the_embedding_table_is_the_published_3_6b() -> None:
    count = count_params(presets["gpt-oss-20b"])
    assert round((count.active - count.embeddings) / 1e9, 2) == 3.61


# --------------------------------------------------------------------------- bytes


def test_sliding_layers_hold_at_most_the_window() -> None:
    spec = presets["gemma-2-9b"]  # 21 sliding (4096) and 21 full layers
    per_layer_token = 2 * spec.num_kv_heads * spec.head_dim * 2
    short, long = kv_cache_breakdown(spec, 100), kv_cache_breakdown(spec, 10_000)
    assert short == {"full": 21 * 100 * per_layer_token, "sliding": 21 * 100 * per_layer_token}
    assert long == {"full": 21 * 10_000 * per_layer_token, "sliding": 21 * 4096 * per_layer_token}


def test_mla_caches_one_latent_and_one_rope_key_per_layer() -> None:
    spec = presets["deepseek-v3"]
    assert kv_cache_bytes(spec, 1, bytes_per_element=1) == 61 * (512 + 64)
    assert kv_cache_breakdown(spec, 10) == {"mla": 61 * 576 * 10 * 2}


def test_breakdown_sums_to_kv_cache_bytes() -> None:
    for name, spec in presets.items():
        parts = kv_cache_breakdown(spec, 5000, bytes_per_element=1, batch_size=3)
        assert sum(parts.values()) == kv_cache_bytes(spec, 5000, 1, 3), name


def test_weight_bytes_and_training_estimate() -> None:
    spec = presets["qwen3-8b"]
    total = count_params(spec).total
    assert weight_bytes(spec) == 2 * total and weight_bytes(spec, 4) == 4 * total
    mem = training_memory(spec)
    assert (mem.weights, mem.gradients, mem.optimizer_states) == (2 * total, 2 * total, 12 * total)
    assert mem.total == 16 * total


def test_bytes_refuse_bad_arguments() -> None:
    with pytest.raises(ValueError, match=re.escape("bytes_per_element=0 must be >= 1")):
        weight_bytes(presets["gpt2"], 0)
    with pytest.raises(TypeError, match=r"spec must be a ModelSpec, got dict"):
        training_memory({})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"batch_size=0 must be >= 1"):
        kv_cache_breakdown(presets["gpt2"], 1, batch_size=0)


# --------------------------------------------------------------------------- ModelSpec


def test_model_spec_checks_layer_lists_match_the_layers() -> None:
    with pytest.raises(ValueError, match=r"layer_types has 1 entries for num_layers=12"):
        dataclasses.replace(presets["gpt2"], layer_types=("full_attention",))


def test_model_spec_needs_a_window_for_sliding_layers() -> None:
    with pytest.raises(ValueError, match=r"sliding_attention layers but sliding_window=None"):
        dataclasses.replace(presets["gemma-2-9b"], sliding_window=None)


def test_model_spec_checks_experts_per_token() -> None:
    with pytest.raises(ValueError, match=r"num_experts_per_tok=9 is more than num_experts=8"):
        dataclasses.replace(presets["mixtral-8x7b"], num_experts_per_tok=9)
