"""Every doc block again, in another process, under another CPU kernel and thread count.

A reader's machine may pick other vectorised kernels (torch: ATEN_CPU_CAPABILITY) or another number
of threads than this one; what a page prints must not depend on that. The blocks run a second time
with the plain "default" kernels and one thread (tools/docblocks.py: other_setting), all in one
process with a fresh namespace each, passing results cached like the first run's.
"""

from __future__ import annotations

from typing import Any

import pytest
from docblocks import all_fences, current_setting, other_setting, run_all_elsewhere

EXECUTED = [f for f in all_fences() if f.executed]


@pytest.fixture(scope="module")
def elsewhere() -> dict[str, Any]:
    return run_all_elsewhere(other_setting())


def test_the_second_setting_differs_from_this_one(
    elsewhere: dict[str, Any], record_property: pytest.RecordProperty
) -> None:
    assert elsewhere["setting"] != current_setting()
    record_property(
        "summary:doc blocks under another CPU setting",
        f"{elsewhere['blocks']} blocks under {elsewhere['setting']} "
        f"(this run: {current_setting()}), "
        f"{len(elsewhere['failures'])} failed, {elsewhere['cached']} from cache",
    )
    assert elsewhere["blocks"] == len(EXECUTED)


@pytest.mark.parametrize("fence_id", [f.id for f in EXECUTED])
def test_doc_block_under_another_kernel_and_thread_count(
    elsewhere: dict[str, Any], fence_id: str
) -> None:
    failure = elsewhere["failures"].get(fence_id)
    if failure:
        pytest.fail(f"under {elsewhere['setting']}:\n{failure}", pytrace=False)
