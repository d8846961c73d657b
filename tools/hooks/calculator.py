"""The model calculator's data and assets (page `calculator`; DESIGN.md, "Counting today's models").

* ``on_post_build`` copies qkvlib's own ``families.json`` (how each model family's config.json is
  read) and ``presets.json`` into the site, under ``assets/data/calculator/``, byte for byte: the
  browser calculator reads exactly the data the Python counter reads.
* ``on_post_page`` gives a page holding the calculator (``data-widget="calculator"``) its script
  and stylesheet, with paths relative to the page, so other pages load neither.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from mkdocs.utils import get_relative_url

DATA_DIR = "assets/data/calculator"  # inside the site
DATA_FILES = ("families.json", "presets.json")  # package data of qkvlib.counting
MARKER = 'data-widget="calculator"'


def _package_dir() -> Path:
    """qkvlib.counting's folder, found without importing qkvlib (which imports torch, a second
    and a half of every build that the cached widget data otherwise spares)."""
    spec = find_spec("qkvlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("qkvlib is not installed: run `make build`")
    return Path(next(iter(spec.submodule_search_locations))) / "counting"


def copy_data(site_dir: Path) -> list[Path]:
    """Copy the counter's data files into ``site_dir``; the paths written."""
    out = site_dir / DATA_DIR
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DATA_FILES:
        target = out / name
        target.write_bytes((_package_dir() / name).read_bytes())
        written.append(target)
    return written


def calculator_assets(html: str, page_url: str) -> str:
    """Add the calculator's stylesheet and module script to a page that holds it."""
    if MARKER not in html:
        return html
    css = get_relative_url("assets/css/calculator.css", page_url)
    js = get_relative_url("assets/js/calculator.js", page_url)
    html = html.replace("</head>", f'<link rel="stylesheet" href="{css}">\n</head>', 1)
    return html.replace("</body>", f'<script type="module" src="{js}"></script>\n</body>', 1)


def on_post_page(output: str, page: Any, config: Any) -> str:
    return calculator_assets(output, page.url)


def on_post_build(config: Any) -> None:
    copy_data(Path(config["site_dir"]))
