"""The page rules of tools/pagerules.py and tools/pairrules.py, on every page pair and on mistakes.

`make check PAGE=<topic>` runs the same rules; the tests below also prove that each rule catches
the mistake it is for, with a message naming the file, the line and the fix.
"""

from __future__ import annotations

from pathlib import Path

import pagerules
import pairrules
import pytest
from pagerules import Problem, columns, significant_digits, source_problems

TOPICS = pairrules.topics()


@pytest.mark.parametrize("topic", TOPICS)
def test_page_pair_keeps_every_rule(topic: str) -> None:
    problems = source_problems(topic)
    assert not problems, "\n" + "\n".join(str(p) for p in problems)


def test_every_nav_title_is_translated_and_every_page_is_in_the_nav() -> None:
    problems = pairrules.nav_problems()
    assert not problems, "\n" + "\n".join(str(p) for p in problems)


def test_columns_count_chinese_characters_twice() -> None:
    assert columns(">>> x  # 注释") == 13
    assert columns("abc") == 3


@pytest.mark.parametrize(
    ("number", "digits"),
    [("0.1234567891234", 13), ("0.000123", 3), ("1.50", 2), ("100.0", 3), ("-2.5e-07", 2)],
)
def test_significant_digits(number: str, digits: int) -> None:
    assert significant_digits(number) == digits


def _page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    monkeypatch.setattr(pagerules, "DOCS", tmp_path)
    page = tmp_path / "t.en.md"
    page.write_text(text, encoding="utf-8")
    (tmp_path / "other.en.md").write_text("# Other { #other }\n\n## Part { #part }\n")
    return page


def _one(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_python_fence_is_named_with_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    page = _page(tmp_path, monkeypatch, "# T { #t }\n\n```python\nx = 1\n```\n")
    p = _one(pagerules.block_problems(page))
    assert p.line == 3 and "```pycon" in p.fix


def test_unrounded_float_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(tmp_path, monkeypatch, "```pycon\n>>> 1 / 3\n0.3333333333333333\n```\n")
    p = _one(pagerules.block_problems(page))
    assert p.line == 3 and "16 significant digits" in p.what and "round(" in p.fix


def test_digits_marker_allows_long_floats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    text = (
        "<!-- docblock: digits float32 eps is the lesson -->\n```pycon\n>>> 1 / 3\n0.3333333\n```\n"
    )
    assert not pagerules.block_problems(_page(tmp_path, monkeypatch, text))


def test_wide_line_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(tmp_path, monkeypatch, f"```pycon\n>>> x = 1  # {'注' * 40}\n```\n")
    p = _one(pagerules.block_problems(page))
    assert p.line == 2 and "93 columns" in p.what


def test_heading_without_anchor_is_named_by_its_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(tmp_path, monkeypatch, "# T { #t }\n\ntext\n\n## Why scale\n")
    p = _one(pagerules.heading_problems(page))
    assert p.line == 5 and '"Why scale"' in p.what and "{ #" in p.fix


def test_broken_anchor_and_missing_image_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "# T { #t }\n\nSee [x](other.md#part) and [y](other.md#nope).\n\n![d](assets/d.svg)\n"
    page = _page(tmp_path, monkeypatch, text)
    problems = pagerules.link_problems(page)
    assert [(p.line, "#nope" in p.what or "assets/d.svg" in p.what) for p in problems] == [
        (3, True),
        (5, True),
    ]
