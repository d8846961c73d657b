"""Module configurations shared by the MultiHeadAttention and KVCache tests (float64)."""

from __future__ import annotations

import pytest
import torch

from qkvlib import MultiHeadAttention

TOL = 1e-10  # float64

# (d_model, num_heads, num_kv_heads, head_dim): plain, GQA, MQA, h*d != C (wider and narrower)
CONFIGS = [
    pytest.param(32, 4, None, None, id="mha"),
    pytest.param(32, 8, 2, None, id="gqa"),
    pytest.param(32, 4, 1, None, id="mqa"),
    pytest.param(24, 4, 2, 10, id="gqa-h*d=40>C=24"),
    pytest.param(48, 6, 3, 4, id="gqa-h*d=24<C=48"),
]
CONFIG_NAMES = ("d_model", "num_heads", "num_kv_heads", "head_dim")


def make(
    d_model: int,
    num_heads: int,
    num_kv_heads: int | None = None,
    head_dim: int | None = None,
    bias: bool = True,
    seed: int = 0,
) -> MultiHeadAttention:
    """A seeded float64 module in eval mode."""
    torch.manual_seed(seed)
    return MultiHeadAttention(d_model, num_heads, num_kv_heads, head_dim, bias).double().eval()
