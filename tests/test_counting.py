"""Parameter counts and KV-cache sizes, checked by hand (no transformers; see
test_counting_transformers.py for the cross-check against real models)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qkvlib.counting import (
    ModelSpec,
    ParamCount,
    count_params,
    from_hf_config,
    kv_cache_bytes,
    preset_configs,
    presets,
)

GPT2_SMALL = {
    "model_type": "gpt2",
    "n_embd": 768,
    "n_layer": 12,
    "n_head": 12,
    "vocab_size": 50257,
    "n_positions": 1024,
}
LLAMA_TINY = {
    "model_type": "llama",
    "hidden_size": 256,
    "num_hidden_layers": 2,
    "num_attention_heads": 8,
    "num_key_value_heads": 8,
    "intermediate_size": 512,
    "vocab_size": 1000,
}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


def without(base: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in base.items() if k != key}


# --------------------------------------------------------------------------- hand-checked counts


def test_gpt2_small_attention_block_is_4c2_plus_4c() -> None:
    c = 768
    assert count_params(presets["gpt2"]).attention_per_layer == 4 * c**2 + 4 * c == 2_362_368


def test_gpt2_small_total() -> None:
    assert count_params(presets["gpt2"]).total == 124_439_808


def test_gpt2_small_breakdown() -> None:
    c, v, n_pos, layers = 768, 50257, 1024, 12
    count = count_params(presets["gpt2"])
    assert count.embeddings == (v + n_pos) * c
    assert count.attention == layers * 2_362_368
    assert count.mlp == layers * (2 * c * 4 * c + 4 * c + c)
    assert count.norms == (2 * layers + 1) * 2 * c
    assert (count.pooler, count.lm_head) == (0, 0)


def test_llama_2_7b_total() -> None:
    assert count_params(presets["llama-2-7b"]).total == 6_738_415_616


def test_untied_lm_head_is_vocab_times_d_model() -> None:
    assert count_params(presets["llama-2-7b"]).lm_head == 32000 * 4096


def test_bert_counts_pooler_and_no_lm_head() -> None:
    count = count_params(presets["bert-base-uncased"])
    assert count.pooler == 768 * 768 + 768
    assert count.lm_head == 0
    assert count.embeddings == (30522 + 512 + 2) * 768
    assert count.total == 109_482_240


def test_transformer_base_counts_18_attention_blocks_and_a_shared_vocabulary() -> None:
    count = count_params(presets["transformer-base"])
    assert count.attention_per_layer == 4 * 512 * 512
    assert count.attention == 18 * 4 * 512 * 512
    assert count.mlp == 12 * (2 * 512 * 2048 + 2048 + 512)
    assert count.norms == (6 * 2 + 6 * 3) * 2 * 512
    assert count.embeddings == 37000 * 512
    assert count.lm_head == 0
    assert count.total == 63_045_632


@pytest.mark.parametrize("name", sorted(presets))
def test_parts_sum_to_total(name: str) -> None:
    count = count_params(presets[name])
    parts = count.embeddings + count.attention + count.mlp + count.norms
    assert parts + count.pooler + count.lm_head == count.total


def test_param_count_refuses_parts_that_do_not_add_up() -> None:
    with pytest.raises(ValueError, match=r"add up to 6, not total=7"):
        ParamCount(
            embeddings=1,
            attention_per_layer=1,
            attention=1,
            mlp=1,
            norms=1,
            pooler=1,
            lm_head=1,
            total=7,
            active=7,
        )


def test_gqa_reduces_key_value_parameters_only() -> None:
    mha = from_hf_config(LLAMA_TINY)
    gqa = from_hf_config(with_(LLAMA_TINY, num_key_value_heads=2))
    c, d = 256, 32
    saved = count_params(mha).attention_per_layer - count_params(gqa).attention_per_layer
    assert saved == 2 * c * (8 - 2) * d  # k and v shrink from 8 to 2 heads; q and o do not
    assert count_params(gqa).mlp == count_params(mha).mlp


def test_explicit_head_dim_is_honoured() -> None:
    spec = from_hf_config(with_(LLAMA_TINY, head_dim=96))
    assert spec.head_dim == 96
    c, h, d = 256, 8, 96
    assert count_params(spec).attention_per_layer == 4 * c * h * d


def test_explicit_head_dim_allows_heads_that_do_not_divide_width() -> None:
    # Mistral's config class accepts it; LlamaConfig does not (see the test below).
    spec = from_hf_config(
        with_(
            LLAMA_TINY,
            model_type="mistral",
            num_attention_heads=6,
            num_key_value_heads=3,
            head_dim=40,
        )
    )
    assert (spec.num_heads, spec.head_dim) == (6, 40)


def test_llama_refuses_heads_that_do_not_divide_width_even_with_head_dim() -> None:
    # LlamaConfig.validate_architecture checks hidden_size % num_attention_heads regardless.
    with pytest.raises(
        ValueError, match=r"hidden_size=256 is not divisible by num_attention_heads=6"
    ):
        from_hf_config(with_(LLAMA_TINY, num_attention_heads=6, num_key_value_heads=3, head_dim=40))


def test_head_dim_defaults_to_width_over_heads() -> None:
    assert from_hf_config(LLAMA_TINY).head_dim == 256 // 8


def test_gpt2_n_inner_null_means_four_times_width() -> None:
    assert from_hf_config(with_(GPT2_SMALL, n_inner=None)).intermediate_size == 4 * 768
    assert from_hf_config(with_(GPT2_SMALL, n_inner=1000)).intermediate_size == 1000


def test_missing_kv_heads_follow_transformers_defaults() -> None:
    base = without(LLAMA_TINY, "num_key_value_heads")
    assert from_hf_config(base).num_kv_heads == 8  # Llama: copies num_attention_heads
    mistral = with_(base, model_type="mistral", num_attention_heads=16)
    assert from_hf_config(mistral).num_kv_heads == 8  # MistralConfig's default
    qwen2 = with_(base, model_type="qwen2", num_attention_heads=32)
    assert from_hf_config(qwen2).num_kv_heads == 32  # Qwen2Config's default
    assert from_hf_config(with_(qwen2, num_key_value_heads=None)).num_kv_heads == 32


def test_family_switches() -> None:
    qwen2 = from_hf_config(with_(LLAMA_TINY, model_type="qwen2"))
    assert (qwen2.qkv_bias, qwen2.o_bias, qwen2.mlp, qwen2.norm) == (
        True,
        False,
        "gated",
        "rmsnorm",
    )
    assert qwen2.tie_word_embeddings is False
    llama = from_hf_config(with_(LLAMA_TINY, attention_bias=True))
    assert (llama.qkv_bias, llama.o_bias, llama.mlp_bias) == (True, True, False)
    mistral = from_hf_config(with_(LLAMA_TINY, model_type="mistral", attention_bias=True))
    assert (mistral.qkv_bias, mistral.o_bias) == (False, False)  # MistralAttention ignores it
    gpt2 = presets["gpt2"]
    assert (gpt2.qkv_bias, gpt2.o_bias, gpt2.mlp, gpt2.norm) == (True, True, "dense", "layernorm")


# --------------------------------------------------------------------------- KV cache


def test_kv_cache_llama_2_7b_at_4096_tokens() -> None:
    assert kv_cache_bytes(presets["llama-2-7b"], 4096) == 2 * 32 * 32 * 128 * 4096 * 2


def test_kv_cache_llama_3_8b_gqa_is_four_times_smaller() -> None:
    llama2 = kv_cache_bytes(presets["llama-2-7b"], 4096)
    assert kv_cache_bytes(presets["llama-3-8b"], 4096) * 4 == llama2


def test_kv_cache_scales_with_batch_and_bytes() -> None:
    spec = presets["gpt2"]
    one = kv_cache_bytes(spec, 100)
    assert kv_cache_bytes(spec, 100, bytes_per_element=4, batch_size=3) == 6 * one


def test_kv_cache_of_transformer_base_uses_decoder_layers() -> None:
    assert kv_cache_bytes(presets["transformer-base"], 10) == 2 * 6 * 8 * 64 * 10 * 2


@given(st.integers(0, 10_000), st.integers(1, 8), st.integers(1, 4))
def test_kv_cache_is_linear_in_tokens(num_tokens: int, batch_size: int, nbytes: int) -> None:
    spec = presets["llama-3-8b"]  # full attention in every layer
    per_token = kv_cache_bytes(spec, 1, bytes_per_element=nbytes, batch_size=batch_size)
    assert kv_cache_bytes(spec, num_tokens, nbytes, batch_size) == num_tokens * per_token


def test_kv_cache_refuses_negative_tokens() -> None:
    with pytest.raises(ValueError, match=r"num_tokens=-1 must be >= 0"):
        kv_cache_bytes(presets["gpt2"], -1)


def test_kv_cache_refuses_float_bytes() -> None:
    with pytest.raises(TypeError, match=r"bytes_per_element must be an int, got float 0.5"):
        kv_cache_bytes(presets["gpt2"], 1, bytes_per_element=0.5)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- validation


def test_unknown_model_type_names_it_and_the_supported_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"model_type='t5'.*'gpt2', 'bert', 'llama', 'mistral', "
        r"'qwen2'",
    ):
        from_hf_config({"model_type": "t5"})


def test_missing_model_type_names_the_supported_ones() -> None:
    with pytest.raises(ValueError, match=r"no 'model_type'.*'gpt2'"):
        from_hf_config(without(GPT2_SMALL, "model_type"))


@pytest.mark.parametrize(
    ("base", "key"),
    [
        (GPT2_SMALL, "n_embd"),
        (GPT2_SMALL, "n_layer"),
        (GPT2_SMALL, "n_positions"),
        (dict(preset_configs["bert-base-uncased"]), "type_vocab_size"),
        (LLAMA_TINY, "intermediate_size"),
        (with_(LLAMA_TINY, model_type="qwen2"), "vocab_size"),
    ],
)
def test_missing_required_key_names_key_and_family(base: dict[str, Any], key: str) -> None:
    family = base["model_type"]
    with pytest.raises(ValueError, match=rf"{family} config is missing required key '{key}'"):
        from_hf_config(without(base, key))


def test_heads_not_dividing_width_names_both_values() -> None:
    with pytest.raises(
        ValueError,
        match=r"hidden_size=256 is not divisible by "
        r"num_attention_heads=6",
    ):
        from_hf_config(with_(LLAMA_TINY, num_attention_heads=6, num_key_value_heads=6))


def test_gpt2_heads_not_dividing_width_names_both_values() -> None:
    with pytest.raises(ValueError, match=r"n_embd=768 is not divisible by n_head=10"):
        from_hf_config(with_(GPT2_SMALL, n_head=10))


def test_kv_heads_not_dividing_heads_names_both_values() -> None:
    with pytest.raises(
        ValueError,
        match=r"num_attention_heads=8 is not divisible by "
        r"num_key_value_heads=3",
    ):
        from_hf_config(with_(LLAMA_TINY, num_key_value_heads=3))


def test_wrong_value_type_names_key() -> None:
    with pytest.raises(TypeError, match=r"llama config hidden_size must be an int, got str '256'"):
        from_hf_config(with_(LLAMA_TINY, hidden_size="256"))


def test_non_positive_value_names_key() -> None:
    with pytest.raises(ValueError, match=r"gpt2 config n_layer=0 must be >= 1"):
        from_hf_config(with_(GPT2_SMALL, n_layer=0))


def test_cross_attention_is_refused() -> None:
    with pytest.raises(ValueError, match=r"gpt2 config: add_cross_attention=True"):
        from_hf_config(with_(GPT2_SMALL, add_cross_attention=True))


def test_config_must_be_a_mapping() -> None:
    with pytest.raises(TypeError, match=r"config must be a mapping.*list"):
        from_hf_config([("model_type", "gpt2")])  # type: ignore[arg-type]


def test_model_spec_checks_kv_heads_divide_heads() -> None:
    with pytest.raises(ValueError, match=r"num_heads=8 is not divisible by num_kv_heads=3"):
        dataclasses.replace(presets["gpt2"], num_heads=8, num_kv_heads=3)


def test_model_spec_checks_family() -> None:
    with pytest.raises(ValueError, match=r"family='t5' is not one of"):
        dataclasses.replace(presets["gpt2"], family="t5")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- presets


def test_presets_are_read_only() -> None:
    with pytest.raises(TypeError):
        presets["gpt2"] = presets["gpt2-xl"]  # type: ignore[index]
    with pytest.raises(TypeError):
        preset_configs["gpt2"]["n_layer"] = 1  # type: ignore[index]


def test_model_spec_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        presets["gpt2"].num_layers = 1  # type: ignore[misc]


def test_presets_are_read_from_their_configs() -> None:
    for name, config in preset_configs.items():
        assert presets[name] == from_hf_config(config)
    assert set(presets) == set(preset_configs) | {"transformer-base"}


def test_preset_names() -> None:
    assert sorted(presets) == sorted(
        [
            "gpt2",
            "gpt2-medium",
            "gpt2-large",
            "gpt2-xl",
            "bert-base-uncased",
            "llama-2-7b",
            "llama-3-8b",
            "mistral-7b-v0.1",
            "transformer-base",
            "qwen2.5-7b",
            "qwen3-8b",
            "qwen3-30b-a3b",
            "gemma-2-9b",
            "gemma-3-27b",
            "mixtral-8x7b",
            "deepseek-v2-lite",
            "deepseek-v3",
            "gpt-oss-20b",
            "gpt-oss-120b",
            "phi-3-mini",
            "olmo-2-7b",
            "smollm3-3b",
        ]
    )


def test_hand_built_spec_multi_query_attention() -> None:
    mqa = ModelSpec(
        family="llama",
        d_model=256,
        num_layers=2,
        num_heads=8,
        num_kv_heads=1,
        head_dim=32,
        intermediate_size=512,
        vocab_size=1000,
        max_position_embeddings=0,
        type_vocab_size=0,
        qkv_bias=False,
        o_bias=False,
        mlp="gated",
        mlp_bias=False,
        norm="rmsnorm",
        tie_word_embeddings=False,
        lm_head=True,
        pooler=False,
        num_decoder_layers=0,
    )
    c, h, d = 256, 8, 32
    assert count_params(mqa).attention_per_layer == 2 * c * h * d + 2 * c * 1 * d
    assert kv_cache_bytes(mqa, 1) == 2 * 2 * 1 * d * 2
