"""The reader's interactions with a few pages in headless Chromium (tests/browser.py): the copy
button (chapters and notebooks), accessibility checked by axe-core, and the banner of a page
behind its translation. Search is in tests/test_browser_search.py."""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import testcache
from browser import THEME_STARTED, browser, new_context
from docblocks import DOCS, fences
from sitecheck import nav_pages

__all__ = ["browser"]  # the fixture, used by the tests below

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
_loaded: list[str] = []  # every page a test below opened (the last test checks them)


def _context(browser: Any, **options: Any) -> Any:
    context = new_context(browser, **options)
    context.on("request", lambda r: _loaded.append(r.url) if r.is_navigation_request() else None)
    return context


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


def test_notebook_copy_button_copies_the_cell_as_a_plain_repl_runs_it(
    browser: Any, base_url: str
) -> None:
    import json

    from hooks.copy_code import repl_code

    context = _context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(base_url + "notebooks/attention-heatmaps/", wait_until="load")
    block = page.locator(".jp-CodeCell .highlight").first
    block.hover()
    block.locator("button[data-md-type=copy]").click()
    copied = str(page.evaluate("navigator.clipboard.readText()"))
    context.close()
    notebook = json.loads((DOCS / "notebooks/attention-heatmaps.zh.ipynb").read_text("utf-8"))
    first = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    assert copied.rstrip("\n") == repl_code("".join(first["source"])).rstrip("\n")
    assert "%matplotlib" not in copied and "In [" not in copied


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


def test_a_code_block_gets_its_copy_button_as_it_comes_into_view(
    browser: Any, base_url: str
) -> None:
    """The theme mounts code blocks lazily (mkdocs.yml: content.lazy): a chapter's start does
    not build every block's buttons, and a block the reader reaches has its button."""
    context = _context(browser, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base_url + "heads/", wait_until="load")
    page.evaluate(THEME_STARTED)
    far = "(b => b.getBoundingClientRect().top > 2 * innerHeight)"
    copy_buttons = f"""() => [...document.querySelectorAll('.md-content pre')]
        .filter({far}).map(b => b.querySelectorAll('button[data-md-type=copy]').length)"""
    below = page.evaluate(copy_buttons)
    assert len(below) > 5 and not any(below), below
    block = page.locator(".md-content pre:not(details pre)").last  # not in a closed solution
    block.scroll_into_view_if_needed()
    block.locator("button[data-md-type=copy]").wait_for()
    assert block.locator("button[data-md-type=copy]").count() == 1
    context.close()


# --- accessibility --------------------------------------------------------------------------


def _first_chapter() -> str:
    return nav_pages()[1].removesuffix(".md") + "/"  # the first page after the home page


@pytest.mark.parametrize("path", ["", "en/", _first_chapter(), "en/" + _first_chapter()])
def test_no_serious_accessibility_violation(browser: object, base_url: str, path: str) -> None:
    context = _context(browser)
    page = context.new_page()
    page.goto(base_url + path, wait_until="load")
    page.evaluate(THEME_STARTED)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    context.close()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)


# --- the translation banner ----------------------------------------------------------------


def test_a_page_behind_its_translation_says_so_and_links_to_the_changed_sections(
    browser: Any, base_url: str, built_site: Path
) -> None:
    """The English chapter as the build writes it when the Chinese one changed two sections
    since the pair was last in sync (tools/hooks/translations.py), served at its address."""
    from hooks import translations

    titles = {"formula": "The formula", "summary": "Summary"}
    banner = translations.banner("en", ["formula", "summary"], titles, "../../heads/")
    built = (built_site / "en/heads/index.html").read_text(encoding="utf-8")
    built = re.sub(r'<aside class="admonition warning qkv-translation".*?</aside>', "", built)
    behind = translations.insert_banner(built, banner)
    context = _context(browser, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.route(
        base_url + "en/heads/",
        lambda route: route.fulfill(body=behind, content_type="text/html; charset=utf-8"),
    )
    page.goto(base_url + "en/heads/", wait_until="load")
    shown = page.locator('[data-translation-status="outdated"]')
    assert shown.is_visible()
    assert shown.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]
    assert "The formula" in shown.inner_text() and "Summary" in shown.inner_text()
    with page.expect_navigation():
        shown.get_by_role("link", name="The formula").click()
    assert page.url == base_url + "heads/#formula"
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("#formula").is_visible()
    context.close()


def test_only_the_pages_tests_testcache_lists_were_opened(base_url: str) -> None:
    """tests/testcache.py reuses this file's result while these pages (and the assets) stay the
    same; a test that opens another page must add it there."""
    assert _loaded
    unlisted = testcache.unlisted_pages(Path(__file__).name, _loaded, base_url)
    assert not unlisted, unlisted
