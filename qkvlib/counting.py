"""Count parameters and KV-cache bytes from a model's config, without building the model.

A `ModelSpec` holds the handful of numbers and switches a count needs; `from_hf_config` reads
one from a Hugging Face ``config.json`` dict (GPT-2, BERT, Llama, Mistral, Qwen2) exactly as
transformers reads it; `count_params` breaks the parameters down into a `ParamCount` whose
``total`` equals ``sum(p.numel() for p in model.parameters())`` of the transformers model built
from the same config (tests/test_counting_transformers.py checks it on the meta device);
`kv_cache_bytes` is the memory the K/V cache takes; `presets` are named specs written from the
public ``config.json`` values of well-known checkpoints.

Names follow the project glossary: ``d_model`` (C, transformers' ``hidden_size``), ``num_heads``
(h), ``num_kv_heads`` (h_kv), ``head_dim`` (d). Nothing here imports torch.

Examples:
    >>> from qkvlib.counting import count_params, kv_cache_bytes, presets
    >>> len(presets), "gpt2" in presets
    (9, True)
    >>> count_params(presets["transformer-base"]).total
    63045632
    >>> count = count_params(presets["mistral-7b-v0.1"])
    >>> parts = count.embeddings + count.attention + count.mlp + count.norms
    >>> parts + count.pooler + count.lm_head == count.total
    True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

__all__ = [
    "Family",
    "MlpKind",
    "ModelSpec",
    "NormKind",
    "ParamCount",
    "count_params",
    "from_hf_config",
    "kv_cache_bytes",
    "preset_configs",
    "presets",
]

Family = Literal["gpt2", "bert", "llama", "mistral", "qwen2", "transformer"]
"""Model families: the five transformers ``model_type`` values read by `from_hf_config`, plus
``"transformer"``, the encoder-decoder of "Attention Is All You Need" (2017)."""

MlpKind = Literal["dense", "gated"]
"""``"dense"``: up (C -> I), activation, down (I -> C): two matrices (GELU in GPT-2 and BERT,
ReLU in the 2017 Transformer). ``"gated"``: SwiGLU, ``down(silu(gate(x)) * up(x))``: three
matrices (Llama, Mistral, Qwen2)."""

NormKind = Literal["layernorm", "rmsnorm"]
"""``"layernorm"``: a weight and a bias of size C. ``"rmsnorm"``: a weight of size C only."""


# --------------------------------------------------------------------------- small checks


def _check_int(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name}={value} must be >= {minimum}")
    return value


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__} {value!r}")
    return value


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name}={value!r} is not one of {allowed}")


# --------------------------------------------------------------------------- ModelSpec


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """The numbers and switches that decide a Transformer's parameter count and KV cache.

    Every field is explicit (keyword-only, no defaults). Build one with `from_hf_config`, take
    one from `presets`, or vary one with `dataclasses.replace`. The constructor checks types,
    ranges and that ``num_heads`` is a multiple of ``num_kv_heads``.

    Attributes:
        family: which architecture the counts follow (see `Family`).
        d_model: model width C (``hidden_size``; GPT-2 ``n_embd``).
        num_layers: Transformer blocks (``num_hidden_layers``; GPT-2 ``n_layer``). For the
            ``"transformer"`` family: encoder layers.
        num_heads: query heads h (``num_attention_heads``; GPT-2 ``n_head``).
        num_kv_heads: key/value heads h_kv (``num_key_value_heads``); equal to ``num_heads``
            for multi-head attention, smaller for grouped-query attention (GQA), 1 for MQA.
        head_dim: size d of one head; ``d_model // num_heads`` unless the config says otherwise.
        intermediate_size: MLP width I (GPT-2 ``n_inner`` or ``4 * n_embd``; d_ff in 2017).
        vocab_size: rows of the token-embedding table.
        max_position_embeddings: rows of the *learned* absolute position table (GPT-2
            ``n_positions``, BERT ``max_position_embeddings``); 0 when positions carry no
            parameters (RoPE in Llama/Mistral/Qwen2, sinusoids in the 2017 Transformer).
        type_vocab_size: rows of BERT's token-type (segment) table; 0 elsewhere.
        qkv_bias: whether q/k/v projections have biases (GPT-2, BERT, Qwen2; Llama only with
            ``attention_bias``).
        o_bias: whether the output projection has a bias (GPT-2, BERT; Llama only with
            ``attention_bias``; never in Qwen2).
        mlp: ``"dense"`` or ``"gated"`` (see `MlpKind`).
        mlp_bias: whether the MLP matrices have biases (GPT-2, BERT, 2017; Llama ``mlp_bias``).
        norm: ``"layernorm"`` or ``"rmsnorm"`` (see `NormKind`).
        tie_word_embeddings: whether the output projection shares the token-embedding matrix
            (then it is counted once, as ``model.parameters()`` does).
        lm_head: whether the counted model ends in a projection onto the vocabulary
            (False for BERT, counted as ``BertModel``).
        pooler: whether the model has BERT's pooler (a C x C dense layer with bias).
        num_decoder_layers: layers of a second, decoder stack whose layers also cross-attend to
            the encoder (the 2017 encoder-decoder); 0 for the single-stack models.

    Examples:
        >>> from qkvlib.counting import presets
        >>> spec = presets["llama-3-8b"]
        >>> spec.num_heads, spec.num_kv_heads, spec.head_dim
        (32, 8, 128)
        >>> spec.num_heads // spec.num_kv_heads   # query heads served by each kv head
        4
    """

    family: Family
    d_model: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    vocab_size: int
    max_position_embeddings: int
    type_vocab_size: int
    qkv_bias: bool
    o_bias: bool
    mlp: MlpKind
    mlp_bias: bool
    norm: NormKind
    tie_word_embeddings: bool
    lm_head: bool
    pooler: bool
    num_decoder_layers: int

    def __post_init__(self) -> None:
        _check_choice("family", self.family, get_args(Family))
        _check_choice("mlp", self.mlp, get_args(MlpKind))
        _check_choice("norm", self.norm, get_args(NormKind))
        for name in (
            "d_model",
            "num_layers",
            "num_heads",
            "num_kv_heads",
            "head_dim",
            "intermediate_size",
            "vocab_size",
        ):
            _check_int(name, getattr(self, name), minimum=1)
        for name in ("max_position_embeddings", "type_vocab_size", "num_decoder_layers"):
            _check_int(name, getattr(self, name), minimum=0)
        for name in ("qkv_bias", "o_bias", "mlp_bias", "tie_word_embeddings", "lm_head", "pooler"):
            _check_bool(name, getattr(self, name))
        if self.num_heads % self.num_kv_heads != 0:
            raise ValueError(
                f"num_heads={self.num_heads} is not divisible by num_kv_heads={self.num_kv_heads}"
            )


# --------------------------------------------------------------------------- from_hf_config

_SUPPORTED_MODEL_TYPES: Final = ("gpt2", "bert", "llama", "mistral", "qwen2")


def _required_int(config: Mapping[str, Any], key: str, family: str) -> int:
    if key not in config or config[key] is None:
        raise ValueError(f"{family} config is missing required key {key!r}")
    return _check_int(f"{family} config {key}", config[key], minimum=1)


def _optional_int(config: Mapping[str, Any], key: str, family: str, default: int) -> int:
    value = config.get(key)
    if value is None:
        return default
    return _check_int(f"{family} config {key}", value, minimum=1)


def _optional_bool(config: Mapping[str, Any], key: str, family: str, default: bool) -> bool:
    value = config.get(key)
    if value is None:
        return default
    return _check_bool(f"{family} config {key}", value)


def _head_dim(
    config: Mapping[str, Any], family: str, width_key: str, heads_key: str, *, allow_explicit: bool
) -> int:
    d_model = _required_int(config, width_key, family)
    num_heads = _required_int(config, heads_key, family)
    if allow_explicit and config.get("head_dim") is not None:
        return _check_int(f"{family} config head_dim", config["head_dim"], minimum=1)
    if d_model % num_heads != 0:
        hint = " and the config sets no head_dim" if allow_explicit else ""
        raise ValueError(
            f"{family} config: {width_key}={d_model} is not divisible by "
            f"{heads_key}={num_heads}{hint}"
        )
    return d_model // num_heads


def _refuse_cross_attention(config: Mapping[str, Any], family: str) -> None:
    if _optional_bool(config, "add_cross_attention", family, False):
        raise ValueError(
            f"{family} config: add_cross_attention=True (extra cross-attention blocks) "
            "is not supported by the counter"
        )


def _from_gpt2(config: Mapping[str, Any]) -> ModelSpec:
    family: Final = "gpt2"
    _refuse_cross_attention(config, family)
    head_dim = _head_dim(config, family, "n_embd", "n_head", allow_explicit=False)
    d_model = _required_int(config, "n_embd", family)
    num_heads = _required_int(config, "n_head", family)
    return ModelSpec(
        family=family,
        d_model=d_model,
        num_layers=_required_int(config, "n_layer", family),
        num_heads=num_heads,
        num_kv_heads=num_heads,
        head_dim=head_dim,
        intermediate_size=_optional_int(config, "n_inner", family, 4 * d_model),
        vocab_size=_required_int(config, "vocab_size", family),
        max_position_embeddings=_required_int(config, "n_positions", family),
        type_vocab_size=0,
        qkv_bias=True,
        o_bias=True,
        mlp="dense",
        mlp_bias=True,
        norm="layernorm",
        tie_word_embeddings=_optional_bool(config, "tie_word_embeddings", family, True),
        lm_head=True,
        pooler=False,
        num_decoder_layers=0,
    )


def _from_bert(config: Mapping[str, Any]) -> ModelSpec:
    family: Final = "bert"
    _refuse_cross_attention(config, family)
    head_dim = _head_dim(config, family, "hidden_size", "num_attention_heads", allow_explicit=False)
    num_heads = _required_int(config, "num_attention_heads", family)
    return ModelSpec(
        family=family,
        d_model=_required_int(config, "hidden_size", family),
        num_layers=_required_int(config, "num_hidden_layers", family),
        num_heads=num_heads,
        num_kv_heads=num_heads,
        head_dim=head_dim,
        intermediate_size=_required_int(config, "intermediate_size", family),
        vocab_size=_required_int(config, "vocab_size", family),
        max_position_embeddings=_required_int(config, "max_position_embeddings", family),
        type_vocab_size=_required_int(config, "type_vocab_size", family),
        qkv_bias=True,
        o_bias=True,
        mlp="dense",
        mlp_bias=True,
        norm="layernorm",
        tie_word_embeddings=_optional_bool(config, "tie_word_embeddings", family, True),
        lm_head=False,
        pooler=True,
        num_decoder_layers=0,
    )


# transformers' default for a missing num_key_value_heads differs by family (the config
# classes' field defaults in transformers 5.x): Llama copies num_attention_heads, Mistral's
# default is 8, Qwen2's is 32. An explicit null means "copy num_attention_heads" in all three.
_DEFAULT_KV_HEADS: Final[Mapping[str, int | None]] = MappingProxyType(
    {"llama": None, "mistral": 8, "qwen2": 32}
)


def _from_rope_decoder(
    config: Mapping[str, Any],
    family: Literal["llama", "mistral", "qwen2"],
) -> ModelSpec:
    head_dim = _head_dim(config, family, "hidden_size", "num_attention_heads", allow_explicit=True)
    num_heads = _required_int(config, "num_attention_heads", family)
    if "num_key_value_heads" in config:
        num_kv_heads = _optional_int(config, "num_key_value_heads", family, num_heads)
    else:
        num_kv_heads = _DEFAULT_KV_HEADS[family] or num_heads
    if num_heads % num_kv_heads != 0:
        raise ValueError(
            f"{family} config: num_attention_heads={num_heads} is not divisible by "
            f"num_key_value_heads={num_kv_heads}"
        )
    if family == "llama":
        attention_bias = _optional_bool(config, "attention_bias", family, False)
        qkv_bias, o_bias = attention_bias, attention_bias
        mlp_bias = _optional_bool(config, "mlp_bias", family, False)
    else:
        # Mistral: no biases at all; Qwen2: q/k/v biases, none on o_proj or the MLP.
        qkv_bias, o_bias, mlp_bias = family == "qwen2", False, False
    return ModelSpec(
        family=family,
        d_model=_required_int(config, "hidden_size", family),
        num_layers=_required_int(config, "num_hidden_layers", family),
        num_heads=num_heads,
        num_kv_heads=num_kv_heads,
        head_dim=head_dim,
        intermediate_size=_required_int(config, "intermediate_size", family),
        vocab_size=_required_int(config, "vocab_size", family),
        max_position_embeddings=0,
        type_vocab_size=0,
        qkv_bias=qkv_bias,
        o_bias=o_bias,
        mlp="gated",
        mlp_bias=mlp_bias,
        norm="rmsnorm",
        tie_word_embeddings=_optional_bool(config, "tie_word_embeddings", family, False),
        lm_head=True,
        pooler=False,
        num_decoder_layers=0,
    )


_READERS: Final[Mapping[str, Callable[[Mapping[str, Any]], ModelSpec]]] = MappingProxyType(
    {
        "gpt2": _from_gpt2,
        "bert": _from_bert,
        "llama": lambda config: _from_rope_decoder(config, "llama"),
        "mistral": lambda config: _from_rope_decoder(config, "mistral"),
        "qwen2": lambda config: _from_rope_decoder(config, "qwen2"),
    }
)


def from_hf_config(config: Mapping[str, Any]) -> ModelSpec:
    """Read a `ModelSpec` from a Hugging Face ``config.json`` dict, as transformers reads it.

    ``model_type`` picks the family. Keys and what a missing key means:

    - ``gpt2``: ``n_embd``, ``n_layer``, ``n_head``, ``vocab_size``, ``n_positions`` (required);
      ``n_inner`` (missing or null: ``4 * n_embd``); ``tie_word_embeddings`` (default True).
      All projections and MLP layers have biases; LayerNorm.
    - ``bert``: ``hidden_size``, ``num_hidden_layers``, ``num_attention_heads``,
      ``intermediate_size``, ``vocab_size``, ``max_position_embeddings``, ``type_vocab_size``
      (required). Counted as ``BertModel``: embeddings, encoder and pooler, no MLM head.
    - ``llama``, ``mistral``, ``qwen2``: ``hidden_size``, ``num_hidden_layers``,
      ``num_attention_heads``, ``intermediate_size``, ``vocab_size`` (required);
      ``head_dim`` (missing or null: ``hidden_size // num_attention_heads``);
      ``num_key_value_heads`` (missing: transformers' own defaults, which differ: Llama
      copies ``num_attention_heads``, Mistral uses 8, Qwen2 uses 32; null: copies);
      ``tie_word_embeddings`` (default False for all three); Llama only:
      ``attention_bias`` (q/k/v/o biases, default False) and ``mlp_bias`` (default False).
      Qwen2 always has q/k/v biases and no o_proj bias; Mistral has no biases. RMSNorm,
      gated MLP, RoPE (no position parameters).

    Other keys are ignored, as they do not change the parameter count.

    Args:
        config: the parsed ``config.json`` (or ``PretrainedConfig.to_dict()``).

    Returns:
        The spec of the model transformers would build from ``config``.

    Raises:
        TypeError: ``config`` is not a mapping, or a value has the wrong type.
        ValueError: unknown or missing ``model_type``; a missing required key; heads that do
            not divide the width (without an explicit ``head_dim``); kv heads that do not
            divide the heads; GPT-2/BERT ``add_cross_attention=True``.

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
    supported = ", ".join(repr(t) for t in _SUPPORTED_MODEL_TYPES)
    model_type = config.get("model_type")
    if model_type is None:
        raise ValueError(f"config has no 'model_type'; supported: {supported}")
    reader = _READERS.get(model_type) if isinstance(model_type, str) else None
    if reader is None:
        raise ValueError(f"unsupported model_type={model_type!r}; supported: {supported}")
    return reader(config)


# --------------------------------------------------------------------------- counting


@dataclass(frozen=True, kw_only=True)
class ParamCount:
    """A parameter count, broken down; ``total`` is the sum of the parts.

    ``embeddings + attention + mlp + norms + pooler + lm_head == total`` (checked on
    construction); ``attention_per_layer`` is a detail of ``attention``, not a separate part.

    Attributes:
        embeddings: token table, plus learned position table (GPT-2, BERT) and token-type
            table (BERT). RoPE and sinusoidal positions have no parameters.
        attention_per_layer: q/k/v/o projection weights and biases of one attention block
            (GPT-2 ``c_attn`` + ``c_proj``; BERT ``query/key/value`` + ``output.dense``;
            Llama/Mistral/Qwen2 ``q_proj/k_proj/v_proj/o_proj``).
        attention: all attention blocks: ``num_layers * attention_per_layer``; for the 2017
            encoder-decoder, 6 encoder self-attention + 6 decoder self-attention + 6 decoder
            cross-attention blocks = 18 blocks.
        mlp: all MLP (feed-forward) layers, biases included.
        norms: all LayerNorm/RMSNorm weights (and LayerNorm biases): two per layer, plus the
            final norm (GPT-2 ``ln_f``, Llama-style ``norm``) or BERT's embedding LayerNorm;
            the 2017 post-norm encoder-decoder has two per encoder and three per decoder layer.
        pooler: BERT's pooler (C x C weight and bias); 0 elsewhere.
        lm_head: the output projection onto the vocabulary; 0 when tied to the token
            embeddings (counted once, in ``embeddings``) or absent (BERT).
        total: all parameters, as ``sum(p.numel() for p in model.parameters())``.
    """

    embeddings: int
    attention_per_layer: int
    attention: int
    mlp: int
    norms: int
    pooler: int
    lm_head: int
    total: int

    def __post_init__(self) -> None:
        for f in fields(self):
            _check_int(f.name, getattr(self, f.name), minimum=0)
        parts = self.embeddings + self.attention + self.mlp + self.norms + self.pooler
        parts += self.lm_head
        if parts != self.total:
            raise ValueError(f"the parts add up to {parts}, not total={self.total}")


def count_params(spec: ModelSpec) -> ParamCount:
    """Count the parameters of the model ``spec`` describes, by part.

    With C = d_model, h, h_kv, d = head_dim, I = intermediate_size, one attention block has
    ``C*h*d`` (q) + ``2*C*h_kv*d`` (k, v) + ``h*d*C`` (o) weights, plus ``h*d + 2*h_kv*d``
    q/k/v biases and ``C`` o bias where the family has them; for GPT-2 small that is
    ``4*C**2 + 4*C``. A dense MLP has ``2*C*I`` weights (+ ``I + C`` biases), a gated one
    ``3*C*I`` (+ ``2*I + C``).

    What is counted is the model transformers builds: ``GPT2LMHeadModel``, ``BertModel``
    (with pooler, no MLM head), ``LlamaForCausalLM``, ``MistralForCausalLM``,
    ``Qwen2ForCausalLM``. For ``family="transformer"`` (no transformers model) see
    ``presets["transformer-base"]``.

    Args:
        spec: the model to count.

    Returns:
        The breakdown; its ``total`` equals ``sum(p.numel() for p in model.parameters())``.

    Examples:
        >>> from qkvlib.counting import count_params, presets
        >>> count = count_params(presets["gpt2"])
        >>> count.attention_per_layer == 4 * 768**2 + 4 * 768
        True
        >>> count.total
        124439808
        >>> count.lm_head   # tied to the token embeddings: counted once
        0
        >>> count_params(presets["llama-2-7b"]).total
        6738415616
    """
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    c, i = spec.d_model, spec.intermediate_size
    q_out = spec.num_heads * spec.head_dim
    kv_out = spec.num_kv_heads * spec.head_dim

    attention_per_layer = c * q_out + 2 * c * kv_out + q_out * c
    if spec.qkv_bias:
        attention_per_layer += q_out + 2 * kv_out
    if spec.o_bias:
        attention_per_layer += c
    # Each decoder layer of an encoder-decoder has a self- and a cross-attention block.
    attention_blocks = spec.num_layers + 2 * spec.num_decoder_layers

    if spec.mlp == "dense":
        mlp_per_layer = 2 * c * i + ((i + c) if spec.mlp_bias else 0)
    else:
        mlp_per_layer = 3 * c * i + ((2 * i + c) if spec.mlp_bias else 0)
    mlp_layers = spec.num_layers + spec.num_decoder_layers

    norm_size = 2 * c if spec.norm == "layernorm" else c
    if spec.num_decoder_layers:
        # 2017 post-norm: after each sublayer, no extra norm at the end of a stack.
        num_norms = 2 * spec.num_layers + 3 * spec.num_decoder_layers
    else:
        # Two per layer, plus the final norm (GPT-2, Llama-style) or BERT's embedding norm.
        num_norms = 2 * spec.num_layers + 1

    embeddings = (spec.vocab_size + spec.max_position_embeddings + spec.type_vocab_size) * c
    pooler = c * c + c if spec.pooler else 0
    lm_head = spec.vocab_size * c if spec.lm_head and not spec.tie_word_embeddings else 0

    attention = attention_blocks * attention_per_layer
    mlp = mlp_layers * mlp_per_layer
    norms = num_norms * norm_size
    return ParamCount(
        embeddings=embeddings,
        attention_per_layer=attention_per_layer,
        attention=attention,
        mlp=mlp,
        norms=norms,
        pooler=pooler,
        lm_head=lm_head,
        total=embeddings + attention + mlp + norms + pooler + lm_head,
    )


def kv_cache_bytes(
    spec: ModelSpec, num_tokens: int, bytes_per_element: int = 2, batch_size: int = 1
) -> int:
    """Bytes a K/V cache of ``num_tokens`` tokens takes.

    ``2 * layers * num_kv_heads * head_dim * num_tokens * batch_size * bytes_per_element``:
    a key and a value vector of ``head_dim`` per kv head, per layer, per token. Grouped-query
    attention shrinks it by ``num_heads // num_kv_heads``. ``layers`` is ``num_layers``, or,
    for the 2017 encoder-decoder, the decoder's ``num_decoder_layers`` (its self-attention
    cache; the cross-attention K/V of the source sentence are not included).

    Args:
        spec: the model.
        num_tokens: cached tokens per sequence (>= 0).
        bytes_per_element: 2 for fp16/bf16 (default), 4 for fp32, 1 for int8/fp8.
        batch_size: sequences cached at once.

    Returns:
        The size in bytes.

    Examples:
        >>> from qkvlib.counting import kv_cache_bytes, presets
        >>> kv_cache_bytes(presets["llama-2-7b"], 4096)   # 2 GiB in fp16
        2147483648
        >>> kv_cache_bytes(presets["llama-3-8b"], 4096)   # GQA: 8 kv heads, 4x smaller
        536870912
    """
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    _check_int("num_tokens", num_tokens, minimum=0)
    _check_int("bytes_per_element", bytes_per_element, minimum=1)
    _check_int("batch_size", batch_size, minimum=1)
    layers = spec.num_decoder_layers or spec.num_layers
    per_token = 2 * layers * spec.num_kv_heads * spec.head_dim  # a key and a value per kv head
    return per_token * num_tokens * batch_size * bytes_per_element


# --------------------------------------------------------------------------- presets
# The count-relevant values of each checkpoint's public config.json. Keys the parser does not
# read (dropout, eps, rope_theta, token ids) are left out; they do not change any count.

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
    "tie_word_embeddings": False,
}

preset_configs: Final[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {
        name: MappingProxyType(config)
        for name, config in {
            "gpt2": _GPT2,
            "gpt2-medium": _GPT2_MEDIUM,
            "gpt2-large": _GPT2_LARGE,
            "gpt2-xl": _GPT2_XL,
            "bert-base-uncased": _BERT_BASE_UNCASED,
            "llama-2-7b": _LLAMA_2_7B,
            "llama-3-8b": _LLAMA_3_8B,
            "mistral-7b-v0.1": _MISTRAL_7B_V0_1,
        }.items()
    }
)
"""Read-only: preset name -> the ``config.json`` values its `ModelSpec` is read from (every
preset except ``transformer-base``, which has no transformers config). Build the transformers
model with ``AutoConfig.for_model(**preset_configs[name])``."""

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
"""Read-only: name -> `ModelSpec` of a well-known model (gpt2, gpt2-medium, gpt2-large,
gpt2-xl, bert-base-uncased, llama-2-7b, llama-3-8b, mistral-7b-v0.1, transformer-base)."""
