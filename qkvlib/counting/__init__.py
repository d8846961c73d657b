"""Count parameters and cache bytes of a model from its config, without building the model.

A `ModelSpec` holds the numbers and switches a count needs, layer by layer where layers differ;
`from_hf_config` reads one from a Hugging Face ``config.json`` dict exactly as transformers
reads it, for sixteen families from GPT-2 to DeepSeek-V3 and gpt-oss (what it knows about each
family is data, ``families.json``, which the browser calculator reads too); `count_params`
breaks the parameters down into a `ParamCount` whose ``total`` equals
``sum(p.numel() for p in model.parameters())`` of the transformers model built from the same
config, with ``active`` the parameters one token uses in a mixture-of-experts model;
`kv_cache_bytes` is the memory the KV cache takes, layer by layer (full, sliding-window, MLA);
`weight_bytes` and `training_memory` turn counts into bytes; `presets` are named specs written
from the public ``config.json`` values of well-known checkpoints. The tests check every count
against transformers on the meta device.

Names follow the project glossary: ``d_model`` (C, transformers' ``hidden_size``), ``num_heads``
(h), ``num_kv_heads`` (h_kv), ``head_dim`` (d). Nothing here imports torch.

Examples:
    >>> from qkvlib.counting import count_params, kv_cache_bytes, presets
    >>> len(presets), "gpt2" in presets, "deepseek-v3" in presets
    (22, True, True)
    >>> count_params(presets["transformer-base"]).total
    63045632
    >>> count = count_params(presets["mistral-7b-v0.1"])
    >>> parts = count.embeddings + count.attention + count.mlp + count.norms
    >>> parts + count.pooler + count.lm_head == count.total
    True
"""

from qkvlib.counting.count import ParamCount, count_params
from qkvlib.counting.memory import (
    TrainingMemory,
    kv_cache_breakdown,
    kv_cache_bytes,
    training_memory,
    weight_bytes,
)
from qkvlib.counting.presets import preset_configs, presets
from qkvlib.counting.read import families, from_hf_config
from qkvlib.counting.spec import (
    AttentionKind,
    Family,
    LayerSpec,
    LayerType,
    MlpKind,
    MlpLayerType,
    ModelSpec,
    NormKind,
    QkNormKind,
)

__all__ = [
    "AttentionKind",
    "Family",
    "LayerSpec",
    "LayerType",
    "MlpKind",
    "MlpLayerType",
    "ModelSpec",
    "NormKind",
    "ParamCount",
    "QkNormKind",
    "TrainingMemory",
    "count_params",
    "families",
    "from_hf_config",
    "kv_cache_breakdown",
    "kv_cache_bytes",
    "preset_configs",
    "presets",
    "training_memory",
    "weight_bytes",
]
