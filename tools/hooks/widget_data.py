"""The interactive widgets' data and assets (DESIGN.md, "Interactive widgets").

Two jobs, both at build time:

* ``on_post_build`` writes the JSON that qkvlib computes for the widgets into the site, under
  ``assets/data/``: the queries, keys and raw scores of a small trained multi-head layer for the
  attention playground, and the raw scores of random queries and keys for the softmax/temperature
  widget. Training takes a few seconds, so the result is cached in ``.cache/widget-data/`` under a
  hash of everything it depends on (this file, qkvlib's source, the torch version); an unchanged
  build reads the cache and does not import torch at all.
* ``on_post_page`` gives a page that holds a widget (an element with ``data-widget="<name>"``) its
  script and the widgets' stylesheet, with paths relative to the page, so that pages without a
  widget load neither, and the Markdown only holds the widget's labelled markup.

The widgets recompute the softmax, the masks and the shapes in JavaScript; the browser tests
(tests/test_browser_widgets.py) check every number they show against qkvlib.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mkdocs.utils import get_relative_url

ROOT = Path(__file__).resolve().parent.parent.parent
CACHE_DIR = ROOT / ".cache" / "widget-data"
DATA_DIR = "assets/data"  # inside the site
WIDGETS = ("attention-playground", "softmax-temperature", "mask-builder", "shape-explorer")

# --- the attention playground: a small layer trained so that its heads do different jobs ----

SENTENCES = {"zh": list("小猫坐在小垫子上"), "en": ["the", "cat", "sat", "on", "the", "mat"]}
VOCAB = sorted({w for words in SENTENCES.values() for w in words})
MAX_T = 8  # positions the layer knows (one-hot), the longest sentence
NUM_HEADS, HEAD_DIM = 3, 8
STEPS, BATCH, LR = 250, 64, 0.05
# Three read-outs, one per job, make the heads specialise. At position t: the position of the
# last earlier copy of the same token (t itself if none), the first token, the previous token.
READOUTS = ("same-token-earlier", "first-token", "previous-token")
# Which head took which job in training (the page labels the heads so; tests check it).
HEAD_JOBS = ("same-token-earlier", "previous-token", "first-token")


def _encode(tokens: Any) -> Any:
    """(B, T) token ids -> (B, T, C): one-hot token next to one-hot position, C = V + MAX_T."""
    import torch
    import torch.nn.functional as F

    B, T = tokens.shape
    tok = F.one_hot(tokens, len(VOCAB)).double()  # (B, T, V)
    pos = torch.eye(MAX_T, dtype=torch.float64)[:T].expand(B, T, MAX_T)  # (B, T, MAX_T)
    return torch.cat([tok, pos], dim=-1)  # (B, T, C)


def _targets(tokens: Any) -> tuple[Any, Any, Any]:
    """For each position: (position of the last earlier same token or itself, first token,
    previous token or itself at position 0)."""
    import torch

    B, T = tokens.shape
    pos = torch.arange(T)
    same = (tokens[:, :, None] == tokens[:, None, :]) & (pos[None, None, :] < pos[None, :, None])
    last = torch.where(same, pos, torch.full_like(pos, -1)).amax(dim=-1)  # (B, T), -1: none
    same_pos = torch.where(last >= 0, last, pos)
    first = tokens[:, :1].expand(B, T)
    previous = torch.cat([tokens[:, :1], tokens[:, :-1]], dim=1)
    return same_pos, first, previous


def train_playground_layer() -> Any:
    """Train a qkvlib ``MultiHeadAttention`` (C = 20, 3 heads of 8, no bias) with three linear
    read-outs, one per job in READOUTS, on random token sequences; causal, float64, one thread,
    seeded: the same floats on every run on one machine. Returns the attention layer."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    from qkvlib import MultiHeadAttention

    V, C = len(VOCAB), len(VOCAB) + MAX_T
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            attn = MultiHeadAttention(C, NUM_HEADS, head_dim=HEAD_DIM, bias=False).double()
            readout = nn.Linear(C, MAX_T + 2 * V).double()  # same position | first | previous
            params = [*attn.parameters(), *readout.parameters()]
            opt = torch.optim.Adam(params, lr=LR)
            gen = torch.Generator().manual_seed(0)
            for _ in range(STEPS):
                tokens = torch.randint(0, V, (BATCH, MAX_T), generator=gen)
                logits = readout(attn(_encode(tokens), is_causal=True))  # (B, T, MAX_T + 2V)
                parts = logits.split([MAX_T, V, V], dim=-1)
                loss = sum(
                    F.cross_entropy(p.reshape(-1, p.shape[-1]), t.reshape(-1))
                    for p, t in zip(parts, _targets(tokens), strict=True)
                )
                opt.zero_grad()
                loss.backward()
                opt.step()
    finally:
        torch.set_num_threads(threads)
    return attn.eval()


def playground_data(attn: Any) -> dict[str, Any]:
    """Per sentence and head: queries and keys (T, d) and raw scores q @ k^T (T, T), unscaled
    (the widget applies 1/sqrt(d), the temperature, the causal mask and the softmax)."""
    import torch

    from qkvlib import split_heads

    out: dict[str, Any] = {
        "d_model": attn.d_model,
        "num_heads": attn.num_heads,
        "head_dim": attn.head_dim,
        "jobs": list(HEAD_JOBS),
        "sentences": {},
    }
    with torch.no_grad():
        for lang, words in SENTENCES.items():
            x = _encode(torch.tensor([[VOCAB.index(w) for w in words]]))  # (1, T, C)
            q = split_heads(attn.q_proj(x), attn.num_heads)[0]  # (1, T, h*d) -> (h, T, d)
            k = split_heads(attn.k_proj(x), attn.num_heads)[0]  # (h, T, d)
            scores = q @ k.transpose(-2, -1)  # (h, T, d) @ (h, d, T) -> (h, T, T)
            out["sentences"][lang] = {
                "tokens": words,
                "heads": [
                    {"q": q[i].tolist(), "k": k[i].tolist(), "scores": scores[i].tolist()}
                    for i in range(attn.num_heads)
                ],
            }
    return out


# --- softmax and temperature: raw scores whose spread grows with d ---------------------------

HEAD_DIMS = (4, 8, 16, 32, 64, 128, 256, 512)
NUM_KEYS = 8


SOFTMAX_SEED = 2  # one query is one draw: this seed shows the typical picture (tested), which
# the page's blocks establish over many queries: unscaled, the softmax saturates as d grows.


def softmax_temperature_data() -> dict[str, Any]:
    """For each head size d: one query and NUM_KEYS keys with standard normal entries (float64,
    seeded) and their raw scores q . k_j, whose standard deviation is about sqrt(d)."""
    import torch

    gen = torch.Generator().manual_seed(SOFTMAX_SEED)
    scores = {}
    for d in HEAD_DIMS:
        q = torch.randn(d, dtype=torch.float64, generator=gen)  # (d,)
        k = torch.randn(NUM_KEYS, d, dtype=torch.float64, generator=gen)  # (S, d)
        scores[str(d)] = (k @ q).tolist()  # (S, d) @ (d,) -> (S,)
    return {"head_dims": list(HEAD_DIMS), "num_keys": NUM_KEYS, "scores": scores}


# --- export, cached --------------------------------------------------------------------------


def cache_key() -> str:
    """A hash of everything the data depends on: this file, qkvlib's source, torch's version."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted((ROOT / "qkvlib").rglob("*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    h.update(version("torch").encode())
    return h.hexdigest()[:16]


def compute() -> dict[str, Any]:
    """Every data file, by name, computed now (trains the playground layer)."""
    return {
        "attention-playground.json": playground_data(train_playground_layer()),
        "softmax-temperature.json": softmax_temperature_data(),
    }


def export(cache_dir: Path = CACHE_DIR) -> dict[str, str]:
    """Every data file's text, by name: from the cache when nothing it depends on changed."""
    cached = cache_dir / f"{cache_key()}.json"
    if cached.is_file():
        files: dict[str, str] = json.loads(cached.read_text(encoding="utf-8"))
        return files
    files = {name: json.dumps(data, separators=(",", ":")) for name, data in compute().items()}
    cache_dir.mkdir(parents=True, exist_ok=True)
    for stale in cache_dir.glob("*.json"):
        stale.unlink()
    cached.write_text(json.dumps(files), encoding="utf-8")
    return files


def write(dest: Path, files: dict[str, str]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (dest / name).write_text(text, encoding="utf-8")


# --- mkdocs events ---------------------------------------------------------------------------

_WIDGET = re.compile(r'data-widget="(?P<name>[a-z-]+)"')


def widget_assets(html: str, page_url: str) -> str:
    """Add the stylesheet and one module script per widget found in ``html`` (a page whose URL
    is ``page_url``, e.g. "en/heads/"), with paths relative to the page."""
    names = sorted({m["name"] for m in _WIDGET.finditer(html)} & set(WIDGETS))
    if not names:
        return html
    css = get_relative_url("assets/css/widgets.css", page_url)
    scripts = "".join(
        f'<script type="module" src="{get_relative_url(f"assets/js/{n}.js", page_url)}"></script>'
        for n in names
    )
    html = html.replace("</head>", f'<link rel="stylesheet" href="{css}">\n</head>', 1)
    return html.replace("</body>", f"{scripts}\n</body>", 1)


def on_post_page(output: str, page: Any, config: Any) -> str:
    return widget_assets(output, page.url)


def on_post_build(config: Any) -> None:
    # With mkdocs-static-i18n this runs once per language into the same site_dir; the second
    # time (and every rebuild of `mkdocs serve` after the first) reads the cache.
    write(Path(config["site_dir"]) / DATA_DIR, export())
