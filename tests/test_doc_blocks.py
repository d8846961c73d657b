"""Every code block on every page, in both languages, is executed (see tests/docblocks.py)."""

from __future__ import annotations

import pytest
from docblocks import Fence, all_fences, run_block

FENCES = all_fences()
PYCON = [f for f in FENCES if f.lang == "pycon" or (f.looks_like_python and f.skip_reason)]
UNEXECUTED_PYTHON = [
    f for f in FENCES if f.looks_like_python and f.lang != "pycon" and not f.skip_reason
]


@pytest.mark.parametrize("fence", PYCON, ids=[f.id for f in PYCON])
def test_doc_block(fence: Fence) -> None:
    if fence.skip_reason is not None:
        pytest.skip(f"docblock skip marker: {fence.skip_reason}")
    failure = run_block(fence)
    if failure:
        pytest.fail(failure, pytrace=False)


def test_every_python_looking_fence_is_executed_or_marked() -> None:
    bad = [f"{f.id}: ```{f.info}" for f in UNEXECUTED_PYTHON]
    assert not bad, (
        "these fences look like Python but would not be executed; write them as ```pycon "
        "with >>> prompts, or put <!-- docblock: skip REASON --> on the line before:\n"
        + "\n".join(bad)
    )


def test_both_languages_have_executed_blocks() -> None:
    langs = {f.page_lang for f in FENCES if f.executed}
    assert {"zh", "en"} <= langs, f"executed blocks found only for {sorted(langs)}"
