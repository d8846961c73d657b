"""The rules a page pair keeps together: both languages, the same code, the same anchors, the nav.

See tools/pagerules.py for the rules of one page and the Problem each rule reports.
"""

from __future__ import annotations

import doctest
import io
import tokenize
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from docblocks import DOCS, ROOT, Fence, fences
from pagerules import Problem, heading_anchors


def pair(topic: str) -> tuple[Path, Path]:
    return DOCS / f"{topic}.zh.md", DOCS / f"{topic}.en.md"


def topics() -> list[str]:
    return sorted(
        {p.relative_to(DOCS).as_posix()[: -len(".zh.md")] for p in DOCS.rglob("*.zh.md")}
        | {p.relative_to(DOCS).as_posix()[: -len(".en.md")] for p in DOCS.rglob("*.en.md")}
    )


def strip_comments(source: str) -> str:
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


def _code(f: Fence) -> list[tuple[int, str, str]]:
    """(line, code, output) of each example; comment-only lines and examples are left out, so a
    comment may take two lines in one language and one in the other."""
    out = []
    for e in doctest.DocTestParser().get_examples(f.body):
        code = "\n".join(line for line in strip_comments(e.source).splitlines() if line.strip())
        if code or e.want:
            out.append((e.lineno, code, e.want))
    return out


def pair_problems(topic: str) -> list[Problem]:
    zh, en = pair(topic)
    missing = [p for p in (zh, en) if not p.exists()]
    if missing:
        have = zh if en in missing else en
        return [
            Problem(
                have,
                1,
                f"{have.name} has no translation: {missing[0].name} is missing",
                f"write {missing[0].relative_to(ROOT).as_posix()} with the same headings, "
                "anchors and code",
            )
        ]
    out: list[Problem] = []
    zf, ef = fences(zh), fences(en)
    if [f.lang for f in zf] != [f.lang for f in ef]:
        out.append(
            Problem(
                en,
                1,
                f"the pair has different fences: zh {[f.lang for f in zf]} "
                f"vs en {[f.lang for f in ef]}",
                "give both pages the same blocks in the same order",
            )
        )
    else:
        for a, b in zip(zf, ef, strict=True):
            if a.lang != "pycon":
                continue
            for (la, ca, wa), (lb, cb, wb) in zip(_code(a), _code(b), strict=False):
                if (ca, wa) != (cb, wb):
                    out.append(
                        Problem(
                            en,
                            b.line + lb + 1,
                            f"code differs from {zh.name}:"
                            f"{a.line + la + 1} beyond comments:\n      zh: "
                            f"{ca.strip()[:70]!r}\n      en: {cb.strip()[:70]!r}",
                            "keep the code and its output identical; translate only comments",
                        )
                    )
                    break
            if len(_code(a)) != len(_code(b)):
                out.append(
                    Problem(
                        en,
                        b.line,
                        f"block has {len(_code(b))} examples, {zh.name}:"
                        f"{a.line} has {len(_code(a))}",
                        "make the blocks identical",
                    )
                )
    za = [(n, a) for n, a, _ in heading_anchors(zh) if a]
    ea = [(n, a) for n, a, _ in heading_anchors(en) if a]
    for (nz, az), (ne, ae) in zip(za, ea, strict=False):
        if az != ae:
            out.append(
                Problem(
                    en,
                    ne,
                    f"heading anchor #{ae} where {zh.name}:{nz} has #{az}",
                    "use the same anchors in the same order in both languages",
                )
            )
            break
    if len(za) != len(ea):
        out.append(
            Problem(
                en,
                1,
                f"{len(ea)} headings with anchors, {zh.name} has {len(za)}",
                "give both languages the same headings",
            )
        )
    return out


@cache
def mkdocs_config() -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)  # !!python/name etc.
    data: dict[str, Any] = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader)
    return data


def nav_entries(nav: list[Any] | None = None) -> Iterable[tuple[str, Any]]:
    for item in mkdocs_config()["nav"] if nav is None else nav:
        for title, value in item.items():
            yield title, value
            if isinstance(value, list):
                yield from nav_entries(value)


def _line_in_mkdocs(needle: str) -> int:
    for n, line in enumerate((ROOT / "mkdocs.yml").read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    return 1


def nav_problems(topic: str | None = None) -> list[Problem]:
    """Pages missing from the nav, nav titles missing an English translation."""
    cfg = mkdocs_config()
    yml = ROOT / "mkdocs.yml"
    listed = {v for _, v in nav_entries() if isinstance(v, str)}
    not_in_nav = {ln.strip().lstrip("/") for ln in (cfg.get("not_in_nav") or "").splitlines()}
    out: list[Problem] = []
    for t in [topic] if topic else topics():
        if f"{t}.md" not in listed and f"{t}.md" not in not_in_nav:
            out.append(
                Problem(
                    pair(t)[0],
                    1,
                    f"'{t}.md' is not in the nav of mkdocs.yml",
                    f"add '- <中文标题>: {t}.md' to nav in mkdocs.yml and its English "
                    "title under nav_translations (or list it under not_in_nav)",
                )
            )
    (i18n,) = (p["i18n"] for p in cfg["plugins"] if isinstance(p, dict) and "i18n" in p)
    en = next(lang for lang in i18n["languages"] if lang["locale"] == "en")
    translations = en.get("nav_translations") or {}
    for title, value in nav_entries():
        if topic and value != f"{topic}.md":
            continue
        if title not in translations:
            out.append(
                Problem(
                    yml,
                    _line_in_mkdocs(f"{title}:"),
                    f"nav title '{title}' has no English title",
                    f"add '{title}: <English title>' under "
                    "nav_translations of the en language in mkdocs.yml",
                )
            )
    return out
