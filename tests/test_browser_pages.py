"""Every page of both languages, loaded once in headless Chromium at 1366 px (tests/browser.py):
only the site's own host is asked for anything, the console stays clean, the language switcher
leads to the same page, math is typeset, nothing is cut off or broken across lines, the search
index waits for the reader, and a first visit stays within its weight budget."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from browser import Visit, require_chromium, survey
from sitecheck import page_paths
from static_host import serve

# Budgets for the bytes a first visit (empty cache) transfers, served gzip-compressed as GitHub
# Pages serves text (the uncompressed sizes are reported beside them). Figures below the fold
# and the search index are not part of it: they load when the reader gets to them.
TEXT_PAGE_BUDGET = 200_000  # a text chapter
WIDGET_BUDGET = 150_000  # on top of it, a page's widgets (tests/test_browser_widgets.py)
NOTEBOOK_PAGE_BUDGET = 300_000  # a notebook page

PAGES = [f"{lang}{p}" for lang in ("", "en/") for p in page_paths()]


@pytest.fixture(scope="module")
def visits(base_url: str, built_site: Path) -> dict[str, Visit]:
    """Every page loaded once, four tabs at a time; the tests below read what happened."""
    require_chromium()
    return survey(base_url, built_site, PAGES)


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_only_from_the_site_itself(
    visits: dict[str, Visit], base_url: str, path: str
) -> None:
    v = visits[path]
    assert v.status == 200, f"{path}: HTTP {v.status}"
    foreign = [u for u in v.requests if not u.startswith((base_url, "data:"))]
    assert not foreign, f"{path} asked other hosts: {foreign}"
    assert not v.failed, f"{path}: failed requests {v.failed}"


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_console_errors(visits: dict[str, Visit], path: str) -> None:
    assert not visits[path].errors, visits[path].errors


@pytest.mark.parametrize("path", PAGES)
def test_language_switcher_leads_to_the_same_page(
    visits: dict[str, Visit], base_url: str, path: str
) -> None:
    v = visits[path]
    own = path.removeprefix("en/").removesuffix("index.html")
    assert v.lang == ("en" if path.startswith("en/") else "zh")
    assert v.switcher == {"zh": base_url + own, "en": base_url + "en/" + own}


@pytest.mark.parametrize("path", PAGES)
def test_math_is_typeset(visits: dict[str, Visit], path: str) -> None:
    v = visits[path]
    assert v.math_rendered == v.math_total, f"{path}: {v.math_total - v.math_rendered} formulas raw"
    assert not v.raw_math_visible, f"{path}: raw $$ or \\( left visible"


@pytest.mark.parametrize("path", PAGES)
def test_theme_starts_with_the_marks_it_would_have_set_itself(
    visits: dict[str, Visit], path: str
) -> None:
    """tools/theme/main.html sets them before the page is styled, tools/hooks/theme_script.py
    keeps the theme's script from setting them again: the end state is the theme's own."""
    layout = visits[path].layout
    assert layout["schemeTags"] == [layout["headerScheme"]] == ["light"], layout
    assert layout["rootClasses"].split() == ["js", "js-focus-visible"], layout


@pytest.mark.parametrize("path", PAGES)
def test_page_preloads_exactly_the_katex_fonts_its_formulas_use(
    visits: dict[str, Visit], path: str
) -> None:
    """tools/hooks/lean_pages.py reads them from the formulas' classes: a font used but not
    preloaded arrives after the page is styled and restyles every element; a font preloaded
    but unused is bytes for nothing."""
    fonts = visits[path].katex_fonts
    assert fonts["preloaded"] == fonts["used"], fonts


def test_math_pages_exist(visits: dict[str, Visit]) -> None:
    """The math check above must have something to check."""
    assert visits["index.html"].math_total > 0 and visits["en/index.html"].math_total > 0


@pytest.mark.parametrize("path", PAGES)
def test_page_weight_is_within_budget(visits: dict[str, Visit], path: str) -> None:
    v = visits[path]
    budget = NOTEBOOK_PAGE_BUDGET if "notebooks/" in path else TEXT_PAGE_BUDGET
    budget += WIDGET_BUDGET if v.layout["widgets"] else 0
    assert 0 < v.bytes_loaded <= budget, f"{path}: {v.bytes_loaded:,} bytes"


def test_no_page_fetches_the_search_index_before_the_reader_searches(
    visits: dict[str, Visit],
) -> None:
    eager = [path for path, v in visits.items() if v.search_index_loaded]
    assert not eager, f"fetched the search index on load: {eager}"


@pytest.mark.parametrize("path", PAGES)
def test_no_formula_is_cut_off_or_broken_at_1366_px(visits: dict[str, Visit], path: str) -> None:
    layout = visits[path].layout
    assert not layout["displayOverflow"], (
        f"{path}: wider than the column: {layout['displayOverflow']}"
    )
    assert not layout["inlineBroken"], f"{path}: broken across lines: {layout['inlineBroken']}"
    assert not layout["pageOverflow"], f"{path}: the page scrolls sideways"


@pytest.mark.parametrize("path", PAGES)
def test_code_lines_fit_the_column_at_1366_px(visits: dict[str, Visit], path: str) -> None:
    """What the 80-character rule for pycon lines is for: no code line is cut off."""
    cut = visits[path].layout["codeOverflow"]
    assert not cut, f"{path}: code wider than the column, longest lines: {cut}"


@pytest.mark.parametrize("path", PAGES)
def test_identifiers_in_tables_are_not_broken(visits: dict[str, Visit], path: str) -> None:
    broken = visits[path].layout["tableCodeBroken"]
    assert not broken, f"{path}: identifiers broken across lines in a table: {broken}"


def test_text_font_admonition_size_and_link_underlines(
    visits: dict[str, Visit],
) -> None:
    for path, v in visits.items():
        assert v.layout["bodyFont"].startswith("-apple-system"), (path, v.layout["bodyFont"])
        if v.layout["admonitionPx"] is not None:
            assert v.layout["admonitionPx"] == v.layout["bodyPx"], path
        assert set(v.layout["linkUnderline"]) <= {"under"}, (path, v.layout["linkUnderline"])


def test_the_five_heaviest_pages_are_reported(
    visits: dict[str, Visit], record_property: Callable[[str, object], None]
) -> None:
    heaviest = sorted(visits.items(), key=lambda kv: kv[1].bytes_loaded, reverse=True)[:5]
    assert len(heaviest) == 5
    for path, v in heaviest:
        record_property(
            "summary:heaviest pages (bytes a page load transfers, gzip / uncompressed)",
            f"{v.bytes_loaded:>10,} / {v.bytes_uncompressed:>10,}  {path}",
        )


def test_offline_archive_works_with_no_network(built_site: Path, tmp_path: Path) -> None:
    import zipfile

    require_chromium()
    with zipfile.ZipFile(built_site / "qkv-explained-offline.zip") as zf:
        zf.extractall(tmp_path)
    server, url = serve(tmp_path / "qkv-explained")
    try:
        pages = ["index.html", "en/index.html", PAGES[1]]
        for path, v in survey(url, tmp_path / "qkv-explained", pages).items():
            assert v.status == 200, f"{path}: HTTP {v.status}"
            assert all(u.startswith(url) for u in v.requests), v.requests
            assert not v.failed and not v.errors, (v.failed, v.errors)
            assert v.math_rendered == v.math_total
    finally:
        server.shutdown()


# --- the same pages on a phone (390 px), and in the dark palette ------------------------------

MIN_TEXT_PX = 11  # the smallest text a diagram may show


@pytest.mark.parametrize("path", PAGES)
def test_nothing_makes_the_page_scroll_sideways_on_a_phone(
    visits: dict[str, Visit], path: str
) -> None:
    assert not visits[path].phone["pageOverflow"], f"{path}: the whole page scrolls sideways"


@pytest.mark.parametrize("path", PAGES)
def test_wide_formulas_scroll_with_a_visible_cue_on_a_phone(
    visits: dict[str, Visit], path: str
) -> None:
    assert not visits[path].phone["formulasWithoutCue"], path


def test_some_formulas_are_wide_enough_to_scroll_on_a_phone(visits: dict[str, Visit]) -> None:
    """The cue check above must have something to check."""
    assert sum(v.phone["wideFormulas"] for v in visits.values()) > 0


@pytest.mark.parametrize("path", PAGES)
def test_diagrams_are_readable_on_a_phone_in_either_palette(
    visits: dict[str, Visit], path: str
) -> None:
    v = visits[path]
    for scheme, found in (("light", v.phone), ("dark", v.phone_dark)):
        diagrams = found.get("diagrams", [])
        shown = [d for d in diagrams if d["shown"]]
        assert len(shown) * 2 == len(diagrams), f"{path}: one of each light/dark pair shows"
        for d in shown:
            assert f"qkv-diagram--{scheme}" in d["scheme"], (path, d["src"])
            assert d["src"].endswith(".dark.svg") == (scheme == "dark"), (path, d["src"])
            px = d["minTextPx"]
            assert px >= MIN_TEXT_PX - 0.5, f"{path} ({scheme}): {d['src']} text at {px:.1f} px"
            # the whole diagram at once: a drawing for the phone's column, or one that fits it
            assert not d["scrolls"], f"{path} ({scheme}): {d['src']} scrolls sideways"


def test_diagrams_are_checked_and_the_wide_ones_are_drawn_again_for_a_phone(
    visits: dict[str, Visit],
) -> None:
    shown = [d for v in visits.values() for d in v.phone["diagrams"] if d["shown"]]
    assert len(shown) >= 10
    wide = {d["src"].rsplit("/", 1)[1] for d in shown if ".narrow" in d["src"]}
    assert len(wide) >= 8, wide  # the home flow, heads-split, variants-gqa ... (docs/assets)


@pytest.mark.parametrize("path", [p for p in PAGES if "notebooks/" in p])
def test_notebook_cells_use_the_whole_width_of_a_phone(visits: dict[str, Visit], path: str) -> None:
    phone = visits[path].phone
    assert phone["prompts"] == 0, "the prompt column takes room on a phone"
    assert phone["cellWidths"] and min(phone["cellWidths"]) >= 0.9 * phone["columnWidth"]


@pytest.mark.parametrize("path", ["glossary/index.html", "en/glossary/index.html"])
def test_the_glossary_is_a_column_of_labelled_cards_on_a_phone(
    visits: dict[str, Visit], path: str
) -> None:
    cards = visits[path].phone["cards"]
    assert cards, "the glossary's tables are not laid out as cards"
    for cell in cards:
        assert cell["label"] not in ("none", '""'), cell
        assert cell["px"] >= 14 and cell["right"] <= 390, cell
