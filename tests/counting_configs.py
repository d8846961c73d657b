"""Configs for the counting tests: a seeded generator of small config.json dicts for every family
the counter reads (valid ones, with optional keys present, absent or null at random), and a list
of bad configs with the error each must raise.

The generated configs are small enough to build on the meta device in a few milliseconds, and
valid for transformers too (heads divisible where its config class insists, kv heads dividing
the heads, windows and expert counts in range), so the same dicts serve the transformers
cross-checks (tests/test_counting_transformers.py) and the browser parity test
(tests/test_browser_calculator.py).
"""

from __future__ import annotations

import copy
import random
from typing import Any, get_args

from qkvlib.counting.spec import Family

FAMILIES = tuple(f for f in get_args(Family) if f != "transformer")  # every config family
LAYER_TYPES = ("full_attention", "sliding_attention")


def _maybe(rng: random.Random, config: dict[str, Any], key: str, *values: Any) -> None:
    """Set ``key`` to one of ``values``, or leave it out (one chance in len(values) + 1)."""
    choice = rng.randrange(len(values) + 1)
    if choice < len(values):
        config[key] = values[choice]


def _heads(rng: random.Random, kv_default: int | None) -> tuple[int, int | None]:
    """(num_attention_heads, num_key_value_heads or None to leave it out). When the key is
    left out, the family's default (``kv_default``; None: the heads) must divide the heads."""
    if rng.random() < 0.3:
        heads = kv_default * rng.choice([1, 2]) if kv_default else rng.choice([2, 3, 4, 6])
        return heads, None
    kv = rng.choice([1, 2, 3, 4])
    return kv * rng.choice([1, 2, 4]), kv


def _decoder(
    rng: random.Random,
    model_type: str,
    kv_default: int | None,
    *,
    strict_width: bool,
    head_dim_null_ok: bool,
    moe: bool = False,
) -> dict[str, Any]:
    """A decoder config; with ``moe``, widths are multiples of 8 (transformers runs its grouped
    expert matmul on the meta device only with rows of a multiple of 16 bytes)."""
    heads, kv = _heads(rng, kv_default)
    d = 8 if moe else rng.choice([2, 4, 8])
    config: dict[str, Any] = {"model_type": model_type}
    if strict_width or rng.random() < 0.6:
        config["hidden_size"] = heads * d  # heads divide the width
        nulls = [None] if head_dim_null_ok else []
        _maybe(rng, config, "head_dim", d, rng.choice([4, 6, 10]), *nulls)
    else:
        config["hidden_size"] = heads * d + rng.choice([8, 16] if moe else [1, 2, 6])
        config["head_dim"] = rng.choice([4, 6, 10])
    config["num_hidden_layers"] = rng.randint(1, 6)
    config["num_attention_heads"] = heads
    if kv is not None:
        config["num_key_value_heads"] = kv
    config["intermediate_size"] = rng.choice([8, 16, 24, 40] if moe else [8, 12, 20, 36])
    config["vocab_size"] = rng.choice([31, 64, 100, 257])
    _maybe(rng, config, "tie_word_embeddings", True, False)
    return config


def _layer_types(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(LAYER_TYPES) for _ in range(n)]


def _moe(rng: random.Random, config: dict[str, Any], experts_key: str) -> None:
    experts = rng.randint(1, 8)
    config[experts_key] = experts
    config["num_experts_per_tok"] = rng.randint(1, experts)


def generate(family: str, rng: random.Random) -> dict[str, Any]:
    """One valid config.json dict of ``family`` (a transformers ``model_type``)."""
    window = rng.choice([2, 3, 5, 8, 33])
    if family == "gpt2":
        heads, d = rng.choice([1, 2, 3, 4]), rng.choice([2, 4, 8])
        config: dict[str, Any] = {
            "model_type": "gpt2",
            "n_embd": heads * d,
            "n_layer": rng.randint(1, 4),
            "n_head": heads,
            "vocab_size": rng.choice([31, 100]),
            "n_positions": rng.choice([16, 64]),
        }
        _maybe(rng, config, "n_inner", None, rng.choice([5, 24]))
        _maybe(rng, config, "tie_word_embeddings", True, False)
        if rng.random() < 0.2:  # transformers' attribute_map: hidden_size is n_embd
            config["hidden_size"] = config.pop("n_embd")
        return config
    if family == "bert":
        heads, d = rng.choice([1, 2, 4]), rng.choice([2, 4, 8])
        config = {
            "model_type": "bert",
            "hidden_size": heads * d,
            "num_hidden_layers": rng.randint(1, 3),
            "num_attention_heads": heads,
            "intermediate_size": rng.choice([8, 20]),
            "vocab_size": rng.choice([31, 100]),
            "max_position_embeddings": rng.choice([16, 64]),
            "type_vocab_size": rng.choice([1, 2]),
        }
        _maybe(rng, config, "tie_word_embeddings", True, False)
        return config
    if family == "llama":
        config = _decoder(rng, family, None, strict_width=True, head_dim_null_ok=True)
        _maybe(rng, config, "attention_bias", True, False)
        _maybe(rng, config, "mlp_bias", True, False)
        return config
    if family in ("mistral", "mixtral"):
        config = _decoder(
            rng, family, 8, strict_width=False, head_dim_null_ok=True, moe=family == "mixtral"
        )
        _maybe(rng, config, "sliding_window", None, window)
        if family == "mixtral":
            _moe(rng, config, "num_local_experts")
        return config
    if family in ("qwen2", "qwen3", "qwen3_moe"):
        kv_default = 4 if family == "qwen3_moe" else 32
        config = _decoder(
            rng,
            family,
            kv_default,
            strict_width=False,
            head_dim_null_ok=False,
            moe=family == "qwen3_moe",
        )
        if "num_key_value_heads" in config and family != "qwen3_moe" and rng.random() < 0.2:
            config["num_key_value_heads"] = None  # null copies the heads
        n = config["num_hidden_layers"]
        _maybe(rng, config, "use_sliding_window", True, False)
        _maybe(rng, config, "sliding_window", window)
        if family != "qwen3_moe":
            _maybe(rng, config, "max_window_layers", rng.randint(0, n))
            if (
                config.get("use_sliding_window")
                and "sliding_window" in config
                and rng.random() < 0.3
            ):
                config["layer_types"] = _layer_types(rng, n)
        if family != "qwen2":
            _maybe(rng, config, "attention_bias", True, False)
        if family == "qwen3_moe":
            _moe(rng, config, "num_experts")
            config["moe_intermediate_size"] = rng.choice([8, 16])
            _maybe(rng, config, "decoder_sparse_step", rng.randint(1, 3))
            _maybe(
                rng,
                config,
                "mlp_only_layers",
                sorted(rng.sample(range(n), rng.randint(0, n))),
                None,
            )
        return config
    if family in ("gemma2", "gemma3_text"):
        config = _decoder(rng, family, 4, strict_width=True, head_dim_null_ok=False)
        n = config["num_hidden_layers"]
        config["sliding_window"] = window
        _maybe(rng, config, "attention_bias", True, False)
        if rng.random() < 0.3:
            config["layer_types"] = _layer_types(rng, n)
        if family == "gemma3_text":
            _maybe(rng, config, "sliding_window_pattern", rng.randint(1, 4))
            _maybe(rng, config, "use_bidirectional_attention", True, False)
            if rng.random() < 0.3:  # nested as in Gemma 3's config.json, with or without its type
                inner = dict(config)
                if rng.random() < 0.5:
                    del inner["model_type"]
                return {"model_type": "gemma3", "text_config": inner}
        return config
    if family == "phi3":
        config = _decoder(rng, family, None, strict_width=False, head_dim_null_ok=False)
        _maybe(rng, config, "sliding_window", None, window)
        config["pad_token_id"] = None  # Phi3Config's default 32000 lies outside the vocabulary
        return config
    if family == "olmo2":
        config = _decoder(rng, family, None, strict_width=False, head_dim_null_ok=False)
        _maybe(rng, config, "attention_bias", True, False)
        return config
    if family == "smollm3":
        config = _decoder(rng, family, 4, strict_width=False, head_dim_null_ok=False)
        n = config["num_hidden_layers"]
        _maybe(rng, config, "use_sliding_window", True, False)
        _maybe(rng, config, "sliding_window", None, window)
        _maybe(rng, config, "no_rope_layer_interval", rng.randint(1, 3))
        if rng.random() < 0.3:
            config["no_rope_layers"] = [rng.choice([0, 1]) for _ in range(n)]
        if config.get("use_sliding_window") and config.get("sliding_window") and rng.random() < 0.3:
            config["layer_types"] = _layer_types(rng, n)
        _maybe(rng, config, "attention_bias", True, False)
        _maybe(rng, config, "mlp_bias", True, False)
        config["pad_token_id"] = None  # SmolLM3Config's default 128004 lies outside the vocabulary
        return config
    if family in ("deepseek_v2", "deepseek_v3"):
        heads = rng.choice([1, 2, 4])
        n = rng.randint(1, 5)
        config = {
            "model_type": family,
            "hidden_size": heads * 8,
            "num_hidden_layers": n,
            "num_attention_heads": heads,
            # MLA expands K and V to every query head: transformers' forward needs this
            "num_key_value_heads": heads,
            "intermediate_size": rng.choice([8, 24]),
            "vocab_size": rng.choice([31, 100]),
            "q_lora_rank": rng.choice([None, 4, 12]),
            "kv_lora_rank": rng.choice([4, 8]),
            "qk_nope_head_dim": rng.choice([2, 4]),
            "qk_rope_head_dim": rng.choice([2, 4]),
            "v_head_dim": rng.choice([2, 6]),
            "moe_intermediate_size": rng.choice([8, 16]),
            "n_shared_experts": rng.randint(0, 2),
            "first_k_dense_replace": rng.randint(0, n),
        }
        _moe(rng, config, "n_routed_experts")
        if family == "deepseek_v3":  # group-limited routing: groups must split the experts
            config["n_group"], config["topk_group"] = 1, 1
        _maybe(rng, config, "attention_bias", True, False)
        if family == "deepseek_v2":
            _maybe(rng, config, "mlp_bias", True, False)
        _maybe(rng, config, "tie_word_embeddings", True, False)
        return config
    # gpt_oss
    config = _decoder(rng, family, 8, strict_width=False, head_dim_null_ok=False, moe=True)
    n = config["num_hidden_layers"]
    _moe(rng, config, "num_local_experts")
    _maybe(rng, config, "attention_bias", True, False)
    config["sliding_window"] = window
    if rng.random() < 0.3:
        config["layer_types"] = _layer_types(rng, n)
    return config


def generated(count_per_family: int, seed: int = 0) -> list[dict[str, Any]]:
    """``count_per_family`` configs of every family, in a fixed order for a given seed."""
    rng = random.Random(seed)
    return [generate(f, rng) for _ in range(count_per_family) for f in FAMILIES]


# Values a mutation puts in place of a key: wrong types, out of range, null, and plausible ones.
ODD_VALUES: tuple[Any, ...] = (
    None,
    "x",
    1.5,
    -1,
    0,
    True,
    False,
    [1],
    {},
    3,
    64,
    ["sliding_attention"],
    10**30,
)
ODD_KEYS = (
    "sliding_window",
    "layer_types",
    "head_dim",
    "num_key_value_heads",
    "mlp_only_layers",
    "q_lora_rank",
    "no_rope_layers",
    "use_sliding_window",
)


def mutated(configs: list[dict[str, Any]], seed: int) -> list[Any]:
    """Each config with one thing changed: a key deleted or set to an odd value, and now and
    then another model_type. Most are refused; reader and page must refuse them alike."""
    rng = random.Random(seed)
    out = []
    for config in configs:
        m = copy.deepcopy(config)
        if rng.random() < 0.3:
            m["model_type"] = rng.choice((*FAMILIES, "gemma3", "llava"))
        target = m.get("text_config", m) if isinstance(m.get("text_config"), dict) else m
        key = rng.choice([*target, *ODD_KEYS])
        if key in target and rng.random() < 0.3:
            del target[key]
        else:
            target[key] = rng.choice(ODD_VALUES)
        out.append(m)
    return out


LLAMA = {
    "model_type": "llama",
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 8,
    "intermediate_size": 96,
    "vocab_size": 100,
}
DEEPSEEK_V3 = {
    "model_type": "deepseek_v3",
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 40,
    "vocab_size": 100,
    "q_lora_rank": 8,
    "kv_lora_rank": 8,
    "qk_nope_head_dim": 4,
    "qk_rope_head_dim": 4,
    "v_head_dim": 4,
    "n_routed_experts": 4,
    "num_experts_per_tok": 2,
    "n_shared_experts": 1,
    "moe_intermediate_size": 8,
    "first_k_dense_replace": 1,
}
GEMMA2 = {
    "model_type": "gemma2",
    "hidden_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "intermediate_size": 96,
    "vocab_size": 100,
}


def _without(config: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k != key}


# (config, error type, the start of its message): every reader error the page must show alike.
BAD_CONFIGS: list[tuple[Any, str, str]] = [
    ([], "TypeError", "config must be a mapping (a config.json dict), got list"),
    (5, "TypeError", "config must be a mapping (a config.json dict), got int"),
    ({}, "ValueError", "config has no 'model_type'; supported: 'gpt2', 'bert', 'llama'"),
    ({"model_type": "t5"}, "ValueError", "unsupported model_type='t5'; supported: 'gpt2'"),
    ({"model_type": 5}, "ValueError", "unsupported model_type=5; supported:"),
    (
        {"model_type": "<img src=x onerror=alert(1)>"},
        "ValueError",
        "unsupported model_type='<img src=x onerror=alert(1)>'",
    ),
    (
        {"model_type": 'it\'s "quoted"\n'},
        "ValueError",
        "unsupported model_type='it\\'s \"quoted\"\\n'",
    ),
    (
        _without(LLAMA, "hidden_size"),
        "ValueError",
        "llama config is missing required key 'hidden_size' (transformers' LlamaConfig would "
        "silently use 4096)",
    ),
    (
        _without(DEEPSEEK_V3, "kv_lora_rank"),
        "ValueError",
        "deepseek_v3 config is missing required key 'kv_lora_rank' (transformers' "
        "DeepseekV3Config would silently use 512)",
    ),
    (
        {
            **DEEPSEEK_V3,
            "model_type": "deepseek_v2",
            "q_lora_rank": None,
            "num_experts_per_tok": None,
        },
        "ValueError",
        "deepseek_v2 config is missing required key 'num_experts_per_tok' (it is null)",
    ),
    (
        {**LLAMA, "num_key_value_heads": 3},
        "ValueError",
        "llama config: num_attention_heads=8 is not divisible by num_key_value_heads=3",
    ),
    (
        {**LLAMA, "num_attention_heads": 6},
        "ValueError",
        "llama config: hidden_size=64 is not divisible by num_attention_heads=6 and the config "
        "sets no head_dim",
    ),
    (
        {**LLAMA, "num_attention_heads": 6, "head_dim": 10},
        "ValueError",
        "llama config: hidden_size=64 is not divisible by num_attention_heads=6",
    ),
    (
        {
            "model_type": "gpt2",
            "n_embd": 768,
            "n_layer": 1,
            "n_head": 10,
            "vocab_size": 10,
            "n_positions": 8,
        },
        "ValueError",
        "gpt2 config: n_embd=768 is not divisible by n_head=10",
    ),
    (
        {**LLAMA, "hidden_size": "64"},
        "TypeError",
        "llama config hidden_size must be an int, got str '64'",
    ),
    (
        {**LLAMA, "hidden_size": 64.0},
        "TypeError",
        "llama config hidden_size must be an int, got float 64.0",
    ),
    (
        {**LLAMA, "hidden_size": 1e-07},
        "TypeError",
        "llama config hidden_size must be an int, got float 1e-07",
    ),
    (
        {**LLAMA, "hidden_size": True},
        "TypeError",
        "llama config hidden_size must be an int, got bool True",
    ),
    (
        {**LLAMA, "hidden_size": [64]},
        "TypeError",
        "llama config hidden_size must be an int, got list [64]",
    ),
    (
        {**LLAMA, "hidden_size": {"a": None}},
        "TypeError",
        "llama config hidden_size must be an int, got dict {'a': None}",
    ),
    (
        {**LLAMA, "num_hidden_layers": 10**30},
        "ValueError",
        "llama config num_hidden_layers=1000000000000000000000000000000 must be <= 100000",
    ),
    (
        {**LLAMA, "num_hidden_layers": -1},
        "ValueError",
        "llama config num_hidden_layers=-1 must be >= 1",
    ),
    (
        {**LLAMA, "vocab_size": None},
        "ValueError",
        "llama config is missing required key 'vocab_size' (it is null)",
    ),
    (
        {**LLAMA, "attention_bias": None},
        "TypeError",
        "llama config attention_bias must be a bool, got NoneType None",
    ),
    (
        {**LLAMA, "tie_word_embeddings": 1},
        "TypeError",
        "llama config tie_word_embeddings must be a bool, got int 1",
    ),
    (
        {**GEMMA2, "layer_types": ["full_attention"]},
        "ValueError",
        "gemma2 config layer_types has 1 entries for num_hidden_layers=2",
    ),
    (
        {**GEMMA2, "layer_types": ["full_attention", "chunked_attention"]},
        "ValueError",
        "gemma2 config layer_types[1]='chunked_attention' is not one of 'full_attention', "
        "'sliding_attention'",
    ),
    (
        {**GEMMA2, "layer_types": "full_attention"},
        "TypeError",
        "gemma2 config layer_types must be a list of strings, got str 'full_attention'",
    ),
    (
        {**GEMMA2, "sliding_window": None},
        "ValueError",
        "gemma2 config: layer 0 is 'sliding_attention' but the config enables no sliding window",
    ),
    (
        {
            **LLAMA,
            "model_type": "qwen2",
            "num_key_value_heads": 2,
            "layer_types": ["full_attention", "sliding_attention"],
        },
        "ValueError",
        "qwen2 config: layer 1 is 'sliding_attention' but the config enables no sliding window",
    ),
    (
        {
            **LLAMA,
            "model_type": "qwen3_moe",
            "num_key_value_heads": 2,
            "num_experts": 4,
            "num_experts_per_tok": 5,
            "moe_intermediate_size": 8,
        },
        "ValueError",
        "qwen3_moe config: num_experts_per_tok=5 is more than num_experts=4",
    ),
    (
        {
            **LLAMA,
            "model_type": "qwen3_moe",
            "num_key_value_heads": 2,
            "num_experts": 4,
            "num_experts_per_tok": 2,
            "moe_intermediate_size": 8,
            "mlp_only_layers": [0.5],
        },
        "TypeError",
        "qwen3_moe config mlp_only_layers must be a list of ints, got list [0.5]",
    ),
    (
        {"model_type": "gpt2", "add_cross_attention": True},
        "ValueError",
        "gpt2 config: add_cross_attention=True (extra cross-attention blocks) is not supported "
        "by the counter",
    ),
    (
        {"model_type": "gpt2", "add_cross_attention": "yes"},
        "TypeError",
        "gpt2 config add_cross_attention must be a bool, got str 'yes'",
    ),
    (
        {"model_type": "gemma3", "text_config": [1]},
        "TypeError",
        "config text_config must be a mapping, got list",
    ),
    (
        {"model_type": "llava", "text_config": {"hidden_size": 8}},
        "ValueError",
        "config text_config has no 'model_type' (model_type='llava')",
    ),
    (
        {**LLAMA, "per_layer_config": {}},
        "ValueError",
        "llama config: per_layer_config (layers that differ in size) is not supported",
    ),
]
