"""The reader's interactions in headless Chromium (tests/browser.py): search in both languages,
the copy button, and accessibility checked by axe-core."""

from __future__ import annotations

import doctest
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import CHROMIUM, FLAGS, TIMEOUT_MS, require_chromium
from docblocks import DOCS, fences
from sitecheck import nav_pages

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


def _context(browser: Any, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


# --- search ---------------------------------------------------------------------------------


SEARCHES = {"": ["点积", "多头注意力", "Transformer"], "en/": ["softmax", "head"]}


def _search_all(browser: Any, url: str, queries: list[str]) -> dict[str, list[str]]:
    """Type each query into the search box of one page; the result links found for each."""
    context = _context(browser)
    page = context.new_page()
    # type only once the search worker has its index, as a reader who waits a moment would
    with page.expect_event("requestfinished", lambda r: r.url.endswith("search_index.json")):
        page.goto(url, wait_until="load")
    box = page.locator("input[data-md-component=search-query]")
    results = page.locator(".md-search-result__item")
    found: dict[str, list[str]] = {}
    for query in queries:
        # start from an empty result list, so the results below belong to this query
        box.fill("")
        box.press("End")
        page.wait_for_function("!document.querySelector('.md-search-result__item')")
        box.press_sequentially(query)
        # Playwright enters CJK characters as committed text, without the key-up that a
        # keyboard or an input method sends and that the theme's search box listens for.
        box.press("End")
        try:
            results.first.wait_for()
            found[query] = results.locator("a").evaluate_all("els => els.map(a => a.href)")
        except Exception:  # noqa: BLE001  (a timeout means no result; the assertion says so)
            found[query] = []
    context.close()
    return found


@pytest.mark.parametrize(("site", "queries"), SEARCHES.items(), ids=["zh", "en"])
def test_search_finds_every_query(
    browser: Any, base_url: str, site: str, queries: list[str]
) -> None:
    found = _search_all(browser, base_url + site, queries)
    empty = [q for q in queries if not found[q]]
    assert not empty, f"searching {empty} on /{site} found nothing"


# --- copy button ----------------------------------------------------------------------------


def _copy_first_block(browser: Any, url: str) -> str:
    context = _context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(url, wait_until="load")
    block = page.locator(".language-pycon.highlight").first
    block.hover()
    block.locator("button[data-md-type=copy]").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    context.close()
    return str(copied)


def test_copy_button_copies_code_that_prints_what_the_page_shows(
    browser: Any, base_url: str
) -> None:
    copied = {
        lang: _copy_first_block(browser, base_url + site)
        for lang, site in (("zh", ""), ("en", "en/"))
    }
    fence = next(f for f in fences(DOCS / "index.zh.md") if f.executed)
    examples = doctest.DocTestParser().get_examples(fence.body)
    # The two pages hold the same code (comments differ), so both buttons give runnable code.
    for lang, text in copied.items():
        assert ">>>" not in text, lang
        code = [ln.split("#")[0].rstrip() for ln in text.splitlines() if ln]
        assert code == [
            ln.split("#")[0].rstrip() for e in examples for ln in e.source.splitlines()
        ], f"{lang}: the clipboard must hold the block's code, line for line, and nothing else"
    # Pasted into an interactive Python, the copied code prints what the page shows.
    run = subprocess.run(
        [sys.executable, "-i", "-q"],
        input=copied["en"] + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout == "".join(e.want for e in examples), run.stderr


# --- accessibility --------------------------------------------------------------------------


def _first_chapter() -> str:
    return nav_pages()[1].removesuffix(".md") + "/"  # the first page after the home page


@pytest.mark.parametrize("path", ["", "en/", _first_chapter(), "en/" + _first_chapter()])
def test_no_serious_accessibility_violation(browser: object, base_url: str, path: str) -> None:
    context = _context(browser)
    page = context.new_page()
    page.goto(base_url + path, wait_until="load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    context.close()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)
