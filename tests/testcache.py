"""Reuse a test file's result when none of its inputs changed (a pytest plugin, see conftest).

A test file whose every test passed is recorded in .cache/results/ under a key made of the file
itself, the shared test helpers, and what it reads:

* the library tests (LIBRARY): qkvlib and the pinned versions;
* the tests of the hooks, plots and widget data (TOOLING): also tools/, docs/assets/, the
  settings;
* the browser test files that load a few pages of the built site (BUILT_PAGES): also tools/,
  the browser binary, the settings (CI, QKV_CHROMIUM, the CPU kernel), those pages' HTML and the
  assets any page loads (browser.served_digest), read once `make test`'s build is done;
* the doc blocks (FENCES): also every fence of every page (not the prose around them), the
  block runner, the settings and this machine's CPU;
* every other file: also docs/, tools/, mkdocs.yml, the browser binary and the settings.

On the next run a file with the same key is not run again, nor even imported (a BUILT_PAGES
file is imported and deselected, as its key waits for the build); the summary names the files
reused. Any change to an input, a failure, a skip (no Chromium, say) or a partial run (-k, -m,
node ids) means the file runs in full. Doc blocks and notebooks also keep a finer cache (per
block, per notebook): a doc-block file that runs finds each unchanged block there.
QKV_NO_CACHE=1 runs everything.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"
sys.path.insert(0, str(TOOLS))
import results_cache  # noqa: E402

ROOT = results_cache.ROOT
TESTS = ROOT / "tests"
OWN_CACHE = {"test_notebooks.py"}  # notebooks keep a cache of their own, per notebook
# The doc blocks (also cached block by block): reused as a whole while no fence of any page changed.
FENCES = {"test_doc_blocks.py", "test_doc_blocks_elsewhere.py"}
# Files that read only qkvlib (and transformers/torch at the pinned versions).
LIBRARY = {
    "test_attention.py", "test_convert.py", "test_counting.py", "test_counting_modern.py",
    "test_counting_transformers.py", "test_errors.py", "test_heads.py", "test_kv_cache.py",
    "test_masks.py", "test_mha.py", "test_mha_options.py", "test_mla.py",
    "test_mla_transformers.py", "test_online_softmax.py", "test_position_transformers.py",
    "test_properties.py", "test_rope.py", "test_sinks.py", "test_softmax.py",
}  # fmt: skip
# Files that read qkvlib, tools/ and the assets under docs/assets/ (KaTeX's fonts), but no page:
# an edit of a page leaves them reused.
TOOLING = {"test_hooks.py", "test_viz.py", "test_widget_data.py"}
# Browser test files that load only these pages of the built site (and the assets every page
# loads): an edit elsewhere leaves them reused. Each file checks that it loaded no other page.
BUILT_PAGES = {
    "test_browser_widgets.py": ("heads/", "scores-and-scaling/", "softmax-and-masks/"),
    "test_browser_calculator.py": ("calculator/",),
    "test_browser.py": ("", "intuition/", "heads/", "notebooks/attention-heatmaps/"),
}
SETTINGS = ("CI", "QKV_CHROMIUM", "ATEN_CPU_CAPABILITY", "OMP_NUM_THREADS", "MPLCONFIGDIR")

_outcomes: defaultdict[str, set[str]] = defaultdict(set)
_reused: list[int] = []


def _files(*names: str) -> list[Path]:
    out: list[Path] = []
    for name in names:
        top = ROOT / name
        if top.is_file():
            out.append(top)
        else:
            out += [
                p
                for p in sorted(top.rglob("*"))
                if p.is_file() and not {"node_modules", "__pycache__"} & set(p.parts)
            ]
    return out


def pages_of(module: str) -> set[str]:
    """The site paths ("heads/", "en/heads/") a BUILT_PAGES test file may load."""
    return {lang + page for page in BUILT_PAGES[module] for lang in ("", "en/")}


def unlisted_pages(module: str, urls: Iterable[str], base_url: str) -> set[str]:
    """The pages among ``urls`` (what a BUILT_PAGES test file requested from the site served at
    ``base_url``) that BUILT_PAGES does not list for it: each such file asserts there are none."""
    paths = {u.removeprefix(base_url).split("#")[0] for u in urls}
    return {p for p in paths if p == "" or p.endswith(("/", ".html"))} - pages_of(module)


@cache
def _built(module: str) -> str | None:
    """What a BUILT_PAGES file loads of the site `make test` built, or None (no reuse) when
    there is no such build or it failed."""
    from browser import served_digest
    from sitecheck import wait_for_build

    if not results_cache.CACHE.is_dir():
        return None  # nothing stored yet (a fresh clone, CI): no reason to wait for the build
    site = wait_for_build()
    if site is None:
        return None
    h = hashlib.sha256(served_digest(site).encode())
    for page in sorted(pages_of(module)):
        h.update(page.encode() + b"\0" + (site / page / "index.html").read_bytes())
    return h.hexdigest()


@cache
def _digest(group: str) -> str:
    h = hashlib.sha256(sys.version.encode())
    if group != "library":  # every other group also depends on the settings
        for name in SETTINGS:
            h.update(f"{name}={os.environ.get(name, '')}".encode())
    if group == "library":
        paths = _files("qkvlib", "constraints.txt", "pyproject.toml")
    elif group in ("built", "tooling"):
        paths = _files("qkvlib", "constraints.txt", "pyproject.toml", "tools", "tests/vendor")
        if group == "tooling":
            paths += _files("docs/assets")
    elif group == "fences":  # the code blocks of the pages, not their prose
        from docblocks import all_fences

        paths = _files("qkvlib", "constraints.txt", "pyproject.toml", "tools/docblocks.py")
        paths += _files("tools/results_cache.py")
        for f in all_fences():
            h.update("\0".join((f.path.name, f.info, f.body, str(f.skip_reason), "")).encode())
        h.update(_machine().encode())  # the CPU kernels and thread count torch would pick
    else:
        paths = _files("qkvlib", "constraints.txt", "pyproject.toml", "docs", "tools", "mkdocs.yml")
        paths += _files("tests/vendor", "Makefile")
        from browser import chromium_identity

        h.update(chromium_identity().encode())
    paths += [p for p in sorted(TESTS.glob("*.py")) if not p.name.startswith("test_")]
    for path in paths:
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _machine() -> str:
    """This machine's CPU features and count, on which torch's choice of kernels and threads
    (and so a doc block's run) depends."""
    try:
        flags = next(
            ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")
        )
    except (OSError, StopIteration):
        import platform

        flags = platform.processor()
    return f"{flags} cpus={os.cpu_count()}"


def key(module: Path) -> str | None:
    """The cache key of a test file, or None for files that are never reused."""
    if module.parent != TESTS or module.name in OWN_CACHE or not module.name.startswith("test_"):
        return None
    if module.name in BUILT_PAGES:
        built = _built(module.name)
        if built is None:
            return None
        return results_cache.key("testfile", module.read_bytes(), _digest("built") + built)
    group = (
        "library" if module.name in LIBRARY
        else "tooling" if module.name in TOOLING
        else "fences" if module.name in FENCES
        else "site"
    )  # fmt: skip
    return results_cache.key("testfile", module.read_bytes(), _digest(group))


def _whole_run(config: pytest.Config) -> bool:
    opt = config.option
    partial = opt.keyword or opt.markexpr or getattr(opt, "deselect", None) or getattr(opt, "lf", 0)
    return not partial and not any("::" in str(a) for a in config.args)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A test file that passed with the very same inputs is not even imported: importing the
    test files (torch, transformers, matplotlib, nbclient) takes each worker about ten seconds.
    A BUILT_PAGES file is collected and deselected below instead, because its key waits for
    the build, and collection goes on meanwhile."""
    if collection_path.suffix != ".py" or collection_path.name in BUILT_PAGES:
        return None
    if not results_cache.enabled() or not _whole_run(config):
        return None
    k = key(collection_path)
    return True if k is not None and results_cache.get(k) is not None else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not results_cache.enabled() or not _whole_run(config):
        return
    reused: list[pytest.Item] = []
    hits: dict[Path, bool] = {}
    for item in items:
        path = item.path
        if path not in hits:
            k = key(path)
            hits[path] = k is not None and results_cache.get(k) is not None
        if hits[path]:
            reused.append(item)
    if reused:
        items[:] = [i for i in items if not hits[i.path]]
        config.hook.pytest_deselected(items=reused)
        _reused.append(len(reused))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _outcomes[report.nodeid.split("::")[0]].add(report.outcome)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not results_cache.enabled() or not _whole_run(session.config):
        return
    if hasattr(session.config, "workerinput"):
        return  # under xdist the controller, which sees every report, records the results
    for module, outcomes in _outcomes.items():
        k = key(ROOT / module)
        if k is not None and outcomes == {"passed"}:
            results_cache.put(k, {"module": module})


def _reused_files() -> list[str]:
    """The test files this run did not run because they had passed with the same inputs: those
    with a stored result and no report in this run. Read at the end, not as the session starts:
    the key of a BUILT_PAGES file needs the finished build, and waiting for it there would hold
    back the workers' start (and their collection, about ten seconds) until the build is done."""
    reused = []
    for module in sorted(TESTS.glob("test_*.py")):
        if f"tests/{module.name}" in _outcomes:
            continue
        k = key(module)
        if k is not None and results_cache.get(k) is not None:
            reused.append(module.name)
    return reused


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not results_cache.enabled() or not _whole_run(terminalreporter.config):
        return
    reused = _reused_files()
    if reused:
        terminalreporter.section("reused results")
        terminalreporter.write_line(
            f"{len(reused)} test files passed before with the very same inputs and were "
            "not run again (tests/testcache.py; QKV_NO_CACHE=1 runs everything):"
        )
        terminalreporter.write_line("  " + ", ".join(reused))
