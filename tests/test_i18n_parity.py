"""Chinese and English pages are one site in two languages: same pages, same code, same anchors.

The rules themselves live in tools/pairrules.py (run per page pair by tests/test_page_rules.py
and by `make check PAGE=<topic>`); here: notebooks come in pairs, the nav names only pairs, and
the comment stripper the code comparison relies on.
"""

from __future__ import annotations

import pytest
from docblocks import DOCS, ROOT
from pairrules import nav_entries, strip_comments

NOTEBOOK_STEMS = sorted({p.name.split(".")[0] for p in DOCS.rglob("*.ipynb")})


@pytest.mark.parametrize("stem", NOTEBOOK_STEMS)
def test_notebook_exists_in_both_languages(stem: str) -> None:
    missing = [
        f"docs/notebooks/{stem}.{lang}.ipynb"
        for lang in ("zh", "en")
        if not (DOCS / "notebooks" / f"{stem}.{lang}.ipynb").exists()
    ]
    assert not missing, f"missing translation: {missing}"


def test_every_nav_page_exists_in_both_languages() -> None:
    for _, target in nav_entries():
        if not isinstance(target, str):
            continue
        stem, ext = target.rsplit(".", 1)
        for lang in ("zh", "en"):
            path = DOCS / f"{stem}.{lang}.{ext}"
            assert path.exists(), f"mkdocs.yml nav names {target}: write {path.relative_to(ROOT)}"


def test_strip_comments_keeps_hashes_inside_strings() -> None:
    assert strip_comments('x = "a # b"  # comment') == 'x = "a # b"'


def test_strip_comments_handles_comments_inside_open_brackets() -> None:
    assert strip_comments("d = {  # 配置\n    'a': 1,  # one\n}") == "d = {\n    'a': 1,\n}"
