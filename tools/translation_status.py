"""Translation status of every page pair (tools/hooks/translations.py).

    python tools/translation_status.py               list the pages behind their translation
    python tools/translation_status.py --sync [TOPIC ...]
                                                     record the pairs (all, or TOPIC such as
                                                     heads, notebooks/attention-heatmaps) as in
                                                     sync: `make translations-synced [PAGE=...]`

The list never fails: a page behind its translation is a state to show readers (the banner on
the page) and translators (this list, also printed by `make test`), not an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hooks.translations import RECORD, pairs, report_lines, write_record

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--sync":
        topics = argv[1:] or None
        unknown = sorted(set(topics or []) - set(pairs(DOCS)))
        if unknown:
            print(f"no page pair named {unknown}; pairs: {sorted(pairs(DOCS))}", file=sys.stderr)
            return 2
        done = write_record(DOCS, topics)
        print(f"recorded {len(done)} page pair(s) as in sync in docs/{RECORD}")
        return 0
    lines = report_lines(DOCS)
    for line in lines:
        print(line)
    if not lines:
        print(f"all {len(pairs(DOCS))} page pairs are in sync")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
