"""Lines that tests want printed in pytest's closing summary (conftest prints them)."""

from __future__ import annotations

from collections import defaultdict

sections: defaultdict[str, list[str]] = defaultdict(list)


def report(section: str, line: str) -> None:
    if line not in sections[section]:  # several tests may report the same fact
        sections[section].append(line)
