"""Find the code fences of the documentation pages and run the ``pycon`` ones as doctests.

Rules (CONTRIBUTING.md explains them to contributors):

* A fence whose info string starts with ``pycon`` is executed: ``>>>``/``...`` lines are code, the
  lines after them are the output the page shows, compared with ELLIPSIS and NORMALIZE_WHITESPACE.
* Every block runs in a fresh namespace, so a block copied from the page runs on its own.
* A fence that looks like Python but would not be executed (info string ``python``, ``py``,
  ``python title=...``, a typo such as ``pcyon``, or any fence holding ``>>>`` prompts) is an
  error, unless the line just before it is the explicit marker ``<!-- docblock: skip REASON -->``.
  Skipped blocks are reported as skipped tests, so they are counted.
"""

from __future__ import annotations

import doctest
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

LANGUAGES = ("zh", "en")
OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`]*?)[ \t]*$")
_SKIP_MARKER = re.compile(r"^\s*<!--\s*docblock:\s*skip\b\s*(?P<reason>.*?)\s*-->\s*$")
_PAGE = re.compile(r"^(?P<stem>.+)\.(?P<lang>zh|en)\.md$")
# Info strings that name Python (or a near miss of "pycon") but are not executed.
_PYTHONISH = re.compile(r"^(py|python\d?|pycon\d?|ipython\d?|pytb|pyi|pcyon|pyocn|pycno)$", re.I)


@dataclass(frozen=True)
class Fence:
    """One fenced code block of a page."""

    path: Path  # the page
    line: int  # 1-based line of the opening fence
    lang: str  # first word of the info string ('' when there is none)
    info: str  # the whole info string
    body: str  # the content, dedented by the fence's indentation
    skip_reason: str | None  # set when the fence carries the skip marker

    @property
    def page_lang(self) -> str:
        m = _PAGE.match(self.path.name)
        return m["lang"] if m else "?"

    @property
    def id(self) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{path.as_posix()}:{self.line}"

    @property
    def executed(self) -> bool:
        return self.lang == "pycon" and self.skip_reason is None

    @property
    def looks_like_python(self) -> bool:
        return bool(_PYTHONISH.match(self.lang)) or any(
            line.lstrip().startswith(">>>") for line in self.body.splitlines()
        )


def _lang_of(info: str) -> str:
    first = info.split()[0] if info.split() else ""
    return first.lstrip("{").lstrip(".").rstrip("}")


def fences(path: Path) -> list[Fence]:
    """All fences of one Markdown page, nested ones (in admonitions, tabs) included."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Fence] = []
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = m["indent"], m["fence"], m["info"]
        close = re.compile(rf"^{re.escape(indent)}[ \t]{{0,3}}{fence[0]}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            line = lines[j]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            j += 1
        if j == len(lines):
            raise ValueError(f"{path}:{i + 1}: fence {fence}{info} is never closed")
        prev = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        marker = _SKIP_MARKER.match(prev)
        out.append(
            Fence(
                path=path,
                line=i + 1,
                lang=_lang_of(info),
                info=info,
                body="\n".join(body) + "\n",
                skip_reason=(marker["reason"] or "no reason given") if marker else None,
            )
        )
        i = j + 1
    return out


def pages() -> list[Path]:
    """Every Markdown page under docs/, in a stable order."""
    return sorted(DOCS.rglob("*.md"))


def all_fences() -> list[Fence]:
    return [f for page in pages() for f in fences(page)]


def run_block(fence: Fence) -> str | None:
    """Run one pycon fence in a fresh namespace; return the failure report, or None if it passed."""
    parser = doctest.DocTestParser()
    test = parser.get_doctest(
        fence.body,
        globs={"__name__": "__main__"},
        name=fence.id,
        filename=str(fence.path),
        lineno=fence.line,  # doctest adds the example's offset: reports name page lines
    )
    if not test.examples:
        return f"{fence.id}: pycon block without a single >>> example"
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS, verbose=False)
    try:
        runner.run(test, out=report.append, clear_globs=True)
    finally:
        test.globs.clear()
    if runner.failures:
        return "".join(report)
    return None
