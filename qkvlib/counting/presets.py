"""`presets`: named specs of well-known models, read from their public ``config.json`` values.

The configs are data, ``presets.json`` next to this file (the browser calculator offers the same
ones): per preset a title, the checkpoint it comes from, a note where something is worth saying,
and the count-relevant values of its ``config.json`` (keys the reader ignores, such as dropout,
eps, rope_theta and token ids, are left out: they change no count). Every preset is checked
against the transformers model built from it on the meta device
(tests/test_counting_transformers.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Final

from qkvlib.counting.read import from_hf_config
from qkvlib.counting.spec import ModelSpec

__all__ = ["preset_configs", "presets"]


def _frozen(value: Any) -> Any:
    """Read-only views of dicts, nested (lists stay lists: transformers' config classes
    accept no tuples)."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    return value


_DATA: Final = json.loads(
    files("qkvlib.counting").joinpath("presets.json").read_text(encoding="utf-8")
)

preset_configs: Final[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {name: _frozen(entry["config"]) for name, entry in _DATA["presets"].items()}
)
"""Read-only: preset name -> the ``config.json`` values its `ModelSpec` is read from (every
preset except ``transformer-base``, which has no transformers config). Build the transformers
model with ``AutoConfig.for_model(**preset_configs[name])`` (for ``gemma-3-27b``, from
``dict(preset_configs[name]["text_config"])``)."""

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
qwen2.5-7b, qwen3-8b, qwen3-30b-a3b, gemma-2-9b, gemma-3-27b, mixtral-8x7b, deepseek-v2-lite,
deepseek-v3, gpt-oss-20b, gpt-oss-120b, phi-3-mini, olmo-2-7b, smollm3-3b."""
