"""Chinese and English pages are one site in two languages: same pages, same code, same anchors."""

from __future__ import annotations

import doctest
import io
import re
import tokenize
from pathlib import Path

import pytest
from docblocks import DOCS, ROOT, Fence, fences
from sitecheck import mkdocs_config, nav_entries, nav_pages

_ANCHOR = re.compile(r"\{[^}]*#(?P<id>[A-Za-z][\w-]*)[^}]*\}\s*$")
_HEADING = re.compile(r"^#{1,6}\s")


def _pairs() -> list[tuple[Path, Path]]:
    stems = {p.with_suffix("").with_suffix("") for p in DOCS.rglob("*.*.md")}
    stems |= {p.with_suffix("").with_suffix("") for p in DOCS.rglob("*.*.ipynb")}
    return sorted(
        (s.with_name(s.name + ".zh" + ext), s.with_name(s.name + ".en" + ext))
        for s in stems
        for ext in (".md", ".ipynb")
        if s.with_name(s.name + ".zh" + ext).exists() or s.with_name(s.name + ".en" + ext).exists()
    )


PAIRS = _pairs()
MD_PAIRS = [(zh, en) for zh, en in PAIRS if zh.suffix == ".md"]


def _ids(pairs: list[tuple[Path, Path]]) -> list[str]:
    return [zh.relative_to(DOCS).as_posix().replace(".zh", "") for zh, _ in pairs]


def _strip_comments(source: str) -> str:
    """Python source without comments and trailing blanks (tokenize knows what is a string)."""
    comments: dict[int, int] = {}  # line number -> column where its comment starts
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.start[1]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # not Python (e.g. a traceback): compared as it stands
    lines = source.splitlines()
    return "\n".join(
        (line[: comments[n]] if n in comments else line).rstrip() for n, line in enumerate(lines, 1)
    )


def _code_of(fence: Fence) -> list[tuple[str, str]]:
    """(code without comments, expected output) of every example of a pycon fence."""
    examples = doctest.DocTestParser().get_examples(fence.body)
    return [(_strip_comments(e.source), e.want) for e in examples]


def _anchors(path: Path) -> list[str]:
    in_fence = False
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and _HEADING.match(line) and (m := _ANCHOR.search(line)):
            out.append(m["id"])
    return out


@pytest.mark.parametrize(("zh", "en"), PAIRS, ids=_ids(PAIRS))
def test_page_exists_in_both_languages(zh: Path, en: Path) -> None:
    missing = [p.relative_to(ROOT).as_posix() for p in (zh, en) if not p.exists()]
    assert not missing, f"missing translation: {missing}"


@pytest.mark.parametrize(("zh", "en"), MD_PAIRS, ids=_ids(MD_PAIRS))
def test_code_blocks_are_identical_once_comments_are_removed(zh: Path, en: Path) -> None:
    zh_f, en_f = fences(zh), fences(en)
    assert [f.lang for f in zh_f] == [f.lang for f in en_f], "the pair has different fences"
    for a, b in zip(zh_f, en_f, strict=True):
        if a.lang == "pycon":
            assert _code_of(a) == _code_of(b), f"{a.id} and {b.id} differ beyond comments"


@pytest.mark.parametrize(("zh", "en"), MD_PAIRS, ids=_ids(MD_PAIRS))
def test_every_heading_has_an_explicit_anchor_shared_by_both(zh: Path, en: Path) -> None:
    for page in (zh, en):
        text = page.read_text(encoding="utf-8")
        headings = [ln for ln in text.splitlines() if _HEADING.match(ln)]
        in_code = sum(1 for f in fences(page) for ln in f.body.splitlines() if _HEADING.match(ln))
        assert len(_anchors(page)) == len(headings) - in_code, (
            f"{page.name}: a heading lacks {{ #id }}"
        )
    assert _anchors(zh) == _anchors(en)


def test_every_nav_entry_has_an_english_title() -> None:
    plugins = mkdocs_config()["plugins"]
    (i18n,) = (p["i18n"] for p in plugins if isinstance(p, dict) and "i18n" in p)
    en = next(lang for lang in i18n["languages"] if lang["locale"] == "en")
    translations = en.get("nav_translations", {})
    untranslated = [title for title, _ in nav_entries() if title not in translations]
    assert not untranslated, f"nav titles without an English translation: {untranslated}"


def test_every_nav_page_exists_in_both_languages() -> None:
    for target in nav_pages():
        stem, ext = target.rsplit(".", 1)
        for lang in ("zh", "en"):
            assert (DOCS / f"{stem}.{lang}.{ext}").exists(), f"nav entry {target}: no .{lang}.{ext}"


def test_strip_comments_keeps_hashes_inside_strings() -> None:
    assert _strip_comments('x = "a # b"  # comment') == 'x = "a # b"'


def test_strip_comments_handles_comments_inside_open_brackets() -> None:
    assert _strip_comments("d = {  # 配置\n    'a': 1,  # one\n}") == "d = {\n    'a': 1,\n}"
