"""count_params against the transformers models built from the same config dicts.

Every model is built on the meta device (shapes only, no memory, no weight download) from the
config dict through ``AutoConfig.for_model(**config)``, as a user would. Decoder families are
built with ``AutoModelForCausalLM`` (lm_head tied to the token embeddings counts once, as
``model.parameters()`` yields a shared Parameter once); BERT with ``BertModel`` (embeddings,
encoder and pooler, no MLM head), which is what the counter models for ``family="bert"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import torch
import transformers  # a test dependency: installed by make, never skipped

from qkvlib.counting import count_params, from_hf_config, preset_configs

# Configs of our own, one per behaviour the presets do not cover.
EXTRA_CONFIGS: dict[str, dict[str, Any]] = {
    # Qwen2-0.5B-like: q/k/v biases without an o_proj bias, GQA 14:2, tied embeddings.
    "qwen2-0.5b-like": {
        "model_type": "qwen2",
        "hidden_size": 896,
        "num_hidden_layers": 24,
        "num_attention_heads": 14,
        "num_key_value_heads": 2,
        "intermediate_size": 4864,
        "vocab_size": 151936,
        "tie_word_embeddings": True,
    },
    # Llama with head_dim != hidden_size // num_attention_heads (256 // 4 = 64).
    "llama-explicit-head-dim": {
        "model_type": "llama",
        "hidden_size": 256,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 96,
        "intermediate_size": 512,
        "vocab_size": 1000,
    },
    # Llama with attention_bias (q/k/v/o biases) and mlp_bias.
    "llama-attention-bias": {
        "model_type": "llama",
        "hidden_size": 256,
        "num_hidden_layers": 2,
        "num_attention_heads": 8,
        "intermediate_size": 688,
        "vocab_size": 1000,
        "attention_bias": True,
        "mlp_bias": True,
    },
    # Qwen2 with explicit head_dim (read by its attention through getattr).
    "qwen2-explicit-head-dim": {
        "model_type": "qwen2",
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 1,
        "head_dim": 48,
        "intermediate_size": 256,
        "vocab_size": 500,
    },
    # Mistral without num_key_value_heads: transformers' default is 8, not num_attention_heads.
    "mistral-default-kv-heads": {
        "model_type": "mistral",
        "hidden_size": 256,
        "num_hidden_layers": 2,
        "num_attention_heads": 16,
        "intermediate_size": 512,
        "vocab_size": 1000,
    },
    # GPT-2 with an explicit n_inner and untied embeddings.
    "gpt2-untied-n-inner": {
        "model_type": "gpt2",
        "n_embd": 128,
        "n_layer": 2,
        "n_head": 4,
        "n_inner": 300,
        "vocab_size": 1000,
        "n_positions": 64,
        "tie_word_embeddings": False,
    },
}

ALL_CONFIGS: dict[str, Mapping[str, Any]] = {**preset_configs, **EXTRA_CONFIGS}


def build_on_meta(config_dict: Mapping[str, Any]) -> Any:  # a transformers PreTrainedModel
    config = transformers.AutoConfig.for_model(**config_dict)
    with torch.device("meta"):
        if config_dict["model_type"] == "bert":
            return transformers.BertModel(config)
        return transformers.AutoModelForCausalLM.from_config(config)


def attention_params_of_layer0(model: Any, model_type: str) -> int:
    if model_type == "gpt2":
        attn = model.transformer.h[0].attn
        modules = [attn.c_attn, attn.c_proj]
    elif model_type == "bert":
        attention = model.encoder.layer[0].attention
        modules = [attention.self.query, attention.self.key, attention.self.value]
        modules.append(attention.output.dense)
    else:
        attn = model.model.layers[0].self_attn
        modules = [attn.q_proj, attn.k_proj, attn.v_proj, attn.o_proj]
    return sum(p.numel() for m in modules for p in m.parameters())


@pytest.fixture(scope="module", params=sorted(ALL_CONFIGS))
def built(request: pytest.FixtureRequest) -> tuple[Mapping[str, Any], Any]:
    config_dict = ALL_CONFIGS[request.param]
    return config_dict, build_on_meta(config_dict)


def test_total_equals_transformers_parameters(built: tuple[Mapping[str, Any], Any]) -> None:
    config_dict, model = built
    expected = sum(p.numel() for p in model.parameters())
    assert count_params(from_hf_config(config_dict)).total == expected


def test_attention_per_layer_equals_layer0_projections(
    built: tuple[Mapping[str, Any], Any],
) -> None:
    config_dict, model = built
    expected = attention_params_of_layer0(model, config_dict["model_type"])
    assert count_params(from_hf_config(config_dict)).attention_per_layer == expected


def test_lm_head_is_zero_exactly_when_transformers_ties_it(
    built: tuple[Mapping[str, Any], Any],
) -> None:
    config_dict, model = built
    if config_dict["model_type"] == "bert":  # BertModel has no lm_head at all
        assert not hasattr(model, "lm_head")
        assert count_params(from_hf_config(config_dict)).lm_head == 0
        return
    tied = model.lm_head.weight is model.get_input_embeddings().weight
    assert (count_params(from_hf_config(config_dict)).lm_head == 0) == tied


def test_explicit_head_dim_reaches_the_transformers_model() -> None:
    config_dict = EXTRA_CONFIGS["llama-explicit-head-dim"]
    model = build_on_meta(config_dict)
    q_proj = model.model.layers[0].self_attn.q_proj
    spec = from_hf_config(config_dict)
    assert q_proj.out_features == spec.num_heads * spec.head_dim == 4 * 96
