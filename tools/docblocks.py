"""Find the code fences of the documentation pages and run the ``pycon`` ones as doctests.

Rules (CONTRIBUTING.md explains them to contributors):

* A fence whose info string starts with ``pycon`` is executed: ``>>>``/``...`` lines are code, the
  lines after them are the output the page shows, compared with ELLIPSIS and NORMALIZE_WHITESPACE.
* Every block runs in a fresh namespace, so a block copied from the page runs on its own.
* Every ``round(x, n)`` a block calls is audited: nudging ``x`` by a relative 1e-5 (far more than
  another BLAS, CPU kernel or thread count changes a result) must not change what it prints, so
  the page shows the same digits on every machine. A value too close to its rounding boundary
  fails the block, naming the line; print fewer digits there.
* Passing results are cached, keyed on the block and everything it depends on
  (tools/results_cache.py); ``python tools/docblocks.py --all`` runs every block in one process
  under the current CPU kernel and thread settings, which is how the tests run them a second time
  under another setting (``other_setting()``).
* A fence that looks like Python but would not be executed (info string ``python``, ``py``,
  ``python title=...``, a typo such as ``pcyon``, or any fence holding ``>>>`` prompts) is an
  error, unless the line just before it is the explicit marker ``<!-- docblock: skip REASON -->``.
  Skipped blocks are reported as skipped tests, so they are counted.
"""

from __future__ import annotations

import builtins
import doctest
import json
import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import results_cache

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


# ---------------------------------------------------------------------------------------------
# Running blocks

#: A printed rounded float must keep its digits when nudged by this much (relative, plus an
#: absolute floor for values near zero, whose sign must not flip either: a tiny negative value
#: prints -0.0 where another machine prints 0.0). An exact +0.0 is left alone.
ROUND_NUDGE = 1e-5
ROUND_FLOOR = 1e-9


@dataclass
class RoundAudit:
    """Replaces ``round`` in a block's builtins and records every rounding too close to call."""

    thin: list[str] = field(default_factory=list)
    smallest_margin: float = math.inf  # relative distance of a rounded value to its boundary
    example: doctest.Example | None = None

    def __call__(self, number: Any, ndigits: int | None = None) -> Any:
        result = builtins.round(number, ndigits)
        if not isinstance(number, float) or not math.isfinite(number):
            return result
        if number == 0.0 and math.copysign(1.0, number) > 0:
            return result  # an exact +0.0 comes from exact arithmetic (integers, x - x)
        digits = ndigits or 0
        nudge = abs(number) * ROUND_NUDGE + ROUND_FLOOR
        flips = {repr(builtins.round(number + s * nudge, ndigits)) for s in (-1, 1)}
        if number != 0:
            scaled = abs(number) * 10.0**digits
            to_boundary = abs(scaled - math.floor(scaled) - 0.5) / 10.0**digits
            self.smallest_margin = min(self.smallest_margin, to_boundary / abs(number))
        if flips != {repr(result)}:
            where = self.example.lineno + 1 if self.example else 0
            self.thin.append(
                f"round({number!r}, {ndigits}) prints {result!r}, but a relative change of "
                f"{ROUND_NUDGE:g} prints {' or '.join(sorted(flips - {repr(result)}))}: another "
                f"CPU may print that (example at block line {where}). Print fewer digits."
            )
        return result


class _Runner(doctest.DocTestRunner):
    def __init__(self, audit: RoundAudit) -> None:
        super().__init__(optionflags=OPTIONFLAGS, verbose=False)
        self.audit = audit

    def report_start(self, out: Any, test: doctest.DocTest, example: doctest.Example) -> None:
        self.audit.example = example  # called before every example, whatever the verbosity


def current_setting() -> str:
    """The CPU kernel and thread count torch runs with here, e.g. ``AVX512, 2 threads``."""
    import torch

    return f"{torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads"


def other_setting() -> dict[str, str]:
    """Environment for a second run under another CPU kernel and thread count than now.

    torch picks its vectorised kernels from ATEN_CPU_CAPABILITY (read at import) and its threads
    from OMP_NUM_THREADS; the plain "default" kernels and one thread differ from what a normal
    run uses on any machine with AVX2 and two or more cores.
    """
    import torch

    threads = "1" if torch.get_num_threads() != 1 else "3"
    kernel = "default" if torch.backends.cpu.get_cpu_capability() != "DEFAULT" else "avx2"
    return {"ATEN_CPU_CAPABILITY": kernel, "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads}


@dataclass
class BlockResult:
    failure: str | None  # the report, or None when it passed
    smallest_margin: float  # of the rounded floats it printed (inf when none)
    cached: bool


def run_block(fence: Fence, setting: str | None = None) -> BlockResult:
    """Run one pycon fence in a fresh namespace (or reuse a cached pass of the very same inputs)."""
    setting = setting or current_setting()
    k = results_cache.key("docblock", fence.body, setting)
    if (hit := results_cache.get(k)) is not None:
        return BlockResult(None, hit["smallest_margin"], cached=True)
    parser = doctest.DocTestParser()
    audit = RoundAudit()
    globs = {"__name__": "__main__", "__builtins__": {**vars(builtins), "round": audit}}
    test = parser.get_doctest(
        fence.body,
        globs=globs,
        name=fence.id,
        filename=str(fence.path),
        lineno=fence.line,  # doctest adds the example's offset: reports name page lines
    )
    if not test.examples:
        return BlockResult(f"{fence.id}: pycon block without a single >>> example", math.inf, False)
    report: list[str] = []
    runner = _Runner(audit)
    try:
        runner.run(test, out=report.append, clear_globs=True)
    finally:
        test.globs.clear()
    if runner.failures:
        return BlockResult("".join(report), audit.smallest_margin, False)
    if audit.thin:
        lines = "\n".join(f"  {t}" for t in audit.thin)
        return BlockResult(
            f"{fence.id}: a printed float sits on its rounding boundary:\n{lines}",
            audit.smallest_margin,
            False,
        )
    results_cache.put(k, {"smallest_margin": audit.smallest_margin})
    return BlockResult(None, audit.smallest_margin, cached=False)


def run_all_elsewhere(env: dict[str, str]) -> dict[str, Any]:
    """Run every executed block in a new process with ``env`` added (see ``other_setting``).

    A run in which every block passed is stored under all the blocks' code and ``env``: while
    neither changes (an edit of a page's prose, say), no process is started again just to find
    each block in the cache (its import of torch alone takes a few seconds)."""
    code = "\0".join(f.body for f in all_fences() if f.executed)
    k = results_cache.key("docblocks-elsewhere", code, json.dumps(env, sort_keys=True))
    if (hit := results_cache.get(k)) is not None:
        return {**hit, "cached": hit["blocks"]}
    proc = subprocess.run(
        [sys.executable, __file__, "--all"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"the block runner crashed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    if not result["failures"]:
        results_cache.put(k, result)
    return result


def _main(argv: list[str]) -> int:
    if argv != ["--all"]:
        print("usage: python tools/docblocks.py --all", file=sys.stderr)
        return 2
    import warnings

    warnings.simplefilter("ignore")  # a block's warnings are not part of what it prints
    setting = current_setting()
    results = {f.id: run_block(f, setting) for f in all_fences() if f.executed}
    out = {
        "setting": setting,
        "failures": {i: r.failure for i, r in results.items() if r.failure},
        "blocks": len(results),
        "cached": sum(r.cached for r in results.values()),
    }
    json.dump(out, sys.stdout, ensure_ascii=False)
    return 1 if out["failures"] else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
