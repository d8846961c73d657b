"""The four interactive widgets in headless Chromium (tests/browser.py), in both languages.

Each widget reacts to each of its inputs; every number it shows (data-value) equals what qkvlib
computes for the same setting; an invalid setting shows qkvlib's own error and no stale result;
it works from the keyboard with a visible focus ring; no console error, no request to another
host; axe finds no serious or critical violation in the light or the dark palette; nothing is
wider than a 390 px phone. One browser and one tab for the whole file.

Tolerances: the widgets compute in JavaScript doubles what qkvlib computes in float64 from the
same exported numbers, in a different order of operations: they differ by a few units in the
last place, so 1e-12 (relative to numbers of order 1 to 100) leaves room only for rounding.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import testcache
import torch
from browser import CHROMIUM, FLAGS, START_WIDGETS, THEME_STARTED, TIMEOUT_MS, require_chromium

from qkvlib import (
    KVCache,
    MultiHeadAttention,
    causal_mask,
    merge_heads,
    padding_mask,
    repeat_kv,
    scaled_dot_product_attention,
    softmax,
    split_heads,
)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PAGES = {  # widget -> the page it lives on
    "attention-playground": "heads/",
    "shape-explorer": "heads/",
    "softmax-temperature": "scores-and-scaling/",
    "mask-builder": "softmax-and-masks/",
}
LANGS = {"zh": "", "en": "en/"}
TOL = 1e-12


@dataclass
class Tab:
    """One tab shared by every test of this file, and what it saw."""

    page: Any
    base_url: str
    visited: set[str] = field(default_factory=set)
    widget_bytes: dict[str, int] = field(default_factory=dict)  # page -> gzip bytes
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, widget: str, lang: str) -> Any:
        """Go to the page holding ``widget`` (in ``lang``) unless already there; wait until
        every widget on it has started; return the widget's root."""
        url = self.base_url + LANGS[lang] + PAGES[widget]
        if self.page.url != url:
            self.visited.add(url)
            self.page.goto(url, wait_until="load")
            self.page.evaluate(THEME_STARTED)
            self.page.evaluate(START_WIDGETS)
            self.widget_bytes[url] = self.page.evaluate(_WIDGET_BYTES, ["widgets", *PAGES])
        root = self.page.locator(f'[data-widget="{widget}"]')
        assert root.get_attribute("data-state") == "ready", root.inner_text()
        return root


# What the widgets add to a page: their modules, the shared helper, the stylesheet and the data,
# as transferred (the test server gzips text as GitHub Pages does).
_WIDGET_BYTES = """(scripts) => performance.getEntriesByType('resource')
    .filter(e => e.name.includes('/assets/data/') || e.name.endsWith('/assets/css/widgets.css')
        || scripts.some(name => e.name.endsWith(`/assets/js/${name}.js`)))
    .reduce((sum, e) => sum + e.encodedBodySize, 0)"""
WIDGET_BUDGET = 150_000  # bytes of widget code and data per page, gzipped


@pytest.fixture(scope="module")
def tab(base_url: str) -> Iterator[Tab]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        t = Tab(page, base_url)
        page.on("request", lambda r: t.requests.append(r.url))
        page.on("console", lambda m: t.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: t.errors.append(str(e)))
        yield t
        browser.close()


@pytest.fixture(scope="module")
def site_data(built_site: Path) -> dict[str, Any]:
    """The JSON the built site serves to the widgets."""
    folder = built_site / "assets" / "data"
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}


_SET = """(root, changes) => {
    for (const [name, value] of changes) {
        const inputs = [...root.querySelectorAll(`[data-input="${name}"]`)];
        if (!inputs.length) throw new Error(`no input ${name}`);
        const el = inputs.find(e => e.type !== 'radio' || e.value === String(value));
        const toggle = el.type === 'radio' || el.type === 'checkbox';
        if (toggle) el.checked = el.type === 'radio' || value;
        else el.value = String(value);
        const type = toggle || el.tagName === 'SELECT' ? 'change' : 'input';
        el.dispatchEvent(new Event(type, {bubbles: true}));
    }
}"""
_READ = """(root) => {
    const out = {};
    for (const e of root.querySelectorAll('[data-result]')) {
        const key = e.dataset.key;
        out[key === undefined ? e.dataset.result : `${e.dataset.result}/${key}`] = e.dataset.value;
    }
    return out;
}"""


def set_inputs(root: Any, **changes: object) -> dict[str, str]:
    """Set inputs as a reader would (each fires its input/change event), in the order given
    ("h_kv" may be written h_kv, "d-from-c" as d_from_c); return every result's data-value,
    by name ("weight/3" for the element of key 3)."""
    pairs = [[k.replace("_", "-") if k not in ("h_kv",) else k, v] for k, v in changes.items()]
    root.evaluate(_SET, pairs)
    return read(root)


def read(root: Any) -> dict[str, str]:
    return dict(root.evaluate(_READ))


def per_key(values: dict[str, str], name: str) -> list[float]:
    keys = sorted(
        (k for k in values if k.startswith(name + "/")), key=lambda k: int(k.split("/")[1])
    )
    return [float(values[k]) for k in keys]


def close(shown: list[float], expected: torch.Tensor) -> bool:
    ref = expected.tolist()
    return len(shown) == len(ref) and all(
        (a == b) if math.isinf(b) else abs(a - b) <= TOL * max(1.0, abs(b))
        for a, b in zip(shown, ref, strict=True)
    )


# --- attention-playground --------------------------------------------------------------------

PLAYGROUND_SETTINGS = [  # head, query, causal, scale, temperature
    (0, 4, True, True, 1.0),
    (1, 3, False, True, 0.3),
    (2, 5, True, False, 2.5),
    (0, 1, False, False, 0.1),
]


@pytest.mark.parametrize("lang", LANGS)
def test_playground_shows_qkvlib_scores_and_weights(
    tab: Tab, site_data: dict[str, Any], lang: str
) -> None:
    data = site_data["attention-playground.json"]
    sentence = data["sentences"][lang]
    root = tab.open("attention-playground", lang)
    for head, query, causal, scale, temperature in PLAYGROUND_SETTINGS:
        shown = set_inputs(
            root, head=head, query=query, causal=causal, scale=scale, temperature=temperature
        )
        q = torch.tensor(sentence["heads"][head]["q"], dtype=torch.float64)  # (T, d)
        k = torch.tensor(sentence["heads"][head]["k"], dtype=torch.float64)
        d, T = q.shape[-1], q.shape[0]
        factor = d**-0.5 if scale else 1.0
        mask = causal_mask(T) if causal else None
        _, w = scaled_dot_product_attention(q, k, k, mask=mask, scale=factor / temperature)
        scores = (
            (q @ k.T * factor).masked_fill(~mask, -math.inf)
            if mask is not None
            else q @ k.T * factor
        )
        setting = f"head {head}, query {query}, causal {causal}, scale {scale}, T={temperature}"
        assert close(per_key(shown, "weight"), w[query]), setting
        assert close(per_key(shown, "score"), scores[query]), setting
        assert int(shown["top-key"]) == int(w[query].argmax()), setting


@pytest.mark.parametrize("lang", LANGS)
def test_playground_reacts_to_each_input(tab: Tab, lang: str) -> None:
    root = tab.open("attention-playground", lang)
    base = {"head": 0, "query": 4, "causal": True, "scale": True, "temperature": 1.0}
    before = set_inputs(root, **base)
    for name, other in (
        ("head", 1),
        ("query", 2),
        ("causal", False),
        ("scale", False),
        ("temperature", 2.0),
    ):
        after = set_inputs(root, **{name: other})
        assert per_key(after, "weight") != per_key(before, "weight"), f"{name} changed nothing"
        set_inputs(root, **base)


# --- softmax-temperature ---------------------------------------------------------------------

SOFTMAX_SETTINGS = [(128, False, 1.0), (128, True, 1.0), (16, True, 0.2), (512, True, 3.7)]


@pytest.mark.parametrize("lang", LANGS)
def test_softmax_widget_shows_qkvlib_weights_entropy_and_jacobian(
    tab: Tab, site_data: dict[str, Any], lang: str
) -> None:
    raw = site_data["softmax-temperature.json"]["scores"]
    root = tab.open("softmax-temperature", lang)
    for d, scale, temperature in SOFTMAX_SETTINGS:
        shown = set_inputs(root, d=d, scale=scale, temperature=temperature)
        z = torch.tensor(raw[str(d)], dtype=torch.float64) * (d**-0.5 if scale else 1.0)
        z = z / temperature
        p = softmax(z)
        jacobian = torch.autograd.functional.jacobian(softmax, z)  # (S, S): dp_i / dz_j
        setting = f"d={d}, scale {scale}, T={temperature}"
        assert close(per_key(shown, "logit"), z), setting
        assert close(per_key(shown, "weight"), p), setting
        assert close([float(shown["max-weight"])], p.max().reshape(1)), setting
        assert close([float(shown["entropy"])], torch.special.entr(p).sum().reshape(1)), setting
        assert close([float(shown["jacobian-norm"])], jacobian.norm().reshape(1)), setting
        assert float(shown["max-entropy"]) == pytest.approx(math.log(len(p)), abs=TOL)


@pytest.mark.parametrize("lang", LANGS)
def test_softmax_widget_reacts_to_each_input(tab: Tab, lang: str) -> None:
    root = tab.open("softmax-temperature", lang)
    base = {"d": 64, "scale": True, "temperature": 1.0}
    before = set_inputs(root, **base)
    for name, other in (("d", 256), ("scale", False), ("temperature", 0.5)):
        after = set_inputs(root, **{name: other})
        assert after["jacobian-norm"] != before["jacobian-norm"], f"{name} changed nothing"
        set_inputs(root, **base)


def test_softmax_page_claim_unscaled_large_d_saturates(tab: Tab) -> None:
    """The prose says: unscaled, the larger d, the closer the largest weight to 1 and |J| to 0."""
    root = tab.open("softmax-temperature", "en")
    rows = [set_inputs(root, d=d, scale=False, temperature=1.0) for d in (4, 64, 512)]
    top = [float(r["max-weight"]) for r in rows]
    norm = [float(r["jacobian-norm"]) for r in rows]
    assert top == sorted(top) and top[-1] > 0.99, top
    assert norm == sorted(norm, reverse=True) and norm[-1] < 0.01, norm


# --- mask-builder ----------------------------------------------------------------------------

MASK_SETTINGS = [  # T, S, causal, window, lengths
    (4, 6, True, "", "6, 4"),
    (5, 5, True, "2", ""),
    (3, 7, False, "", "7, 2, 0"),
    (6, 6, False, "", ""),
    (2, 8, True, "3", "5"),
]


def _run_mask_code(sdpa: str, mha: str, B: int, T: int, S: int) -> tuple[list[Any], list[Any]]:
    """Run the two code lines the widget prints; the masks as (B, T, S) lists of bools."""
    env: dict[str, Any] = {"torch": torch, "causal_mask": causal_mask, "padding_mask": padding_mask}
    exec(sdpa, env)  # noqa: S102  (the widget's own code line, as a reader would paste it)
    allowed = (
        env["mask"].expand(B, 1, T, S) if env["mask"].ndim == 4 else env["mask"].expand(B, T, S)
    )
    exec(mha, env)  # noqa: S102
    blocked = torch.zeros(B, T, S, dtype=torch.bool)
    if env.get("attn_mask") is not None:
        blocked = blocked | env["attn_mask"]
    if "key_padding_mask" in env:
        blocked = blocked | env["key_padding_mask"][:, None, :]
    return allowed.reshape(B, T, S).tolist(), blocked.tolist()


@pytest.mark.parametrize("lang", LANGS)
def test_mask_builder_draws_the_mask_its_code_builds(tab: Tab, lang: str) -> None:
    root = tab.open("mask-builder", lang)
    for T, S, causal, window, lengths in MASK_SETTINGS:
        shown = set_inputs(root, T=T, S=S, causal=causal, window=window, lengths=lengths)
        assert shown["error"] == "", shown["error"]
        B = len(lengths.split(",")) if lengths else 1
        allowed, blocked = _run_mask_code(shown["code-sdpa"], shown["code-mha"], B, T, S)
        # bools: exact equality is the point
        assert json.loads(shown["sdpa-mask"]) == allowed, shown["code-sdpa"]
        assert json.loads(shown["mha-mask"]) == blocked, shown["code-mha"]
        # and independently of the printed code: the mask from the settings themselves
        expected = (
            causal_mask(T, S, window=int(window) if window else None)
            if causal
            else torch.ones(T, S, dtype=torch.bool)
        ).expand(B, T, S)
        if lengths:
            expected = expected & padding_mask([int(n) for n in lengths.split(",")], S)[:, None, :]
        assert json.loads(shown["sdpa-mask"]) == expected.tolist()


def _qkvlib_error(call: Any) -> str:
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    return str(info.value)


MASK_ERRORS = [  # widget inputs, the same call in qkvlib
    ({"T": 5, "S": 3, "causal": True, "window": "", "lengths": ""}, lambda: causal_mask(5, 3)),
    (
        {"T": 3, "S": 3, "causal": True, "window": "0", "lengths": ""},
        lambda: causal_mask(3, 3, window=0),
    ),
    (
        {"T": 2, "S": 4, "causal": False, "window": "", "lengths": "5, 1"},
        lambda: padding_mask([5, 1], 4),
    ),
    (
        {"T": 2, "S": 4, "causal": False, "window": "", "lengths": "2.5"},
        lambda: padding_mask([2.5], 4),
    ),
    (
        {"T": "1.5", "S": 4, "causal": True, "window": "", "lengths": ""},
        lambda: causal_mask(1.5, 4),
    ),
]


@pytest.mark.parametrize("lang", LANGS)
def test_mask_builder_shows_qkvlib_errors_and_no_stale_mask(tab: Tab, lang: str) -> None:
    root = tab.open("mask-builder", lang)
    for inputs, call in MASK_ERRORS:
        set_inputs(root, T=4, S=6, causal=True, window="", lengths="6, 4")  # a valid mask first
        shown = set_inputs(root, **inputs)
        assert shown["error"] == _qkvlib_error(call), inputs
        assert shown["sdpa-mask"] == shown["mha-mask"] == shown["code-sdpa"] == "", inputs
    # this page's own limits, in the page's words
    shown = set_inputs(root, T=17, S=17, causal=True, window="", lengths="")
    assert shown["error"] == root.get_attribute("data-msg-size").replace("{max}", "16")
    shown = set_inputs(root, T=2, S=4, causal=False, window="", lengths="4, 4, 4, 4, 4")
    assert shown["error"] == root.get_attribute("data-msg-batch").replace("{max}", "4")


@pytest.mark.parametrize("lang", LANGS)
def test_mask_builder_reacts_to_each_input(tab: Tab, lang: str) -> None:
    root = tab.open("mask-builder", lang)
    base = {"T": 4, "S": 6, "causal": True, "window": "", "lengths": "6, 4"}
    before = set_inputs(root, **base)
    for name, other in (
        ("T", 3),
        ("S", 7),
        ("causal", False),
        ("window", "2"),
        ("lengths", "6, 2"),
    ):
        after = set_inputs(root, **{name: other})
        assert after["sdpa-mask"] != before["sdpa-mask"], f"{name} changed nothing"
        set_inputs(root, **base)


# --- shape-explorer --------------------------------------------------------------------------

SHAPE_SETTINGS = [  # B, T, C, h, h_kv, d, d from C, bias, bytes per element
    (2, 16, 512, 8, 2, 64, True, True, 2),
    (1, 5, 64, 4, 4, 32, False, False, 4),
    (3, 7, 96, 6, 1, 10, False, True, 1),
    (2, 3, 120, 12, 3, 0, True, False, 2),
]


def _qkvlib_shapes(m: MultiHeadAttention, B: int, T: int) -> dict[str, list[int]]:
    """Every tensor's shape along MultiHeadAttention.forward, computed by qkvlib."""
    x = torch.zeros(B, T, m.d_model)
    shapes = {"x": x}
    shapes["q"] = q = m.q_proj(x)
    shapes["q-heads"] = q = split_heads(q, m.num_heads)
    shapes["k"] = k = m.k_proj(x)
    shapes["k-heads"] = k = split_heads(k, m.num_kv_heads)
    shapes["k-repeated"] = k = repeat_kv(k, m.n_rep)
    shapes["v"] = v = m.v_proj(x)
    shapes["v-heads"] = v = split_heads(v, m.num_kv_heads)
    shapes["v-repeated"] = v = repeat_kv(v, m.n_rep)
    shapes["scores"] = q @ k.transpose(-2, -1)
    out, shapes["weights"] = scaled_dot_product_attention(q, k, v)
    shapes["out"] = out
    shapes["merged"] = merge_heads(out)
    shapes["y"] = m.o_proj(shapes["merged"])
    assert tuple(shapes["y"].shape) == tuple(m(x).shape)  # the same path as forward
    return {name: list(t.shape) for name, t in shapes.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_shape_explorer_shows_qkvlib_shapes_parameters_and_cache(tab: Tab, lang: str) -> None:
    root = tab.open("shape-explorer", lang)
    for B, T, C, h, h_kv, d, d_from_c, bias, bpe in SHAPE_SETTINGS:
        changes: dict[str, object] = {"d_from_c": d_from_c}
        if not d_from_c:
            changes["d"] = d
        shown = set_inputs(
            root, **changes, B=B, T=T, C=C, h=h, h_kv=h_kv, bias=bias, bytes_per_element=bpe
        )
        assert shown["error"] == "", shown["error"]
        with torch.no_grad():
            m = eval(shown["code"], {"MultiHeadAttention": MultiHeadAttention})  # noqa: S307
            assert (m.num_heads, m.num_kv_heads, m.bias) == (h, h_kv, bias)
            for name, shape in _qkvlib_shapes(m, B, T).items():
                assert json.loads(shown[name]) == shape, name
            for p in "qkvo":
                proj = getattr(m, f"{p}_proj")
                assert json.loads(shown[f"weight-{p}"]) == list(proj.weight.shape)
                assert int(shown[f"params-{p}"]) == sum(t.numel() for t in proj.parameters())
            assert int(shown["params-total"]) == sum(t.numel() for t in m.parameters())
            cache = KVCache()
            m(torch.zeros(B, T, C), kv_cache=cache)
            assert cache.k is not None and cache.v is not None
            per_token = (cache.k.numel() + cache.v.numel()) * bpe // (B * T)
            assert int(shown["kv-cache-per-token"]) == per_token
            assert int(shown["n-rep"]) == m.n_rep


SHAPE_ERRORS = [  # widget inputs, the same constructor call in qkvlib
    ({"C": 512, "h": 5, "h_kv": 5, "d_from_c": True}, lambda: MultiHeadAttention(512, 5)),
    ({"C": 512, "h": 8, "h_kv": 3, "d_from_c": True}, lambda: MultiHeadAttention(512, 8, 3)),
    ({"C": 512, "h": 0, "h_kv": 1, "d_from_c": True}, lambda: MultiHeadAttention(512, 0, 1)),
    (
        {"d_from_c": False, "C": 64, "h": 4, "h_kv": 4, "d": "8.5"},
        lambda: MultiHeadAttention(64, 4, 4, head_dim=8.5),
    ),
    (
        {"d_from_c": False, "C": "", "h": 4, "h_kv": 4, "d": 8},
        lambda: MultiHeadAttention("", 4, 4, head_dim=8),
    ),
]


@pytest.mark.parametrize("lang", LANGS)
def test_shape_explorer_shows_qkvlib_errors_and_no_stale_shapes(tab: Tab, lang: str) -> None:
    root = tab.open("shape-explorer", lang)
    for inputs, call in SHAPE_ERRORS:
        set_inputs(root, d_from_c=True, B=2, T=16, C=512, h=8, h_kv=2)  # valid first
        shown = set_inputs(root, **inputs)
        assert shown["error"] == _qkvlib_error(call), inputs
        assert shown["q-heads"] == shown["params-total"] == shown["code"] == "", inputs


@pytest.mark.parametrize("lang", LANGS)
def test_shape_explorer_reacts_to_each_input(tab: Tab, lang: str) -> None:
    root = tab.open("shape-explorer", lang)
    base = {
        "d_from_c": False,
        "B": 2,
        "T": 16,
        "C": 512,
        "h": 8,
        "h_kv": 2,
        "d": 64,
        "bias": True,
        "bytes_per_element": 2,
    }
    before = set_inputs(root, **base)
    for name, other in (
        ("B", 3),
        ("T", 9),
        ("C", 256),
        ("h", 4),
        ("h_kv", 4),
        ("d", 32),
        ("d_from_c", True),
        ("bias", False),
        ("bytes_per_element", 4),
    ):
        after = set_inputs(root, **{name: other})
        assert after != before, f"{name} changed nothing"
        set_inputs(root, **base)


# --- every widget: keyboard, console, hosts, accessibility, phones ---------------------------

KEYBOARD = {  # widget -> a known state, then (input to focus, key, result that must change)
    "attention-playground": (
        {"head": 0, "query": 4, "causal": True, "scale": True, "temperature": 1.0},
        [
            ('[data-input="query"]:checked', "ArrowLeft", "weight/0"),
            ('[data-input="head"]:checked', "ArrowRight", "weight/0"),
            ('[data-input="causal"]', " ", "weight/5"),
            ('[data-input="temperature"]', "ArrowRight", "temperature"),
        ],
    ),
    "softmax-temperature": (
        {"d": 128, "scale": True, "temperature": 1.0},
        [
            ('[data-input="d"]', "ArrowDown", "jacobian-norm"),
            ('[data-input="scale"]', " ", "jacobian-norm"),
            ('[data-input="temperature"]', "ArrowLeft", "jacobian-norm"),
        ],
    ),
    "mask-builder": (
        {"T": 4, "S": 6, "causal": True, "window": "", "lengths": "6, 4"},
        [
            ('[data-input="T"]', "ArrowUp", "sdpa-mask"),
            ('[data-input="causal"]', " ", "sdpa-mask"),
            ('[data-input="lengths"]', "Backspace", "sdpa-mask"),
        ],
    ),
    "shape-explorer": (
        {"d_from_c": True, "B": 2, "T": 16, "C": 512, "h": 8, "h_kv": 2, "bias": True},
        [
            ('[data-input="T"]', "ArrowUp", "q-heads"),
            ('[data-input="bias"]', " ", "params-total"),
            ('[data-input="bytes-per-element"]', "ArrowDown", "kv-cache-per-token"),
        ],
    ),
}
_FOCUS_RING = """(el) => {
    const s = getComputedStyle(el.matches('.qkv-chip input') ? el.nextElementSibling : el);
    const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
    return el === document.activeElement && ring;
}"""


@pytest.mark.parametrize("widget", KEYBOARD)
def test_widget_works_from_the_keyboard_with_a_visible_focus(tab: Tab, widget: str) -> None:
    root = tab.open(widget, "en")
    state, steps = KEYBOARD[widget]
    set_inputs(root, **state)
    for selector, key, name in steps:
        control = root.locator(selector).first
        before = read(root)
        control.focus()
        tab.page.keyboard.press("Shift+Tab")  # arrive by keyboard, so :focus-visible applies
        # Back by Tab; a code block that came into view meanwhile may have got its copy button
        # (the theme mounts code blocks as they appear), one more stop on the way.
        for _ in range(4):
            tab.page.keyboard.press("Tab")
            if control.evaluate("el => el === document.activeElement"):
                break
        assert control.evaluate(_FOCUS_RING), f"{selector}: no visible focus"
        if key == "Backspace":
            tab.page.keyboard.press("End")
        tab.page.keyboard.press(key)
        assert read(root)[name] != before[name], f"{selector} + {key} changed nothing"


def _serious(result: dict[str, Any], where: str) -> list[str]:
    return [
        f"{where} {v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


_NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; }"


@pytest.mark.parametrize(
    ("lang", "scheme", "scope"),
    [("zh", "default", "document"), ("en", "slate", "{include: [['[data-widget]']]}")],
    ids=["zh-light-whole-page", "en-dark-widgets"],
)
def test_widget_pages_have_no_serious_accessibility_violation(
    tab: Tab, lang: str, scheme: str, scope: str
) -> None:
    """Each widget page whole in one language and light palette; the widgets again in the
    other language and the dark (slate) palette. (axe takes seconds on a page of typeset
    math: the theme around the widgets is the same in both languages and palettes.)"""
    bad = []
    for widget in ("attention-playground", "softmax-temperature", "mask-builder"):
        tab.open(widget, lang)
        tab.page.add_script_tag(path=str(AXE))
        tab.page.add_style_tag(content=_NO_TRANSITIONS)  # colours change at once, not mid-fade
        tab.page.evaluate(f"document.body.dataset.mdColorScheme = '{scheme}'")
        result = tab.page.evaluate(f"axe.run({scope}, {{resultTypes: ['violations']}})")
        tab.page.evaluate("document.body.dataset.mdColorScheme = 'default'")
        bad += _serious(result, f"{LANGS[lang]}{PAGES[widget]} ({scheme})")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_widgets_fit_a_390_px_phone(tab: Tab, lang: str) -> None:
    tab.page.set_viewport_size({"width": 390, "height": 844})
    wide = []
    try:
        for widget in PAGES:
            root = tab.open(widget, lang)
            overflow = root.evaluate(
                "r => Math.max(r.scrollWidth - r.clientWidth,"
                " r.getBoundingClientRect().right - document.documentElement.clientWidth)"
            )
            if overflow > 0:
                wide.append(f"{widget}: {overflow} px too wide")
    finally:
        tab.page.set_viewport_size({"width": 1366, "height": 900})
    assert not wide, wide


def test_site_serves_the_data_qkvlib_exports(site_data: dict[str, Any]) -> None:
    from hooks import widget_data

    exported = {name: json.loads(text) for name, text in widget_data.export().items()}
    assert site_data == exported


def test_no_console_error_no_foreign_request_and_light_widgets(tab: Tab) -> None:
    """Over everything the tests above did (and every widget page they did not visit)."""
    for widget, path in PAGES.items():
        for lang, prefix in LANGS.items():
            if tab.base_url + prefix + path not in tab.visited:
                tab.open(widget, lang)
    heavy = {url: n for url, n in tab.widget_bytes.items() if not 0 < n <= WIDGET_BUDGET}
    assert not heavy, f"widget code and data over {WIDGET_BUDGET:,} bytes (gzip): {heavy}"
    foreign = [u for u in tab.requests if not u.startswith((tab.base_url, "data:", "about:"))]
    assert not foreign, foreign
    assert not tab.errors, tab.errors
    # tests/testcache.py reuses this file's result while these pages (and the assets) stay the same
    unlisted = testcache.unlisted_pages(Path(__file__).name, tab.requests, tab.base_url)
    assert not unlisted, unlisted


def test_widgets_start_only_as_they_come_near_the_screen(tab: Tab) -> None:
    """A widget more than a screen below the first view neither fetches its data nor builds
    itself with the page; scrolled to, it starts."""
    url = tab.base_url + PAGES["shape-explorer"]
    tab.visited.add(url)
    tab.page.goto(url, wait_until="load")
    tab.page.wait_for_timeout(300)
    far = tab.page.evaluate(
        """() => [...document.querySelectorAll('[data-widget]')]
            .filter(w => w.getBoundingClientRect().top > 2 * innerHeight)
            .map(w => [w.dataset.widget, w.dataset.state || null])"""
    )
    assert far, "no widget on the page is more than a screen below the first view"
    assert all(state is None for _, state in far), far
    fetched = tab.page.evaluate(
        "performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => n.includes('/assets/data/'))"
    )
    early = [n for n in fetched for name, _ in far if n.endswith(f"/{name}.json")]
    assert not early, early
    for name, _ in far:
        root = tab.page.locator(f'[data-widget="{name}"]')
        root.scroll_into_view_if_needed()
        tab.page.wait_for_function(
            f"document.querySelector('[data-widget=\"{name}\"]').dataset.state === 'ready'"
        )
