"""Every code block on every page, in both languages, is executed (see tools/docblocks.py)."""

from __future__ import annotations

import math

import pytest
from docblocks import ROUND_NUDGE, Fence, all_fences, run_block

FENCES = all_fences()
PYCON = [f for f in FENCES if f.lang == "pycon" or (f.looks_like_python and f.skip_reason)]
UNEXECUTED_PYTHON = [
    f for f in FENCES if f.looks_like_python and f.lang != "pycon" and not f.skip_reason
]


@pytest.mark.parametrize("fence", PYCON, ids=[f.id for f in PYCON])
def test_doc_block(fence: Fence, record_property: pytest.RecordProperty) -> None:
    if fence.skip_reason is not None:
        pytest.skip(f"docblock skip marker: {fence.skip_reason}")
    result = run_block(fence)
    record_property("docblock:cached", result.cached)
    if math.isfinite(result.smallest_margin):
        record_property("docblock:margin", result.smallest_margin)
    if result.failure:
        pytest.fail(result.failure, pytrace=False)


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


def test_round_audit_flags_a_value_on_its_boundary(tmp_path: pytest.TempPathFactory) -> None:
    from docblocks import RoundAudit

    audit = RoundAudit()
    assert audit(0.12345, 3) == 0.123  # far from 0.1235: fine
    assert not audit.thin
    audit(0.1235000001, 3)  # a hair above the boundary: another kernel may print 0.123
    assert len(audit.thin) == 1 and "0.123" in audit.thin[0]
    audit(-1e-17, 2)  # a zero whose sign depends on the last bit prints -0.0 or 0.0
    assert len(audit.thin) == 2
    assert audit.smallest_margin < ROUND_NUDGE
