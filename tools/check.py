"""Check one page pair, or every page, the way `make test` will, in seconds.

    make check PAGE=heads        # docs/heads.zh.md + docs/heads.en.md
    make check                   # every page (no browser, no notebooks)

Runs, for the pair: the source rules (tools/pagerules.py, tools/pairrules.py: fences, line width,
printed digits, anchors, links, images, nav and nav titles), every doc block of both pages (cached
when nothing changed, tools/results_cache.py), the strict build of the whole site (in the
background meanwhile), and the built-site check of the pair's pages (tools/sitelinks.py). Prints
each problem with its file, line and fix, and ends with one line: PASS, or what to fix first.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docblocks import DOCS, ROOT, fences, run_block  # noqa: E402
from pagerules import Problem, source_problems  # noqa: E402
from pairrules import nav_problems, pair, topics  # noqa: E402

SITE = ROOT / ".cache" / "check-site"
_WARNING = re.compile(r"^(WARNING|ERROR)\s+-\s+(?P<msg>.*)$")
_DOC_FILE = re.compile(r"Doc file '(?P<file>[^']+)'.*?(?:link|image) '(?P<url>[^']+)'")


def build_problems(output: str) -> list[Problem]:
    """The strict build's warnings as problems, with the source line where one can be found."""
    out = []
    for line in output.splitlines():
        if not (m := _WARNING.match(line)):
            continue
        msg = m["msg"].strip()
        d = _DOC_FILE.search(msg)
        if d and (DOCS / d["file"]).exists():
            source = DOCS / d["file"]
            lines = source.read_text(encoding="utf-8").splitlines()
            n = next((i for i, text in enumerate(lines, 1) if d["url"] in text), 1)
            out.append(Problem(source, n, msg, "correct the link, or add the missing file"))
        else:
            out.append(
                Problem(
                    ROOT / "mkdocs.yml",
                    1,
                    f"strict build: {msg}",
                    "a warning fails the build; fix what it names",
                )
            )
    return out


def rules_only() -> int:
    """Only the source rules, for every page pair: what `make test` prints first."""
    problems = [p for t in topics() for p in source_problems(t)]
    problems += [p for p in nav_problems() if p not in problems]
    for p in problems:
        print(p)
    if problems:
        print(
            f"\nFAIL page rules: {len(problems)} problem(s); `make check PAGE=<topic>` checks "
            "one pair with its blocks and links"
        )
        return 1
    print(f"PASS page rules: {len(topics())} page pairs")
    return 0


def main(argv: list[str]) -> int:
    if argv == ["--rules"]:
        return rules_only()
    start = time.perf_counter()
    topic = argv[0].removesuffix(".md").removeprefix("docs/") if argv and argv[0] else None
    for suffix in (".zh", ".en"):
        topic = topic.removesuffix(suffix) if topic else topic
    if topic and not any(p.exists() for p in pair(topic)):
        print(f"no page pair docs/{topic}.zh.md / docs/{topic}.en.md; pages: {', '.join(topics())}")
        return 2
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "build_site.py"), str(SITE)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    chosen = [topic] if topic else topics()
    problems: list[Problem] = []
    for t in chosen:
        problems += source_problems(t)
    if not topic:
        problems += [p for p in nav_problems() if p not in problems]
    sources = [p for t in chosen for p in pair(t) if p.exists()]
    blocks = [f for page in sources for f in fences(page) if f.executed]
    failed = 0
    for f in blocks:
        result = run_block(f)
        if result.failure:
            failed += 1
            problems.append(
                Problem(
                    f.path,
                    f.line,
                    "doc block failed:\n" + _indent(result.failure),
                    "make the code print exactly what the block shows",
                )
            )
    output, _ = build.communicate()
    from_build = build_problems(output)
    if topic:  # the pair's own warnings in full; the rest of the site's in one line
        others = [p for p in from_build if p.path.suffix == ".md" and p.path not in sources]
        from_build = [p for p in from_build if p not in others]
        if others:
            from_build.append(
                Problem(
                    others[0].path,
                    others[0].line,
                    f"the strict build also "
                    f"fails on {len(others)} warning(s) of other pages, e.g. "
                    f"{others[0].what}",
                    "run `make check` for the whole list",
                )
            )
    seen = {(p.path, p.line) for p in problems} | {p.what for p in problems}
    for p in from_build:  # a warning the source rules named already, or a repeated one, once
        if (p.path, p.line) not in seen and p.what not in seen:
            problems.append(p)
            seen |= {(p.path, p.line), p.what}
    if build.returncode == 0:
        from sitelinks import page_problems

        built = sources if topic else sorted(DOCS.rglob("*.md"))
        for source in built:
            problems += page_problems(SITE, source)
    elif not any("strict build" in p.what or p.path.suffix == ".md" for p in problems):
        problems.append(
            Problem(
                ROOT / "mkdocs.yml",
                1,
                "the strict build failed:\n" + _indent(output[-3000:]),
                "fix what the build output names",
            )
        )
    what = f"docs/{topic}.{{zh,en}}.md" if topic else f"all {len(chosen)} page pairs"
    seconds = time.perf_counter() - start
    for p in problems:
        print(p)
    if problems:
        first = problems[0]
        where = f"{first.path.relative_to(ROOT).as_posix()}:{first.line}"
        print(
            f"\nFAIL {what}: {len(problems)} problem(s) in {seconds:.1f} s; first: {where}: "
            f"{first.what.splitlines()[0]} -> {first.fix}"
        )
        return 1
    print(
        f"PASS {what}: rules, {len(blocks)} doc blocks ({failed} failed), strict build and "
        f"built-site links in {seconds:.1f} s"
    )
    return 0


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.rstrip().splitlines())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
