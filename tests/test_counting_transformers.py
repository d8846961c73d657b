"""The counter against the transformers models built from the same config dicts.

Every model is built on the meta device (shapes only: no memory, no weight download) from the
config dict through ``AutoConfig.for_model(**config)``, as a user would, in bfloat16 (transformers'
grouped expert matmul runs on meta only in bf16). Decoder families are built with
``AutoModelForCausalLM`` (an lm_head tied to the token embeddings counts once, as
``model.parameters()`` yields a shared Parameter once); BERT with ``BertModel`` (embeddings,
encoder and pooler, no MLM head), which is what the counter models for ``family="bert"``. A config
nesting a ``text_config`` is built from its text_config: the counter reads the text model.

Checked for every preset, a few hand-written configs and two generated configs of every family:
``total``, ``attention_per_layer`` (layer 0's attention module), ``active`` (against the built
model's expert tensors) and, for decoders, ``kv_cache_bytes`` against the cache transformers fills
in a forward pass. All integers: exact equality.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest
import torch
import transformers  # a test dependency: installed by make, never skipped
from counting_configs import generated

from qkvlib.counting import (
    ModelSpec,
    count_params,
    families,
    from_hf_config,
    kv_cache_bytes,
    preset_configs,
)

# DeepSeek with n_shared_experts=0 builds an empty shared-expert MLP, which torch mentions.
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors:UserWarning")

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
    # Mistral without num_key_value_heads (its default is 8) and without sliding_window
    # (its default is 4096: every layer slides).
    "mistral-defaults": {
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
# Two per family; seed 39 covers, among 2-per-family seeds below 60, the most of: sliding layers
# in each family that has them, explicit layer_types, absent head_dim / kv heads, q_lora_rank
# null and not, zero and nonzero shared experts, dense and MoE layers in one model.
GENERATED = {f"{c.get('model_type')}-{i}": c for i, c in enumerate(generated(2, seed=39))}
ALL_CONFIGS: dict[str, Mapping[str, Any]] = {**preset_configs, **EXTRA_CONFIGS, **GENERATED}
# The cache is checked on the small configs: a forward pass through a preset takes seconds.
CACHE_CONFIGS = sorted(n for n in GENERATED if "bert" not in n) + ["mistral-defaults"]


def text_model_config(config_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The dict transformers builds the counted model from: the text_config if nested."""
    if "text_config" not in config_dict:
        return dict(config_dict)
    inner = dict(config_dict["text_config"])
    inner.setdefault("model_type", families()["text_config_types"][config_dict["model_type"]])
    return inner


@cache
def build(name: str) -> Any:  # a transformers PreTrainedModel, built once per test session
    config_dict = text_model_config(ALL_CONFIGS[name])
    config = transformers.AutoConfig.for_model(**config_dict)
    with torch.device("meta"):
        if config_dict["model_type"] == "bert":
            return transformers.BertModel(config).to(torch.bfloat16)
        return transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)


def spec_of(name: str) -> ModelSpec:
    return from_hf_config(ALL_CONFIGS[name])


def attention_module_of_layer0(model: Any, model_type: str) -> list[Any]:
    if model_type == "gpt2":
        return [model.transformer.h[0].attn]  # c_attn, c_proj
    if model_type == "bert":
        attention = model.encoder.layer[0].attention  # its LayerNorm is counted under norms
        return [attention.self, attention.output.dense]
    return [model.model.layers[0].self_attn]


@pytest.fixture(params=sorted(ALL_CONFIGS))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_total_equals_transformers_parameters(name: str) -> None:
    expected = sum(p.numel() for p in build(name).parameters())
    assert count_params(spec_of(name)).total == expected


def test_attention_per_layer_equals_layer0_attention_module(name: str) -> None:
    model_type = text_model_config(ALL_CONFIGS[name])["model_type"]
    modules = attention_module_of_layer0(build(name), model_type)
    expected = sum(p.numel() for m in modules for p in m.parameters())
    assert count_params(spec_of(name)).attention_per_layer == expected


def test_active_is_total_minus_the_experts_a_token_skips(name: str) -> None:
    """In every layer with routed experts (transformers stores them as one tensor per matrix,
    experts first), a token skips num_experts - num_experts_per_tok of them."""
    model = build(name)
    unused = 0
    for module in model.modules():
        if type(module).__name__.endswith("Experts"):
            tensors = list(module.parameters())
            num_experts = tensors[0].shape[0]
            per_expert = sum(t.numel() for t in tensors) // num_experts
            unused += (num_experts - model.config.num_experts_per_tok) * per_expert
    total = sum(p.numel() for p in model.parameters())
    assert count_params(spec_of(name)).active == total - unused


def test_lm_head_is_zero_exactly_when_transformers_ties_it(name: str) -> None:
    model = build(name)
    if not hasattr(model, "lm_head"):  # BertModel has no lm_head at all
        assert count_params(spec_of(name)).lm_head == 0
        return
    tied = model.lm_head.weight is model.get_input_embeddings().weight
    assert (count_params(spec_of(name)).lm_head == 0) == tied


def transformers_cache_bytes(name: str, num_tokens: int, batch_size: int) -> int:
    """Bytes of the cache transformers returns after a forward of ``num_tokens`` tokens."""
    ids = torch.zeros(batch_size, num_tokens, dtype=torch.long, device="meta")
    cache_ = build(name)(input_ids=ids, use_cache=True).past_key_values
    tensors = [t for layer in cache_.layers for t in (layer.keys, layer.values) if t is not None]
    return sum(t.numel() * t.element_size() for t in tensors)


@pytest.mark.parametrize("cache_name", CACHE_CONFIGS)
def test_kv_cache_equals_transformers_cache_but_sliding_layers_hold_the_full_window(
    cache_name: str,
) -> None:
    """transformers keeps the last W - 1 positions of a sliding layer after a forward (the next
    token's own key makes W); kv_cache_bytes counts the W positions attention needs. So
    transformers' bytes are kv_cache_bytes of the same model with a window one shorter."""
    spec = spec_of(cache_name)
    window = spec.sliding_window
    # beyond every generated window (2 to 33), and within the window where there is one
    for num_tokens in (40, 4) if window is not None and window > 4 else (40,):
        got = transformers_cache_bytes(cache_name, num_tokens, batch_size=2)
        as_transformers = (
            spec if window is None else dataclasses.replace(spec, sliding_window=window - 1)
        )
        assert kv_cache_bytes(as_transformers, num_tokens, 2, batch_size=2) == got, num_tokens
        if window is not None and num_tokens >= window:
            sliding = sum(layer.attention == "sliding" for layer in spec.layers)
            per_position = 2 * spec.num_kv_heads * spec.head_dim * 2 * 2  # K, V; bf16; batch 2
            assert kv_cache_bytes(spec, num_tokens, 2, 2) - got == sliding * per_position


def test_mla_cache_holds_the_latent_and_the_rope_key() -> None:
    name = next(n for n in GENERATED if n.startswith("deepseek_v3"))
    spec = spec_of(name)
    per_token = spec.num_layers * (spec.kv_lora_rank + spec.qk_rope_head_dim) * 2  # bf16
    assert transformers_cache_bytes(name, 3, 1) == 3 * per_token == kv_cache_bytes(spec, 3)


def test_explicit_head_dim_reaches_the_transformers_model() -> None:
    q_proj = build("llama-explicit-head-dim").model.layers[0].self_attn.q_proj
    spec = spec_of("llama-explicit-head-dim")
    assert q_proj.out_features == spec.num_heads * spec.head_dim == 4 * 96


def test_families_json_defaults_are_the_config_classes_defaults() -> None:
    """Every literal default (and every class_default quoted in messages) in families.json is
    the default of the field in transformers' config class."""
    wrong = []
    for model_type, info in families()["families"].items():
        cls = type(transformers.AutoConfig.for_model(model_type))
        assert cls.__name__ == info["config_class"]
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, rule in info["keys"].items():
            want = rule.get("class_default", rule.get("default"))
            if isinstance(want, dict) or key not in fields:  # an expression, or read from kwargs
                continue
            f = fields[key]
            got = f.default_factory() if f.default is dataclasses.MISSING else f.default  # type: ignore[misc]
            # None that __post_init__ replaces by the value "null" stands for is the same default
            if got != want and not (got is None and rule.get("null", ...) == want):
                wrong.append(f"{model_type}.{key}: families.json {want!r}, transformers {got!r}")
    assert not wrong


def test_families_json_aliases_are_the_config_classes_attribute_maps() -> None:
    for model_type, info in families()["families"].items():
        cls = type(transformers.AutoConfig.for_model(model_type))
        pairs = {frozenset(p) for p in cls.attribute_map.items()}
        assert {frozenset(p) for p in info["aliases"].items()} <= pairs, model_type
