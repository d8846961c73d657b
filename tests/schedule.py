"""Hand the two workers the slowest test files first (a pytest plugin, see conftest).

pytest-xdist's ``--dist loadfile`` keeps each test file in one worker and hands out the files
with the most tests first. A browser test file holds few tests that take seconds each (the
search tests: eleven tests, twenty seconds of timed page loads on Slow 4G), so it came last, and a
run ended with one worker busy and the other idle for most of that time: after a one-line edit
of a chapter, 22 of 63 seconds.

This plugin records how long each file took (its tests' setup, call and teardown, summed) in
.cache/durations.json, and hands out the files that took longest last time first; a file with
no record yet goes first. The record only orders the work: every collected test still runs.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import pytest
import results_cache

DURATIONS = results_cache.ROOT / ".cache" / "durations.json"
_took: Counter[str] = Counter()


def recorded() -> dict[str, float]:
    """Seconds each test file (by its path under the repository) took when it last ran."""
    try:
        return {k: float(v) for k, v in json.loads(DURATIONS.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def slowest_first(scopes: list[str], took: dict[str, float]) -> list[str]:
    """``scopes`` (test files) with those that took longest first, unrecorded ones before all,
    ties in the given order."""
    return sorted(scopes, key=lambda s: -took.get(s.split("::")[0], math.inf))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None  # another distribution asked for on the command line: xdist's own
    from xdist.scheduler import LoadFileScheduling

    class SlowestFirst(LoadFileScheduling):
        ordered = False

        def _assign_work_unit(self, node: Any) -> None:
            if not self.ordered:  # the queue is complete when the first unit is handed out
                units = dict(self.workqueue)
                self.workqueue.clear()
                for scope in slowest_first(list(units), recorded()):
                    self.workqueue[scope] = units[scope]
                self.ordered = True
            super()._assign_work_unit(node)

    return SlowestFirst(config, log)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _took[report.nodeid.split("::")[0]] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput") or not _took:
        return  # under xdist the controller, which sees every report, records the times
    took = recorded() | {k: round(v, 2) for k, v in _took.items()}
    DURATIONS.parent.mkdir(parents=True, exist_ok=True)
    DURATIONS.write_text(json.dumps(took, indent=0, sort_keys=True))
