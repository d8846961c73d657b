"""Every page of both languages, loaded once in headless Chromium (tests/browser.py): only the
site's own host is asked for anything, the console stays clean, the language switcher leads to
the same page, math is typeset, and the page stays within its weight budget."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from browser import Visit, require_chromium, survey
from sitecheck import page_paths
from static_host import serve

# Budgets for the bytes one page load transfers, served gzip-compressed as GitHub Pages serves
# text (the uncompressed sizes are reported beside them).
TEXT_PAGE_BUDGET = 1_500_000  # a text chapter
NOTEBOOK_PAGE_BUDGET = 2_500_000  # a notebook page

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


def test_math_pages_exist(visits: dict[str, Visit]) -> None:
    """The math check above must have something to check."""
    assert visits["index.html"].math_total > 0 and visits["en/index.html"].math_total > 0


@pytest.mark.parametrize("path", PAGES)
def test_page_weight_is_within_budget(visits: dict[str, Visit], path: str) -> None:
    budget = NOTEBOOK_PAGE_BUDGET if "notebooks/" in path else TEXT_PAGE_BUDGET
    assert 0 < visits[path].bytes_loaded <= budget, f"{path}: {visits[path].bytes_loaded:,} bytes"


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
