"""`ModelSpec`: the numbers and switches that decide a model's parameter count and KV cache.

A spec describes the model layer by layer where layers differ: which layers attend over a
sliding window, which carry a mixture-of-experts MLP, and whether attention is DeepSeek's
multi-head latent attention (MLA). `ModelSpec.layers` spells it out per layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from qkvlib._validate import check_bool, check_int

__all__ = [
    "AttentionKind",
    "Family",
    "LayerSpec",
    "LayerType",
    "MlpKind",
    "MlpLayerType",
    "ModelSpec",
    "NormKind",
    "QkNormKind",
]

Family = Literal[
    "gpt2",
    "bert",
    "llama",
    "mistral",
    "qwen2",
    "qwen3",
    "qwen3_moe",
    "mixtral",
    "gemma2",
    "gemma3_text",
    "phi3",
    "olmo2",
    "smollm3",
    "deepseek_v2",
    "deepseek_v3",
    "gpt_oss",
    "transformer",
]
"""The transformers ``model_type`` values `from_hf_config` reads, plus ``"transformer"``, the
encoder-decoder of "Attention Is All You Need" (2017), which has no transformers config."""

MlpKind = Literal["dense", "gated"]
"""``"dense"``: up (C -> I), activation, down (I -> C): two matrices (GELU in GPT-2 and BERT,
ReLU in the 2017 Transformer). ``"gated"``: ``down(act(gate(x)) * up(x))``: three matrices
(Llama and every later family here; Phi-3 fuses gate and up into one matrix of the same size)."""

NormKind = Literal["layernorm", "rmsnorm"]
"""``"layernorm"``: a weight and a bias of size C. ``"rmsnorm"``: a weight of size C only."""

QkNormKind = Literal["none", "head", "all"]
"""RMSNorm on queries and keys after the projection: ``"head"`` normalises each head
(a weight of head_dim for q and one for k: Qwen3, Gemma 3), ``"all"`` all heads at once
(weights of h*d and h_kv*d: OLMo 2)."""

LayerType = Literal["full_attention", "sliding_attention"]
"""An attention layer's reach, with transformers' ``layer_types`` names."""

MlpLayerType = Literal["dense", "moe"]
"""A layer's MLP: one MLP (``"dense"``), or a router and experts (``"moe"``)."""

AttentionKind = Literal["full", "sliding", "mla"]
"""What a layer caches per token: K and V of every position (``"full"``), of the last
``sliding_window`` positions at most (``"sliding"``), or one MLA latent (``"mla"``)."""


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a `ModelSpec`, as `ModelSpec.layers` lists them."""

    attention: AttentionKind
    mlp: MlpLayerType


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    """ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name}={value!r} is not one of {allowed}")


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """The numbers and switches that decide a Transformer's parameter count and KV cache.

    Keyword-only. The first nineteen fields have no defaults; the rest describe what models
    since 2023 added and default to "absent", so a spec written for GPT-2 or Llama 2 stays
    as it was. Build one with `from_hf_config`, take one from `presets`, or vary one with
    `dataclasses.replace`. The constructor checks types, ranges and consistency.

    Attributes:
        family: which architecture the counts follow (see `Family`).
        d_model: model width C (``hidden_size``; GPT-2 ``n_embd``).
        num_layers: Transformer blocks (``num_hidden_layers``; GPT-2 ``n_layer``). For the
            ``"transformer"`` family: encoder layers.
        num_heads: query heads h (``num_attention_heads``; GPT-2 ``n_head``).
        num_kv_heads: key/value heads h_kv (``num_key_value_heads``); equal to ``num_heads``
            for multi-head attention, smaller for grouped-query attention (GQA), 1 for MQA.
            With MLA: ``num_heads`` (each head gets its own K and V back from the latent).
        head_dim: size d of one query/key head: ``d_model // num_heads`` unless the config
            says otherwise; with MLA ``qk_nope_head_dim + qk_rope_head_dim``.
        intermediate_size: width I of a dense MLP (GPT-2 ``n_inner`` or ``4 * n_embd``).
        vocab_size: rows of the token-embedding table.
        max_position_embeddings: rows of the *learned* absolute position table (GPT-2, BERT);
            0 when positions carry no parameters (RoPE, sinusoids).
        type_vocab_size: rows of BERT's token-type (segment) table; 0 elsewhere.
        qkv_bias: biases on the q/k/v projections (with MLA: on ``q_a_proj`` and
            ``kv_a_proj_with_mqa``).
        o_bias: a bias on the output projection.
        mlp: ``"dense"`` or ``"gated"`` (see `MlpKind`); experts are always gated.
        mlp_bias: biases in the dense MLPs and shared experts.
        norm: ``"layernorm"`` or ``"rmsnorm"`` (see `NormKind`).
        tie_word_embeddings: the output projection shares the token-embedding matrix (then
            it is counted once, as ``model.parameters()`` does).
        lm_head: the counted model ends in a projection onto the vocabulary (False for
            BERT, counted as ``BertModel``).
        pooler: BERT's pooler (a C x C dense layer with bias).
        num_decoder_layers: layers of a second, cross-attending decoder stack (the 2017
            encoder-decoder); 0 for single-stack models.
        norms_per_layer: norms in each layer (2; Gemma 2 and 3 have 4), plus one final norm.
        qk_norm: RMSNorm on queries and keys (see `QkNormKind`).
        attention_sinks: one learned sink logit per query head (gpt-oss).
        layer_types: each layer's `LayerType`; empty means every layer is full attention.
        sliding_window: W, the keys a sliding layer's query sees (itself included).
        mla: multi-head latent attention (DeepSeek-V2/V3); the five fields below size it.
        q_lora_rank: rank of the query compression (``None``: a plain ``q_proj``).
        kv_lora_rank: width of the latent cached per token instead of K and V.
        qk_nope_head_dim: per-head query/key width without RoPE.
        qk_rope_head_dim: per-head width with RoPE (the key part is shared by all heads).
        v_head_dim: per-head value width.
        num_experts: routed experts per MoE layer (0: no MoE).
        num_experts_per_tok: experts each token is routed to (top-k).
        moe_intermediate_size: width of one expert's gated MLP.
        shared_expert_intermediate_size: width of the always-used shared expert MLP
            (DeepSeek: ``moe_intermediate_size * n_shared_experts``); ``None``: none.
        router_bias: the router has a bias (gpt-oss).
        expert_bias: the experts' matrices have biases (gpt-oss).
        mlp_layer_types: each layer's `MlpLayerType`; empty means every layer is MoE when
            ``num_experts > 0`` and dense otherwise.

    Examples:
        >>> from qkvlib.counting import presets
        >>> spec = presets["llama-3-8b"]
        >>> spec.num_heads, spec.num_kv_heads, spec.head_dim
        (32, 8, 128)
        >>> spec.num_heads // spec.num_kv_heads   # query heads served by each kv head
        4
        >>> oss = presets["gpt-oss-20b"]
        >>> oss.layers[:2]
        (LayerSpec(attention='sliding', mlp='moe'), LayerSpec(attention='full', mlp='moe'))
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
    norms_per_layer: int = 2
    qk_norm: QkNormKind = "none"
    attention_sinks: bool = False
    layer_types: tuple[LayerType, ...] = ()
    sliding_window: int | None = None
    mla: bool = False
    q_lora_rank: int | None = None
    kv_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    num_experts: int = 0
    num_experts_per_tok: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int | None = None
    router_bias: bool = False
    expert_bias: bool = False
    mlp_layer_types: tuple[MlpLayerType, ...] = ()

    def __post_init__(self) -> None:
        check_choice("family", self.family, get_args(Family))
        check_choice("mlp", self.mlp, get_args(MlpKind))
        check_choice("norm", self.norm, get_args(NormKind))
        check_choice("qk_norm", self.qk_norm, get_args(QkNormKind))
        for name in ("d_model", "num_layers", "num_heads", "num_kv_heads", "head_dim"):
            check_int(name, getattr(self, name), minimum=1)
        for name in ("intermediate_size", "vocab_size", "norms_per_layer"):
            check_int(name, getattr(self, name), minimum=1)
        for name in ("max_position_embeddings", "type_vocab_size", "num_decoder_layers"):
            check_int(name, getattr(self, name), minimum=0)
        for name in ("kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
            check_int(name, getattr(self, name), minimum=0)
        for name in ("num_experts", "num_experts_per_tok", "moe_intermediate_size"):
            check_int(name, getattr(self, name), minimum=0)
        for name in (
            "qkv_bias",
            "o_bias",
            "mlp_bias",
            "tie_word_embeddings",
            "lm_head",
            "pooler",
            "attention_sinks",
            "mla",
            "router_bias",
            "expert_bias",
        ):
            check_bool(name, getattr(self, name))
        if self.num_heads % self.num_kv_heads != 0:
            raise ValueError(
                f"num_heads={self.num_heads} is not divisible by num_kv_heads={self.num_kv_heads}"
            )
        self._check_layers()
        self._check_mla()
        self._check_moe()

    def _check_layers(self) -> None:
        for name in ("layer_types", "mlp_layer_types"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                raise TypeError(f"{name} must be a tuple, got {type(value).__name__}")
            if value and len(value) != self.num_layers:
                raise ValueError(
                    f"{name} has {len(value)} entries for num_layers={self.num_layers}"
                )
        for i, layer_type in enumerate(self.layer_types):
            check_choice(f"layer_types[{i}]", layer_type, get_args(LayerType))
        for i, mlp_type in enumerate(self.mlp_layer_types):
            check_choice(f"mlp_layer_types[{i}]", mlp_type, get_args(MlpLayerType))
        if self.sliding_window is not None:
            check_int("sliding_window", self.sliding_window, minimum=1)
        elif "sliding_attention" in self.layer_types:
            raise ValueError("layer_types has sliding_attention layers but sliding_window=None")
        if self.mla and "sliding_attention" in self.layer_types:
            raise ValueError("mla=True does not combine with sliding_attention layers")

    def _check_mla(self) -> None:
        if not self.mla:
            return
        if self.q_lora_rank is not None:
            check_int("q_lora_rank", self.q_lora_rank, minimum=1)
        for name in ("kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
            check_int(name, getattr(self, name), minimum=1)

    def _check_moe(self) -> None:
        if self.shared_expert_intermediate_size is not None:
            check_int(
                "shared_expert_intermediate_size", self.shared_expert_intermediate_size, minimum=0
            )
        if "moe" in self.mlp_layer_types or (self.num_experts and not self.mlp_layer_types):
            check_int("num_experts", self.num_experts, minimum=1)
            check_int("num_experts_per_tok", self.num_experts_per_tok, minimum=1)
            check_int("moe_intermediate_size", self.moe_intermediate_size, minimum=1)
        if self.num_experts_per_tok > self.num_experts:
            raise ValueError(
                f"num_experts_per_tok={self.num_experts_per_tok} is more than "
                f"num_experts={self.num_experts}"
            )

    @property
    def layers(self) -> tuple[LayerSpec, ...]:
        """Each layer's attention kind and MLP kind, in order (encoder layers for
        ``family="transformer"``)."""
        attention: list[AttentionKind]
        if self.mla:
            attention = ["mla"] * self.num_layers
        elif self.layer_types:
            attention = [
                "sliding" if t == "sliding_attention" else "full" for t in self.layer_types
            ]
        else:
            attention = ["full"] * self.num_layers
        default: MlpLayerType = "moe" if self.num_experts else "dense"
        mlps = self.mlp_layer_types or (default,) * self.num_layers
        return tuple(LayerSpec(a, m) for a, m in zip(attention, mlps, strict=True))
