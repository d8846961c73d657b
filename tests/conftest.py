from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # lets test modules import docblocks, sitecheck
sys.path.insert(0, str(Path(__file__).parent.parent / "tools"))  # ... and static_host

pytest_plugins = ["testcache", "schedule"]  # reuse passing results; slowest test files first

_doc_blocks: Counter[tuple[str, str]] = Counter()
_build_failure_shown = False
_doc_block_cache = Counter[str]()
_smallest_margin: list[tuple[float, str]] = []


@pytest.fixture(autouse=True)
def _restore_torch_state() -> Iterator[None]:
    """Blocks and tests may change torch's global settings; undo that after each one."""
    import torch

    dtype = torch.get_default_dtype()
    grad = torch.is_grad_enabled()
    yield
    torch.set_default_dtype(dtype)
    torch.set_grad_enabled(grad)
    torch.set_printoptions(profile="default")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Runs in the controlling process also under pytest-xdist: reports travel from the workers,
    # with their user_properties, so summaries are gathered here and not in worker globals.
    for key, value in report.user_properties:
        if key.startswith("summary:") and report.when == "call":
            from reporting import report as add

            add(key.removeprefix("summary:"), str(value))
    if "test_doc_block[" not in report.nodeid:
        return
    props = dict(report.user_properties)
    if report.when == "call" and "docblock:cached" in props:
        _doc_block_cache["from cache" if props["docblock:cached"] else "run"] += 1
    if report.when == "call" and "docblock:margin" in props:
        _smallest_margin.append((float(props["docblock:margin"]), report.nodeid))
    if report.when == "call" or (report.when == "setup" and report.skipped):
        lang = "zh" if ".zh.md:" in report.nodeid else "en" if ".en.md:" in report.nodeid else "?"
        _doc_blocks[(lang, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from reporting import sections

    skipped = terminalreporter.stats.get("skipped", [])
    browser = [r for r in skipped if "test_browser" in r.nodeid]
    if browser:  # one line, whatever the number of workers
        reason = browser[0].longrepr[2] if isinstance(browser[0].longrepr, tuple) else ""
        reason = reason.removeprefix("Skipped: ")
        sections["browser tests skipped"].append(f"{len(browser)} skipped: {reason}")
    for title, lines in sections.items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
    if not _doc_blocks:
        return
    terminalreporter.section("doc blocks executed per language")
    for lang in ("zh", "en", "?"):
        counts = {o: n for (lg, o), n in _doc_blocks.items() if lg == lang}
        if counts:
            detail = ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
            terminalreporter.write_line(f"{lang}: {detail}")
    if _doc_block_cache:
        run, cached = _doc_block_cache["run"], _doc_block_cache["from cache"]
        terminalreporter.write_line(
            f"{run} run, {cached} passed earlier with the very same inputs (tools/results_cache.py)"
        )
    if _smallest_margin:
        margin, nodeid = min(_smallest_margin)
        block = nodeid.split("[", 1)[1].rstrip("]")
        terminalreporter.write_line(
            f"rounded floats: smallest relative distance to a rounding boundary {margin:.1e} "
            f"({block}); a block fails below 1e-05"
        )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built site: QKV_SITE_DIR (built by `make test`, possibly still building), else built now.

    `make test` starts the strict build in the background and names a status file that the build
    writes when it ends (its exit code); the site is used once that file says 0.
    """
    import os

    from sitecheck import build_site, build_status

    given = os.environ.get("QKV_SITE_DIR")
    if not given:
        return build_site(tmp_path_factory.mktemp("site"))
    code = build_status()
    if code not in (None, "0"):  # None: no background build to wait for
        log_path = Path(os.environ.get("QKV_SITE_BUILD_LOG", ""))
        global _build_failure_shown
        if _build_failure_shown:  # every site test needs the build: its log once is enough
            pytest.fail(f"the strict build failed (see {log_path})", pytrace=False)
        _build_failure_shown = True
        log = log_path.read_text(errors="replace")
        pytest.fail(f"the strict build failed ({code}):\n{log[-5000:]}", pytrace=False)
    path = Path(given)
    if not (path / "index.html").exists():
        pytest.fail(f"QKV_SITE_DIR={given} holds no built site; run `make build`")
    return path


@pytest.fixture(scope="session")
def base_url(built_site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1 as a static host serves it (tools/static_host.py)."""
    from static_host import serve

    server, url = serve(built_site)
    yield url
    server.shutdown()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium (and outside CI) skip every browser test, and say so in one line."""
    import os

    from browser import CHROMIUM

    if CHROMIUM.exists() or os.environ.get("CI") == "true":
        return  # in CI a missing browser fails the tests instead (browser.require_chromium)
    browser_tests = [i for i in items if i.path.name.startswith("test_browser")]
    reason = (
        f"browser tests need Chromium at {CHROMIUM}: `apt-get install chromium` (Debian/Ubuntu)"
        " or set QKV_CHROMIUM=/path/to/chromium, then run make test again"
    )
    for item in browser_tests:
        item.add_marker(pytest.mark.skip(reason=reason))
