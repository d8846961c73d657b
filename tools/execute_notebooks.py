"""Execute the site's notebooks in fresh kernels and save their outputs in place.

    .venv/bin/python tools/execute_notebooks.py                 # every docs/notebooks/*.ipynb
    .venv/bin/python tools/execute_notebooks.py docs/notebooks/watch-attention-learn.zh.ipynb
    .venv/bin/python tools/execute_notebooks.py --check         # execute, compare, write nothing

Notebooks are committed with their outputs (the site renders them as they are, see mkdocs.yml),
and tests/test_notebooks.py executes them again and compares every text output with the
committed one. Run this after changing a notebook or qkvlib, then commit the result.

Each notebook runs in its own new kernel (over Unix sockets), in docs/notebooks/, with the
working tree's qkvlib first on the kernel's path (so an outdated install cannot hide a change).
Two notebooks run at a time (``--jobs``): the kernels are separate processes, the client side is
one asyncio loop. Volatile metadata (execution timestamps) is not recorded, so re-running leaves
no diff when nothing changed.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbformat import NotebookNode
from traitlets import default

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "docs" / "notebooks"
TIMEOUT = 120  # seconds per cell


class IpcKernelManager(AsyncKernelManager):
    """A kernel manager that talks to its kernel over Unix sockets, not TCP ports.

    Kernels started at the same moment (here, or by other processes on the machine) cannot race
    for a free port ("Address already in use"). Each kernel's sockets live in a fresh temporary
    folder (an absolute path: the kernel runs in another working directory).
    """

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        return os.path.join(tempfile.mkdtemp(prefix="qkv-kernel-"), "ipc")

    def cleanup_ipc_files(self) -> None:
        super().cleanup_ipc_files()
        shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)


@dataclass
class Executed:
    path: Path
    notebook: NotebookNode  # the executed copy (up to the failing cell if ``error``)
    seconds: float
    error: Exception | None = None  # e.g. nbclient's CellExecutionError


def notebook_paths() -> list[Path]:
    """Every notebook of the site, sorted."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        **(extra or {}),
        "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else ""),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # silences a debugger warning on stderr
    }


async def _execute_one(
    path: Path, limit: asyncio.Semaphore, env: dict[str, str] | None = None
) -> Executed:
    async with limit:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            timeout=TIMEOUT,
            kernel_name="python3",
            kernel_manager_class=IpcKernelManager,
            allow_errors=False,  # the first error raises CellExecutionError
            record_timing=False,
            coalesce_streams=True,  # one stream output per cell, however the kernel flushed
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        try:
            await client.async_execute(env=_kernel_env(env))
        except Exception as exc:  # reported per notebook; the others still run
            return Executed(path, nb, time.perf_counter() - start, error=exc)
        return Executed(path, nb, time.perf_counter() - start)


async def _execute_all(runs: list[tuple[Path, dict[str, str] | None]], jobs: int) -> list[Executed]:
    limit = asyncio.Semaphore(jobs)
    return list(await asyncio.gather(*(_execute_one(p, limit, env) for p, env in runs)))


def execute(paths: list[Path], jobs: int = 2, env: dict[str, str] | None = None) -> list[Executed]:
    """Execute ``paths`` (at most ``jobs`` at a time), each in a fresh kernel; save nothing.

    ``env`` is added to the kernels' environment (e.g. another CPU kernel or thread count).

    A notebook stops at its first failing cell; that error is kept in ``Executed.error``.
    The event loop runs in a thread of its own, so this also works when the calling thread
    already runs one (Playwright's sync API in the same test session, a Jupyter kernel).
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        runs = [(p, env) for p in paths]
        return pool.submit(asyncio.run, _execute_all(runs, jobs)).result()


def text_outputs(nb: NotebookNode) -> list[list[tuple[str, str]]]:
    """Per code cell, its text outputs as (kind, text): streams and ``text/plain`` data.

    Only trailing whitespace (per line and at the end) is normalised.
    """

    def norm(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.rstrip().splitlines())

    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        raw: list[tuple[str, str]] = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                kind, text = f"stream:{out.name}", "".join(out.text)
                if raw and raw[-1][0] == kind:  # one stream split in two by flush timing
                    text = raw.pop()[1] + text
                raw.append((kind, text))
            elif out.output_type in ("execute_result", "display_data"):
                raw.append((out.output_type, "".join(out.data.get("text/plain", ""))))
            elif out.output_type == "error":
                raw.append(("error", f"{out.ename}: {out.evalue}"))
        cells.append([(kind, norm(text)) for kind, text in raw])
    return cells


# The one warning qkvlib.viz gives on a machine without a CJK font (it then draws English labels).
_NO_CJK_FONT = re.compile(r"\A[^\n]*UserWarning: qkvlib\.viz: no CJK font found[^\n]*(\n[^\n]*)?\Z")


def without_font_fallback(cells: list[list[tuple[str, str]]]) -> list[list[tuple[str, str]]]:
    """``cells`` without qkvlib.viz's no-CJK-font warning, for machines that have no CJK font.

    Only a stderr output that is exactly that warning (and the source line Python prints under
    it) is dropped; any other stderr stays and is compared.
    """
    return [
        [(k, t) for k, t in cell if not (k == "stream:stderr" and _NO_CJK_FONT.match(t))]
        for cell in cells
    ]


@dataclass
class Checked:
    """A notebook executed under one setting, compared with its committed outputs."""

    path: Path
    setting: str
    outputs: list[list[tuple[str, str]]] | None  # text outputs, None when it failed
    error: str | None
    cached: bool


def check(paths: list[Path], settings: dict[str, dict[str, str]], jobs: int = 2) -> list[Checked]:
    """Execute each notebook under each named setting (an environment to add), comparing text.

    A run whose text outputs equal the committed ones (after ``without_font_fallback`` where no
    CJK font is installed) is cached, keyed on the notebook file, qkvlib, the pins and the
    setting (tools/results_cache.py); only the others are executed.
    """
    import results_cache

    from qkvlib.viz import find_cjk_font

    has_font = find_cjk_font() is not None
    out: list[Checked] = []
    todo: list[tuple[Path, str, str]] = []
    for name, env in settings.items():
        label = f"{name} {sorted(env.items())} cjk-font={has_font}"
        for path in paths:
            k = results_cache.key("notebook", path.read_bytes(), label)
            hit = results_cache.get(k)
            if hit is not None:
                out.append(Checked(path, name, [[tuple(o) for o in c] for c in hit], None, True))
            else:
                todo.append((path, name, k))
    if todo:
        runs = [(path, settings[name]) for path, name, _ in todo]
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            done = pool.submit(asyncio.run, _execute_all(runs, jobs)).result()
        for (path, name, k), result in zip(todo, done, strict=True):
            if result.error is not None:
                out.append(Checked(path, name, None, str(result.error), False))
                continue
            fresh = text_outputs(result.notebook)
            if not has_font:
                fresh = without_font_fallback(fresh)
            if fresh == text_outputs(nbformat.read(path, as_version=4)):
                results_cache.put(k, fresh)
            out.append(Checked(path, name, fresh, None, False))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at a time")
    parser.add_argument(
        "--check", action="store_true", help="compare text outputs with the files, write nothing"
    )
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or notebook_paths()
    if not paths:
        print(f"no notebooks in {NOTEBOOKS}", file=sys.stderr)
        return 1
    start = time.perf_counter()
    status = 0
    for done in execute(paths, jobs=args.jobs):
        rel = done.path.relative_to(ROOT) if done.path.is_relative_to(ROOT) else done.path
        if done.error is not None:
            status = 1
            print(f"{rel}: FAILED, nothing saved\n{done.error}", file=sys.stderr)
        elif args.check:
            same = text_outputs(done.notebook) == text_outputs(nbformat.read(done.path, 4))
            status |= not same
            print(f"{rel}: {'same' if same else 'DIFFERENT'} text outputs ({done.seconds:.1f} s)")
        else:
            nbformat.write(done.notebook, done.path)
            kib = done.path.stat().st_size / 1024
            print(f"{rel}: executed in {done.seconds:.1f} s, saved ({kib:.0f} KiB)")
    print(f"total {time.perf_counter() - start:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
