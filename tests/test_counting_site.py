"""The calculator page's build step (tools/hooks/calculator.py): the site serves qkvlib's own
counting data, byte for byte, and only the calculator page loads the calculator's script."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from hooks.calculator import DATA_DIR, DATA_FILES, calculator_assets, copy_data

PAGE = '<html><head></head><body><div data-widget="calculator"></div></body></html>'


def test_copy_data_writes_the_package_data_unchanged(tmp_path: Path) -> None:
    written = copy_data(tmp_path)
    assert [p.name for p in written] == list(DATA_FILES)
    for path in written:
        assert path.read_bytes() == files("qkvlib.counting").joinpath(path.name).read_bytes()


def test_script_and_stylesheet_paths_are_relative_to_the_page() -> None:
    zh = calculator_assets(PAGE, "calculator/")
    en = calculator_assets(PAGE, "en/calculator/")
    assert '<script type="module" src="../assets/js/calculator.js">' in zh
    assert '<link rel="stylesheet" href="../../assets/css/calculator.css">' in en


def test_pages_without_the_calculator_are_left_alone() -> None:
    page = "<html><head></head><body><p>data-widget</p></body></html>"
    assert calculator_assets(page, "heads/") == page


def test_built_site_serves_the_counting_data(built_site: Path) -> None:
    for name in DATA_FILES:
        served = (built_site / DATA_DIR / name).read_bytes()
        assert served == files("qkvlib.counting").joinpath(name).read_bytes(), name
    for page in ("calculator/index.html", "en/calculator/index.html"):
        assert "calculator.js" in (built_site / page).read_text(encoding="utf-8")
    assert "calculator.js" not in (built_site / "heads/index.html").read_text(encoding="utf-8")
