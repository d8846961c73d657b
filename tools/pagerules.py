"""The rules a page pair must keep, each problem named with its file, line and the fix.

`make check PAGE=<topic>` (tools/check.py) and `make test` (tests/test_page_rules.py) both run
these, so a contributor sees the same message in both places. Source rules read the Markdown;
``site_problems`` reads the built HTML of a pair and maps what it finds back to a source line.
"""

from __future__ import annotations

import doctest
import posixpath
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from docblocks import DOCS, ROOT, fences

LANGS = ("zh", "en")
MAX_COLUMNS = 80  # what the text column shows of a code line at 1366 px; CJK counts double
MAX_DIGITS = 6  # significant digits of a printed float
_DIGITS_MARKER = re.compile(r"^\s*<!--\s*docblock:\s*digits\b\s*(?P<reason>.*?)\s*-->\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*$")
_ANCHOR = re.compile(r"\{[^}]*#(?P<id>[A-Za-z][\w-]*)[^}]*\}\s*$")
_ATTR_ID = re.compile(r"\{[^}]*#(?P<id>[A-Za-z][\w-]*)[^}]*\}")
_HTML_ID = re.compile(r"""\bid=["'](?P<id>[^"']+)["']""")
_FLOAT = re.compile(r"(?<![\w.])-?(?P<int>\d+)\.(?P<frac>\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_LINK = re.compile(r"(?P<img>!?)\[(?:[^\]\\]|\\.)*\]\((?P<url><[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    what: str
    fix: str

    def __str__(self) -> str:
        rel = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{rel.as_posix()}:{self.line}: {self.what}\n    fix: {self.fix}"


def columns(text: str) -> int:
    """Display width in a monospace font: CJK (wide) characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def significant_digits(number: str) -> int:
    """Significant digits of a float literal as printed ("0.000123" -> 3, "1.50" -> 2)."""
    mantissa = re.split(r"[eE]", number.lstrip("-"))[0]
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac.rstrip("0")).lstrip("0")
    return max(len(digits), 1)


def _prose_lines(path: Path) -> Iterable[tuple[int, str]]:
    """(line number, line) of a page outside its fences."""
    in_fence: str | None = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        s = line.strip()
        if in_fence is None and (m := re.match(r"(`{3,}|~{3,})", s)):
            in_fence = m[1]
        elif in_fence is not None and s.startswith(in_fence) and not s.strip("`~"):
            in_fence = None
        elif in_fence is None:
            yield n, line


# ---------------------------------------------------------------------------------------------
# One page


def block_problems(path: Path) -> list[Problem]:
    """Fences that would not run, lines wider than the column, floats with too many digits."""
    out: list[Problem] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for f in fences(path):
        if f.looks_like_python and f.lang != "pycon" and not f.skip_reason:
            out.append(
                Problem(
                    path,
                    f.line,
                    f"the fence ```{f.info} is never executed",
                    "write it as ```pycon with >>> prompts and the output it prints "
                    "(or put <!-- docblock: skip REASON --> on the line before)",
                )
            )
        if f.lang != "pycon":
            continue
        for i, line in enumerate(f.body.splitlines(), 1):
            if columns(line) > MAX_COLUMNS:
                out.append(
                    Problem(
                        path,
                        f.line + i,
                        f"code line is {columns(line)} columns wide "
                        f"(at most {MAX_COLUMNS}; a Chinese character counts as two)",
                        "put the comment on its own line above, or break the code",
                    )
                )
        prev = next((lines[k] for k in range(f.line - 2, -1, -1) if lines[k].strip()), "")
        if _DIGITS_MARKER.match(prev):
            continue
        for ex in doctest.DocTestParser().get_examples(f.body):
            for j, out_line in enumerate(ex.want.splitlines()):
                for m in _FLOAT.finditer(out_line):
                    if significant_digits(m[0]) > MAX_DIGITS:
                        where = f.line + ex.lineno + ex.source.count("\n") + j + 1
                        out.append(
                            Problem(
                                path,
                                where,
                                f"printed float {m[0]} has "
                                f"{significant_digits(m[0])} significant digits "
                                f"(at most {MAX_DIGITS})",
                                "print round(x, 4) or a bool from torch.allclose; if the "
                                "digits are the lesson, put <!-- docblock: digits "
                                "REASON --> on the line before the fence",
                            )
                        )
    return out


def explicit_anchors(path: Path) -> dict[str, int]:
    """Ids a page defines, with their line: heading anchors, attr_list ids, HTML ids."""
    found: dict[str, int] = {}
    for n, line in _prose_lines(path):
        for m in [*_ATTR_ID.finditer(line), *_HTML_ID.finditer(line)]:
            found.setdefault(m["id"], n)
    return found


def heading_anchors(path: Path) -> list[tuple[int, str | None, str]]:
    """(line, anchor or None, heading text) of every heading outside fences."""
    out = []
    for n, line in _prose_lines(path):
        if m := _HEADING.match(line):
            a = _ANCHOR.search(line)
            out.append((n, a["id"] if a else None, _ANCHOR.sub("", m["text"]).strip()))
    return out


def heading_problems(path: Path) -> list[Problem]:
    return [
        Problem(
            path,
            n,
            f'heading "{text}" has no explicit anchor',
            f'end it with {{ #some-id }} (the same id in both languages): "{text} {{ #id }}"',
        )
        for n, anchor, text in heading_anchors(path)
        if anchor is None
    ]


def link_problems(path: Path) -> list[Problem]:
    """Links and images to pages, anchors and files of docs/ that do not exist."""
    out: list[Problem] = []
    for n, line in _prose_lines(path):
        for m in _LINK.finditer(line):
            url = m["url"].strip("<>")
            parts = urlsplit(url)
            if parts.scheme or url.startswith(("//", "mailto:")):
                continue
            target_rel = unquote(parts.path)
            if target_rel.endswith("/"):
                continue  # a site URL (e.g. another language's page): the built-site check has it
            if not target_rel:  # "#anchor" on this page
                target = path
            else:
                base = path.parent.relative_to(DOCS).as_posix()
                resolved = posixpath.normpath(posixpath.join(base, target_rel))
                target = _source_of(resolved, path)
                if target is None:
                    kind = "image" if m["img"] else "link"
                    out.append(
                        Problem(
                            path,
                            n,
                            f"{kind} target '{url}' does not exist",
                            f"check the path: it is relative to {path.parent.name}/ "
                            "and pages are linked as 'topic.md' (no language suffix)",
                        )
                    )
                    continue
            frag = parts.fragment
            if frag and target.suffix == ".md" and frag not in explicit_anchors(target):
                out.append(
                    Problem(
                        path,
                        n,
                        f"link '{url}': {target.name} has no anchor #{frag}",
                        f"use one of the {{ #id }} anchors of {target.name}",
                    )
                )
    return out


def _source_of(resolved: str, page: Path) -> Path | None:
    """The file under docs/ a link resolves to ("heads.md" -> docs/heads.<lang>.md)."""
    lang = page.name.split(".")[-2]
    candidates = [DOCS / resolved]
    stem, dot, ext = resolved.rpartition(".")
    if dot and ext in ("md", "ipynb"):
        candidates.insert(0, DOCS / f"{stem}.{lang}.{ext}")
    return next((c for c in candidates if c.is_file()), None)


def source_problems(topic: str) -> list[Problem]:
    """Every source rule for one page pair (and its nav entry)."""
    from pairrules import nav_problems, pair, pair_problems

    out = pair_problems(topic) + nav_problems(topic)
    for page in pair(topic):
        if page.exists():
            out += block_problems(page) + heading_problems(page) + link_problems(page)
    return out
