"""The order in which the test files are handed to the workers (tests/schedule.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schedule


def test_files_that_took_longest_go_first_and_unrecorded_ones_before_all() -> None:
    took = {"tests/test_site.py": 13.1, "tests/test_browser_search.py": 22.3, "tests/a.py": 0.2}
    scopes = ["tests/a.py", "tests/test_site.py", "tests/new.py", "tests/test_browser_search.py"]
    assert schedule.slowest_first(scopes, took) == [
        "tests/new.py",
        "tests/test_browser_search.py",
        "tests/test_site.py",
        "tests/a.py",
    ]


def test_a_missing_or_broken_record_orders_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "durations.json"
    monkeypatch.setattr(schedule, "DURATIONS", record)
    assert schedule.recorded() == {}
    record.write_text("not json")
    assert schedule.recorded() == {}
    scopes = ["tests/b.py", "tests/a.py"]
    assert schedule.slowest_first(scopes, schedule.recorded()) == scopes  # xdist's own order
