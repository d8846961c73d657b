"""`count_params`: a model's parameters by part, total and active, from its `ModelSpec`."""

from __future__ import annotations

from dataclasses import dataclass, fields

from qkvlib._validate import check_int
from qkvlib.counting.spec import ModelSpec

__all__ = ["ParamCount", "count_params"]


@dataclass(frozen=True, kw_only=True)
class ParamCount:
    """A parameter count, broken down; ``total`` is the sum of the parts.

    ``embeddings + attention + mlp + norms + pooler + lm_head == total`` (checked on
    construction); ``attention_per_layer`` is a detail of ``attention``, and ``active`` a
    second total, not separate parts.

    Attributes:
        embeddings: token table, plus learned position table (GPT-2, BERT) and token-type
            table (BERT). RoPE and sinusoidal positions have no parameters.
        attention_per_layer: every parameter of layer 0's attention module: q/k/v/o
            projections and their biases (GPT-2 ``c_attn`` + ``c_proj``; BERT
            ``query/key/value`` + ``output.dense``; Phi-3's fused ``qkv_proj``), q/k norms,
            MLA's down/up projections and latent norms, attention sinks.
        attention: all attention blocks; for the 2017 encoder-decoder, 6 encoder
            self-attention + 6 decoder self-attention + 6 decoder cross-attention blocks.
        mlp: all MLP layers: dense MLPs, and in MoE layers the router, every routed expert
            and the shared experts; biases included.
        norms: all LayerNorm/RMSNorm weights (and LayerNorm biases) outside attention:
            ``norms_per_layer`` per layer plus the final norm (BERT: its embedding norm);
            the 2017 post-norm encoder-decoder has two per encoder and three per decoder layer.
        pooler: BERT's pooler (C x C weight and bias); 0 elsewhere.
        lm_head: the output projection onto the vocabulary; 0 when tied to the token
            embeddings (counted once, in ``embeddings``) or absent (BERT).
        total: all parameters, as ``sum(p.numel() for p in model.parameters())``.
        active: the parameters one token uses: ``total`` minus, in each MoE layer, the
            ``num_experts - num_experts_per_tok`` routed experts it is not sent to (routers
            and shared experts count as used). Equal to ``total`` for dense models.
    """

    embeddings: int
    attention_per_layer: int
    attention: int
    mlp: int
    norms: int
    pooler: int
    lm_head: int
    total: int
    active: int

    def __post_init__(self) -> None:
        for f in fields(self):
            check_int(f.name, getattr(self, f.name), minimum=0)
        parts = self.embeddings + self.attention + self.mlp + self.norms + self.pooler
        parts += self.lm_head
        if parts != self.total:
            raise ValueError(f"the parts add up to {parts}, not total={self.total}")
        if self.active > self.total:
            raise ValueError(f"active={self.active} is more than total={self.total}")


def attention_params(spec: ModelSpec) -> int:
    """Parameters of one attention block (every layer's is the same size)."""
    c, h, h_kv, d = spec.d_model, spec.num_heads, spec.num_kv_heads, spec.head_dim
    if spec.mla:
        rope, nope, v = spec.qk_rope_head_dim, spec.qk_nope_head_dim, spec.v_head_dim
        r_kv = spec.kv_lora_rank
        if spec.q_lora_rank is None:
            n = c * h * (nope + rope)  # q_proj
        else:
            r_q = spec.q_lora_rank  # q_a_proj, q_a_layernorm, q_b_proj
            n = c * r_q + (r_q if spec.qkv_bias else 0) + r_q + r_q * h * (nope + rope)
        n += c * (r_kv + rope) + ((r_kv + rope) if spec.qkv_bias else 0)  # kv_a_proj_with_mqa
        n += r_kv + r_kv * h * (nope + v)  # kv_a_layernorm, kv_b_proj
        n += h * v * c + (c if spec.o_bias else 0)  # o_proj
    else:
        n = c * h * d + 2 * c * h_kv * d + h * d * c  # q, k, v, o
        n += (h * d + 2 * h_kv * d) if spec.qkv_bias else 0
        n += c if spec.o_bias else 0
    if spec.qk_norm == "head":
        n += 2 * d
    elif spec.qk_norm == "all":
        n += h * d + h_kv * d
    return n + (h if spec.attention_sinks else 0)


def dense_mlp_params(spec: ModelSpec, width: int) -> int:
    """Parameters of one dense MLP of inner width ``width``."""
    c = spec.d_model
    if spec.mlp == "dense":
        return 2 * c * width + ((width + c) if spec.mlp_bias else 0)
    return 3 * c * width + ((2 * width + c) if spec.mlp_bias else 0)


def expert_params(spec: ModelSpec) -> int:
    """Parameters of one routed expert: a gated MLP of ``moe_intermediate_size``."""
    c, i = spec.d_model, spec.moe_intermediate_size
    return 3 * c * i + ((2 * i + c) if spec.expert_bias else 0)


def moe_params(spec: ModelSpec) -> int:
    """Parameters of one MoE layer's MLP: router, routed experts, shared experts."""
    e = spec.num_experts
    n = e * spec.d_model + (e if spec.router_bias else 0) + e * expert_params(spec)
    if spec.shared_expert_intermediate_size is not None:
        c, i = spec.d_model, spec.shared_expert_intermediate_size
        n += 3 * c * i + ((2 * i + c) if spec.mlp_bias else 0)
    return n


def count_params(spec: ModelSpec) -> ParamCount:
    """Count the parameters of the model ``spec`` describes, by part, and those one token uses.

    With C = d_model, h, h_kv, d = head_dim, I = intermediate_size, one attention block has
    ``C*h*d`` (q) + ``2*C*h_kv*d`` (k, v) + ``h*d*C`` (o) weights, plus ``h*d + 2*h_kv*d``
    q/k/v biases and ``C`` o bias where the family has them; for GPT-2 small that is
    ``4*C**2 + 4*C``. A dense MLP has ``2*C*I`` weights (+ ``I + C`` biases), a gated one
    ``3*C*I`` (+ ``2*I + C``). An MoE layer has a router (E x C) and E gated experts, plus
    the shared experts; a token uses the router, the shared experts and top-k experts only.

    What is counted is the model transformers builds: ``GPT2LMHeadModel``, ``BertModel``
    (with pooler, no MLM head), and ``AutoModelForCausalLM`` for the other families (for
    DeepSeek-V3 without the multi-token-prediction layer, which transformers does not build).
    For ``family="transformer"`` (no transformers model) see ``presets["transformer-base"]``.

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
        >>> mixtral = count_params(presets["mixtral-8x7b"])   # 2 of 8 experts per token
        >>> mixtral.total, mixtral.active
        (46702792704, 12879925248)
    """
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    c = spec.d_model
    attention_per_layer = attention_params(spec)
    # Each decoder layer of an encoder-decoder has a self- and a cross-attention block.
    attention = (spec.num_layers + 2 * spec.num_decoder_layers) * attention_per_layer

    moe_layers = sum(layer.mlp == "moe" for layer in spec.layers)
    dense_layers = spec.num_layers + spec.num_decoder_layers - moe_layers
    mlp = dense_layers * dense_mlp_params(spec, spec.intermediate_size)
    mlp += moe_layers * moe_params(spec) if moe_layers else 0
    unused = moe_layers * (spec.num_experts - spec.num_experts_per_tok) * expert_params(spec)

    norm_size = 2 * c if spec.norm == "layernorm" else c
    if spec.num_decoder_layers:
        # 2017 post-norm: after each sublayer, no extra norm at the end of a stack.
        num_norms = 2 * spec.num_layers + 3 * spec.num_decoder_layers
    else:
        # Per layer, plus the final norm (GPT-2, Llama-style) or BERT's embedding norm.
        num_norms = spec.norms_per_layer * spec.num_layers + 1

    embeddings = (spec.vocab_size + spec.max_position_embeddings + spec.type_vocab_size) * c
    pooler = c * c + c if spec.pooler else 0
    lm_head = spec.vocab_size * c if spec.lm_head and not spec.tie_word_embeddings else 0
    norms = num_norms * norm_size
    total = embeddings + attention + mlp + norms + pooler + lm_head
    return ParamCount(
        embeddings=embeddings,
        attention_per_layer=attention_per_layer,
        attention=attention,
        mlp=mlp,
        norms=norms,
        pooler=pooler,
        lm_head=lm_head,
        total=total,
        active=total - unused,
    )
