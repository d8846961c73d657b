"""The model calculator (page `calculator`) in headless Chromium (tests/browser.py), both languages.

Parity: the page's JavaScript gives the same integers as qkvlib.counting (total, active, every
part of the breakdown, the KV cache and its split by layer kind, weight bytes, the training
estimate) for every preset and for 16 x 13 generated configs of all families, each with its own
context length, batch and bytes per number; and the same error type and text for every bad config
the reader must refuse and for 128 generated configs with one thing changed (most of them bad).
All of it runs in one page through one page.evaluate call. Then the widget itself: results in
data-value as the inputs change, errors replacing results, markup in a config shown as text, the
keyboard, a 390 px phone, the dark palette (axe), no console error and no request to another
host. One browser and one tab for the whole file.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import testcache
from browser import CHROMIUM, FLAGS, THEME_STARTED, TIMEOUT_MS, require_chromium
from counting_configs import BAD_CONFIGS, generated, mutated

from qkvlib.counting import (
    count_params,
    from_hf_config,
    kv_cache_breakdown,
    kv_cache_bytes,
    preset_configs,
    training_memory,
    weight_bytes,
)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
LANGS = {"zh": "calculator/", "en": "en/calculator/"}
ROOT = '[data-widget="calculator"]'


def python_result(config: Any, tokens: int, batch: int, nbytes: int) -> dict[str, Any]:
    """What the page must show for ``config``: evaluateConfig of calculator-core.js, in Python."""
    try:
        spec = from_hf_config(config)
        count = count_params(spec)
        breakdown = kv_cache_breakdown(spec, tokens, nbytes, batch)
        training = training_memory(spec)
        return {
            "ok": True,
            "total": str(count.total),
            "active": str(count.active),
            "attention_per_layer": str(count.attention_per_layer),
            "kv_cache_bytes": str(kv_cache_bytes(spec, tokens, nbytes, batch)),
            "kv_breakdown": {k: str(v) for k, v in breakdown.items()},
            "weights_bytes": str(weight_bytes(spec, nbytes)),
            "training": {k: str(v) for k, v in vars(training).items()},
            "count": {k: str(v) for k, v in vars(count).items()},
        }
    except (TypeError, ValueError) as error:
        return {"ok": False, "type": type(error).__name__, "message": str(error)}


# One call evaluates every case in the page, with the page's own modules and data files.
_EVALUATE_ALL = """async (cases) => {
    const core = await import(new URL("../../assets/js/calculator-core.js", location.href));
    const url = new URL("../../assets/data/calculator/families.json", location.href);
    const families = await (await fetch(url)).json();
    return cases.map(([text, tokens, batch, bytes]) => {
        const out = core.evaluateConfig(core.parseJson(text), families,
            {tokens: BigInt(tokens), batch: BigInt(batch), bytes: BigInt(bytes)});
        delete out.spec;  // BigInts do not cross into Python; every number is a string already
        return out;
    });
}"""


@dataclass
class Tab:
    page: Any
    base_url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, lang: str, *, dark: bool = False) -> None:
        self.page.emulate_media(color_scheme="dark" if dark else "light")
        self.page.goto(self.base_url + LANGS[lang], wait_until="load")
        self.page.evaluate(THEME_STARTED)
        self.page.wait_for_selector(f'{ROOT}[data-ready="true"]')

    def value(self, name: str) -> str | None:
        node = self.page.locator(f'{ROOT} [data-result="{name}"]')
        result: str | None = node.get_attribute("data-value")
        return result

    def text(self, name: str) -> str:
        return str(self.page.locator(f'{ROOT} [data-result="{name}"]').text_content())


@pytest.fixture(scope="module")
def tab(base_url: str) -> Iterator[Tab]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        t = Tab(page, base_url)
        page.on("request", lambda r: t.requests.append(r.url))
        page.on("console", lambda m: t.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: t.errors.append(str(e)))
        t.open("en")
        yield t
        browser.close()


# --------------------------------------------------------------------------- parity


def _cases() -> list[tuple[Any, int, int, int]]:
    rng = random.Random(7)
    configs = [dict(c) for c in preset_configs.values()] + generated(13, seed=2)
    cases = [
        (c, rng.choice([0, 1, 5, 100, 8192, 131072]), rng.randint(1, 8), rng.choice([1, 2, 4]))
        for c in configs
    ]
    cases += [(bad, 8192, 1, 2) for bad, _, _ in BAD_CONFIGS]
    return cases + [(m, 8192, 2, 2) for m in mutated(generated(8, seed=12), seed=5)]


def _plain(value: Any) -> Any:
    """A preset config (read-only mappings, tuples) as plain JSON-ready values."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def test_page_gives_the_integers_and_errors_of_python(tab: Tab) -> None:
    cases = _cases()
    texts = [(json.dumps(_plain(c)), t, b, n) for c, t, b, n in cases]
    got = tab.page.evaluate(_EVALUATE_ALL, texts)
    expected = [python_result(_plain(c), t, b, n) for c, t, b, n in cases]
    ok = sum(e["ok"] for e in expected)
    assert ok >= len(preset_configs) + 200  # presets and generated configs are all valid
    mismatches = [
        (json.dumps(_plain(c))[:200], e, g)
        for (c, *_), e, g in zip(cases, expected, got, strict=True)
        if e != g
    ]
    assert not mismatches, mismatches[:3]


def test_bad_configs_raise_in_python_what_the_list_expects() -> None:
    """The bad configs of the parity test are refused for the reason they were written for."""
    for config, error, message in BAD_CONFIGS:
        result = python_result(config, 1, 1, 2)
        assert (result["type"], result["message"][: len(message)]) == (error, message)


def test_float_repr_matches_python_for_awkward_floats(tab: Tab) -> None:
    floats = [
        0.0,
        -0.0,
        0.5,
        1.0,
        64.0,
        1e-05,
        0.0001,
        1.5e-07,
        1e16,
        1e15,
        123456.789,
        2.5e20,
        9999999999999998.0,
        1e300,
        0.1 + 0.2,
    ]
    configs = [{"model_type": "llama", "hidden_size": f} for f in floats]
    got = tab.page.evaluate(_EVALUATE_ALL, [(json.dumps(c), 1, 1, 2) for c in configs])
    assert [g["message"] for g in got] == [python_result(c, 1, 1, 2)["message"] for c in configs]


# --------------------------------------------------------------------------- the widget


@pytest.mark.parametrize("name", ["gpt-oss-20b", "deepseek-v3", "gemma-3-27b", "gpt2"])
def test_preset_shows_python_numbers_in_data_value(tab: Tab, name: str) -> None:
    tab.page.select_option(f'{ROOT} [data-input="preset"]', name)
    tab.page.fill(f'{ROOT} [data-input="tokens"]', "32768")
    tab.page.fill(f'{ROOT} [data-input="batch"]', "3")
    tab.page.select_option(f'{ROOT} [data-input="bytes-per-element"]', "1")
    want = python_result(_plain(preset_configs[name]), 32768, 3, 1)
    assert tab.value("total") == want["total"]
    assert tab.value("active") == want["active"]
    assert tab.value("attention-per-layer") == want["attention_per_layer"]
    assert tab.value("kv-cache-bytes") == want["kv_cache_bytes"]
    assert tab.value("weights-bytes") == want["weights_bytes"]
    assert tab.value("training-total") == want["training"]["total"]
    for kind, value in want["kv_breakdown"].items():
        assert tab.value(f"kv-{kind}") == value
        assert tab.page.locator(f'{ROOT} [data-kind="{kind}"]').is_visible()
    assert tab.page.locator(f'{ROOT} [data-result="error"]').is_hidden()


def test_pasted_config_updates_and_an_error_replaces_every_result(tab: Tab) -> None:
    config = {
        "model_type": "qwen3",
        "hidden_size": 1024,
        "num_hidden_layers": 28,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "intermediate_size": 3072,
        "vocab_size": 151936,
    }
    box = tab.page.locator(f'{ROOT} [data-input="config"]')
    box.fill(json.dumps(config))
    assert tab.value("total") == python_result(config, 32768, 3, 1)["total"]
    assert tab.page.locator(f'{ROOT} [data-input="preset"]').input_value() == ""
    broken = {k: v for k, v in config.items() if k != "vocab_size"}
    box.fill(json.dumps(broken))
    assert tab.value("error") == python_result(broken, 1, 1, 2)["message"]
    assert tab.text("error").startswith("ValueError: qwen3 config is missing required key")
    for name in ("total", "active", "kv-cache-bytes", "weights-bytes", "training-total"):
        assert tab.value(name) is None and tab.text(name) == "—", name
    box.fill('{"model_type": "qwen3",')  # malformed JSON: a message, no exception
    assert tab.page.locator(f'{ROOT} [data-result="error"]').is_visible()
    assert tab.value("total") is None
    tab.page.fill(f'{ROOT} [data-input="tokens"]', "-1")
    box.fill(json.dumps(config))
    assert tab.value("error") == "num_tokens=-1 must be >= 0"
    tab.page.fill(f'{ROOT} [data-input="tokens"]', "8192")
    assert tab.value("error") is None and tab.value("total") is not None


def test_markup_in_a_config_is_shown_as_text(tab: Tab) -> None:
    markup = '<img src="x" onerror="window.__calculatorPwned = 1">'
    tab.page.fill(f'{ROOT} [data-input="config"]', json.dumps({"model_type": markup}))
    assert markup in tab.text("error")
    assert tab.page.locator(f"{ROOT} img").count() == 0
    assert tab.page.evaluate("window.__calculatorPwned") is None


def test_keyboard_alone_picks_a_preset_and_edits_the_inputs(tab: Tab) -> None:
    tab.open("en")
    preset = tab.page.locator(f'{ROOT} [data-input="preset"]')
    preset.focus()
    before = preset.input_value()
    tab.page.keyboard.press("ArrowDown")
    after = preset.input_value()
    assert after != before
    assert tab.value("total") == python_result(_plain(preset_configs[after]), 8192, 1, 2)["total"]
    tab.page.keyboard.press("Tab")  # on to the config box, then the context length
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.dataset.input") == "tokens"
    tab.page.keyboard.press("Control+A")
    tab.page.keyboard.type("100")
    assert (
        tab.value("kv-cache-bytes")
        == python_result(_plain(preset_configs[after]), 100, 1, 2)["kv_cache_bytes"]
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_both_languages_show_the_same_numbers_with_their_own_labels(tab: Tab, lang: str) -> None:
    tab.open(lang)
    assert tab.page.evaluate("document.documentElement.lang").startswith(lang)
    want = python_result(_plain(preset_configs["gpt-oss-20b"]), 8192, 1, 2)
    assert tab.page.locator(f'{ROOT} [data-input="preset"]').input_value() == "gpt-oss-20b"
    assert (tab.value("total"), tab.value("kv-cache-bytes")) == (
        want["total"],
        want["kv_cache_bytes"],
    )
    label = tab.page.locator(f"{ROOT} dt").first.text_content()
    assert label == {"zh": "总参数量", "en": "Total parameters"}[lang]


def test_fits_a_390px_phone(tab: Tab) -> None:
    tab.page.set_viewport_size({"width": 390, "height": 844})
    tab.open("zh")
    widths = tab.page.evaluate(
        f"""() => {{
        const root = document.querySelector('{ROOT}');
        return [document.documentElement.scrollWidth, root.scrollWidth, root.clientWidth];
    }}"""
    )
    tab.page.set_viewport_size({"width": 1280, "height": 800})
    assert widths[0] <= 390 and widths[1] <= widths[2], widths


@pytest.mark.parametrize(
    ("lang", "scheme"), [("zh", "default"), ("en", "slate")], ids=["zh-light", "en-dark"]
)
def test_no_serious_accessibility_violation(tab: Tab, lang: str, scheme: str) -> None:
    """axe on the widget in the light and in the dark (slate) palette of the theme."""
    tab.open(lang)
    tab.page.add_script_tag(path=str(AXE))
    # colours change at once, not mid-fade
    tab.page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    tab.page.evaluate(f"document.body.dataset.mdColorScheme = '{scheme}'")
    result = tab.page.evaluate(f"axe.run(document.querySelector('{ROOT}'))")
    tab.page.evaluate("document.body.dataset.mdColorScheme = 'default'")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)


def test_no_console_error_and_no_request_to_another_host(tab: Tab) -> None:
    tab.open("zh")
    assert not tab.errors, tab.errors
    assert tab.requests and all(r.startswith(tab.base_url) for r in tab.requests), [
        r for r in tab.requests if not r.startswith(tab.base_url)
    ]
    # tests/testcache.py reuses this file's result while these pages (and the assets) stay the same
    unlisted = testcache.unlisted_pages(Path(__file__).name, tab.requests, tab.base_url)
    assert not unlisted, unlisted
