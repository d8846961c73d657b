"""`from_hf_config`: read a Hugging Face ``config.json`` into a `ModelSpec`, as transformers does.

What transformers does per family (which keys, which defaults, which layers slide, which carry
experts) is data, in ``families.json`` next to this file; the browser calculator reads the same
file. This module interprets it: aliases, then every key in the order listed (required, null,
type, range, default), then the family's checks, then the spec, its layer types and MLP types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from qkvlib._validate import check_bool, check_int
from qkvlib.counting.spec import ModelSpec

__all__ = ["families", "from_hf_config"]

Config = Mapping[str, Any]
_LAYER_TYPES = ("full_attention", "sliding_attention")


@cache
def families() -> Mapping[str, Any]:
    """The parsed ``families.json``: what `from_hf_config` knows about each ``model_type``.

    Examples:
        >>> from qkvlib.counting import families
        >>> families()["families"]["qwen3"]["keys"]["head_dim"]["default"]
        128
    """
    data: dict[str, Any] = json.loads(
        files("qkvlib.counting").joinpath("families.json").read_text(encoding="utf-8")
    )
    return data


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_value(family: str, key: str, rule: Mapping[str, Any], value: object) -> object:
    name = f"{family} config {key}"
    kind = rule["type"]
    if kind == "int":
        check_int(name, value, minimum=rule["min"])
        if "max" in rule and value > rule["max"]:
            raise ValueError(f"{name}={value} must be <= {rule['max']}")
        return value
    if kind == "bool":
        return check_bool(name, value)
    if kind == "int_list":
        if not isinstance(value, list | tuple) or not all(_is_int(v) for v in value):
            raise TypeError(f"{name} must be a list of ints, got {type(value).__name__} {value!r}")
        return value
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{name} must be a list of strings, got {type(value).__name__} {value!r}")
    for i, item in enumerate(value):
        if item not in _LAYER_TYPES:
            allowed = ", ".join(repr(t) for t in _LAYER_TYPES)
            raise ValueError(f"{name}[{i}]={item!r} is not one of {allowed}")
    return value


def _evaluate(expr: Any, values: Mapping[str, Any], family: str, target: str | None) -> Any:
    """An expression of families.json: a literal, {"key": k}, {"add"|"mul"|"div": [a, b]},
    {"first": [...]}. ``target`` names the key whose default this is (for messages)."""
    if not isinstance(expr, dict):
        return expr
    if "key" in expr:
        return values[expr["key"]]
    if "first" in expr:
        found = (_evaluate(e, values, family, target) for e in expr["first"])
        return next((v for v in found if v is not None), None)
    ((op, (left, right)),) = expr.items()
    a = _evaluate(left, values, family, target)
    b = _evaluate(right, values, family, target)
    if op == "add":
        return a + b
    if op == "mul":
        return a * b
    if a % b != 0:
        hint = f" and the config sets no {target}" if target else ""
        raise ValueError(
            f"{family} config: {left['key']}={a} is not divisible by {right['key']}={b}{hint}"
        )
    return a // b


def _read_keys(config: Config, family: str, info: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, rule in info["keys"].items():
        if key not in config:
            if "default" not in rule:
                raise ValueError(
                    f"{family} config is missing required key {key!r} (transformers' "
                    f"{info['config_class']} would silently use {rule['class_default']!r})"
                )
            values[key] = _evaluate(rule["default"], values, family, key)
        elif config[key] is None and "null" in rule:
            values[key] = _evaluate(rule["null"], values, family, key)
        elif config[key] is None and "default" not in rule:
            raise ValueError(f"{family} config is missing required key {key!r} (it is null)")
        else:
            values[key] = _check_value(family, key, rule, config[key])
    return values


def _run_checks(family: str, checks: list[list[str]], values: Mapping[str, Any]) -> None:
    for kind, first, second in checks:
        a, b = values[first], values[second]
        if kind == "divisible" and a % b != 0:
            raise ValueError(f"{family} config: {first}={a} is not divisible by {second}={b}")
        if kind == "at_most" and a > b:
            raise ValueError(f"{family} config: {first}={a} is more than {second}={b}")


def _window(rule: Mapping[str, Any], values: Mapping[str, Any]) -> int | None:
    if "enabled_by" in rule and not values[rule["enabled_by"]]:
        return None
    window: int | None = values[rule["window"]]
    if window is not None and rule.get("halved_by") and values[rule["halved_by"]]:
        window = window // 2 + 1
    return window


def _layer_types(
    family: str, rule: Mapping[str, Any] | None, values: Mapping[str, Any], n: int
) -> tuple[tuple[str, ...], int | None]:
    """transformers' layer_types (or the per-layer sliding_window it infers) and the window."""
    if rule is None:
        return (), None
    window = _window(rule, values)
    explicit = values.get(rule["explicit"]) if "explicit" in rule else None
    if explicit is not None:
        if len(explicit) != n:
            raise ValueError(
                f"{family} config layer_types has {len(explicit)} entries for num_hidden_layers={n}"
            )
        types = list(explicit)
    elif rule["rule"] == "all":
        types = ["sliding_attention" if window is not None else "full_attention"] * n
    elif rule["rule"] == "from":
        first = values[rule["first"]]
        slides = [window is not None and i >= first for i in range(n)]
        types = ["sliding_attention" if s else "full_attention" for s in slides]
    elif rule["rule"] == "every":
        period = rule["period"] if _is_int(rule["period"]) else values[rule["period"]]
        slides = [(i + 1) % period != 0 for i in range(n)]
        types = ["sliding_attention" if s else "full_attention" for s in slides]
    else:  # "nope": SmolLM3 slides the layers without RoPE, when sliding is enabled
        rope = values[rule["rope_layers"]]
        if rope is None:
            rope = [int((i + 1) % values[rule["interval"]] != 0) for i in range(n)]
        if len(rope) != n:
            raise ValueError(
                f"{family} config {rule['rope_layers']} has {len(rope)} entries for "
                f"num_hidden_layers={n}"
            )
        slides = [window is not None and not rope[i] for i in range(n)]
        types = ["sliding_attention" if s else "full_attention" for s in slides]
    if window is None and "sliding_attention" in types:
        i = types.index("sliding_attention")
        raise ValueError(
            f"{family} config: layer {i} is 'sliding_attention' but the config enables "
            "no sliding window"
        )
    return tuple(types), window if "sliding_attention" in types else None


def _mlp_layer_types(
    rule: Mapping[str, Any] | None, values: Mapping[str, Any], n: int
) -> tuple[str, ...]:
    if rule is None:
        return ()
    if rule["rule"] == "all":
        moe = [True] * n
    elif rule["rule"] == "from":
        moe = [i >= values[rule["first"]] for i in range(n)]
    else:  # "step": Qwen3-MoE
        dense, step = values[rule["dense"]], values[rule["step"]]
        moe = [i not in dense and (i + 1) % step == 0 for i in range(n)]
    return tuple("moe" if m else "dense" for m in moe)


def _unwrap_text_config(config: Config) -> Config:
    text = config["text_config"]
    if not isinstance(text, Mapping):
        raise TypeError(f"config text_config must be a mapping, got {type(text).__name__}")
    if text.get("model_type") is None:
        outer = config.get("model_type")
        inner = families()["text_config_types"].get(outer) if isinstance(outer, str) else None
        if inner is None:
            raise ValueError(f"config text_config has no 'model_type' (model_type={outer!r})")
        return {**text, "model_type": inner}
    return text


def from_hf_config(config: Config) -> ModelSpec:
    """Read a Hugging Face ``config.json`` dict into a `ModelSpec`, exactly as transformers does.

    Families: gpt2, bert, llama, mistral, qwen2, qwen3, qwen3_moe, mixtral, gemma2,
    gemma3_text, phi3, olmo2, smollm3, deepseek_v2, deepseek_v3, gpt_oss. A config that nests
    a ``text_config`` (Gemma 3, vision-language models) is read as its text model: the vision
    tower and projector are not counted.

    Keys that set a size, count or rank (hidden size, layers, heads, vocabulary, intermediate
    and expert sizes, expert counts, MLA ranks and head dims) are required: a missing one
    raises a ValueError naming it (and the default transformers would have used silently).
    Any other key takes transformers' default when absent (num_key_value_heads, head_dim,
    biases, tying, sliding windows, layer_types, ...): the default of that family's config
    class, which differs between families (Qwen3's head_dim is 128 whatever the width).
    Keys that do not change a count (dropout, eps, rope_theta, token ids) are ignored.

    Args:
        config: the parsed ``config.json`` (or ``PretrainedConfig.to_dict()``).

    Returns:
        The spec of the model transformers would build from ``config``.

    Raises:
        TypeError: ``config`` is not a mapping, or a value has the wrong type.
        ValueError: unknown or missing ``model_type``; a missing required key; a value out
            of range; heads that do not divide the width (without an explicit ``head_dim``,
            or in families whose config class insists); kv heads that do not divide the
            heads; more experts per token than experts; sliding layers without a window.

    Examples:
        >>> from qkvlib.counting import from_hf_config
        >>> spec = from_hf_config({"model_type": "gpt2", "n_embd": 768, "n_layer": 12,
        ...                        "n_head": 12, "vocab_size": 50257, "n_positions": 1024})
        >>> spec.head_dim, spec.intermediate_size, spec.tie_word_embeddings
        (64, 3072, True)
        >>> from_hf_config({"model_type": "t5"})
        Traceback (most recent call last):
        ...
        ValueError: unsupported model_type='t5'; supported: 'gpt2', 'bert', 'llama', ...
    """
    if not isinstance(config, Mapping):
        raise TypeError(
            f"config must be a mapping (a config.json dict), got {type(config).__name__}"
        )
    if "text_config" in config:
        config = _unwrap_text_config(config)
    data = families()
    supported = ", ".join(repr(t) for t in data["supported"])
    model_type = config.get("model_type")
    if model_type is None:
        raise ValueError(f"config has no 'model_type'; supported: {supported}")
    if not isinstance(model_type, str) or model_type not in data["families"]:
        raise ValueError(f"unsupported model_type={model_type!r}; supported: {supported}")
    family: str = model_type
    info = data["families"][family]
    if "per_layer_config" in config:
        raise ValueError(
            f"{family} config: per_layer_config (layers that differ in size) is not supported"
        )
    aliases: Mapping[str, str] = info["aliases"]
    config = {**{aliases[k]: v for k, v in config.items() if k in aliases}, **config}
    for key, what in info.get("refuse_if_true", {}).items():
        if key in config and check_bool(f"{family} config {key}", config[key]):
            raise ValueError(
                f"{family} config: {key}=True ({what}) is not supported by the counter"
            )
    values = _read_keys(config, family, info)
    _run_checks(family, info.get("checks", []), values)
    mapping = {**data["base_spec"], **info["spec"]}
    fields = {name: _evaluate(expr, values, family, None) for name, expr in mapping.items()}
    n = fields["num_layers"]
    layer_types, window = _layer_types(family, info.get("layer_types"), values, n)
    mlp_types = _mlp_layer_types(info.get("mlp_layers"), values, n)
    return ModelSpec(
        family=family,  # type: ignore[arg-type]  # one of Family: families.json's keys
        num_decoder_layers=0,
        layer_types=layer_types,  # type: ignore[arg-type]  # checked by _check_value
        sliding_window=window,
        mlp_layer_types=mlp_types,  # type: ignore[arg-type]  # "moe" / "dense" only
        **fields,
    )
