"""The doc-block collector itself: it must not let a Python block slip through unexecuted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docblocks import fences, run_block

PAGE = """# Page

```pycon
>>> 1 + 1
2
```

```python
print("not executed")
```

```python title="a.py"
x = 1
```

```pcyon
>>> 1
1
```

```text
>>> looks like a prompt in a text fence
```

<!-- docblock: skip needs a GPU -->
```python
import torch; torch.cuda.current_device()
```

!!! note "Inside an admonition"

    ```pycon
    >>> print("nested")
    nested
    ```

```bash
make test
```
"""


@pytest.fixture()
def page(tmp_path: Path) -> Path:
    p = tmp_path / "page.en.md"
    p.write_text(PAGE, encoding="utf-8")
    return p


def test_collector_finds_every_fence_with_its_line(page: Path) -> None:
    found = fences(page)
    assert [(f.line, f.lang) for f in found] == [
        (3, "pycon"),
        (8, "python"),
        (12, "python"),
        (16, "pcyon"),
        (21, "text"),
        (26, "python"),
        (32, "pycon"),
        (37, "bash"),
    ]


def test_python_looking_fences_that_would_not_run_are_flagged(page: Path) -> None:
    flagged = [
        f.line
        for f in fences(page)
        if f.looks_like_python and f.lang != "pycon" and not f.skip_reason
    ]
    assert flagged == [8, 12, 16, 21]


def test_skip_marker_is_read_with_its_reason(page: Path) -> None:
    skipped = [(f.line, f.skip_reason) for f in fences(page) if f.skip_reason]
    assert skipped == [(26, "needs a GPU")]


def test_nested_block_is_dedented_and_runs(page: Path) -> None:
    nested = fences(page)[6]
    assert nested.body == '>>> print("nested")\nnested\n'
    assert run_block(nested).failure is None


def test_wrong_output_fails_and_names_the_page_line(tmp_path: Path) -> None:
    p = tmp_path / "x.en.md"
    p.write_text("text\n\n```pycon\n>>> 1 + 1\n3\n```\n", encoding="utf-8")
    (block,) = fences(p)
    report = run_block(block).failure
    assert report is not None and "line 4" in report and "Expected:\n    3" in report


def test_each_block_gets_a_fresh_namespace(tmp_path: Path) -> None:
    p = tmp_path / "x.en.md"
    p.write_text(
        "```pycon\n>>> secret = 1\n```\n\n```pycon\n>>> secret\n1\n```\n", encoding="utf-8"
    )
    first, second = fences(p)
    assert run_block(first).failure is None
    report = run_block(second).failure
    assert report is not None and "NameError" in report


def test_empty_pycon_block_fails(tmp_path: Path) -> None:
    p = tmp_path / "x.en.md"
    p.write_text("```pycon\nno prompt here\n```\n", encoding="utf-8")
    (block,) = fences(p)
    assert run_block(block).failure is not None


def test_unclosed_fence_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "x.en.md"
    p.write_text("```pycon\n>>> 1\n1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="never closed"):
        fences(p)


def test_a_passing_run_elsewhere_is_not_started_again_for_the_same_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tools/docblocks.py run_all_elsewhere: the second run of unchanged blocks under the same
    setting starts no process; other blocks, another setting or a failure start one."""
    import subprocess

    import docblocks
    import results_cache

    monkeypatch.setattr(results_cache, "CACHE", tmp_path / "results")
    started: list[dict[str, str]] = []
    outcome = {"failures": {}}

    def fake_run(cmd: list[str], env: dict[str, str], **_: object) -> object:
        started.append(env)
        out = {"setting": "DEFAULT, 1 threads", "blocks": 2, "cached": 0, **outcome}
        return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps(out), stderr="")

    monkeypatch.setattr(docblocks.subprocess, "run", fake_run)

    def block(line: int, code: str) -> docblocks.Fence:
        return docblocks.Fence(Path("p.md"), line, "pycon", "pycon", code, None)

    blocks = [block(1, ">>> 1\n1\n"), block(5, ">>> 2\n2\n")]
    monkeypatch.setattr(docblocks, "all_fences", lambda: blocks)
    env = {"OMP_NUM_THREADS": "1"}
    first = docblocks.run_all_elsewhere(env)
    assert len(started) == 1 and first["cached"] == 0
    again = docblocks.run_all_elsewhere(env)
    assert len(started) == 1 and again["cached"] == again["blocks"] == 2
    docblocks.run_all_elsewhere({"OMP_NUM_THREADS": "2"})  # another setting
    assert len(started) == 2
    blocks[1] = block(5, ">>> 3\n3\n")  # another block
    outcome["failures"] = {"p.md:5": "failed"}
    docblocks.run_all_elsewhere(env)
    docblocks.run_all_elsewhere(env)  # a failing run is not stored: started again
    assert len(started) == 4
