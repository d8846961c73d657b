"""Tables of four or more columns become cards on a phone.

A glossary row (code, formula, 中文, English, transformers name, meaning) squeezed into 390 px is
either a sideways scroll or columns two words wide. This hook marks such tables
``data-qkv-cards`` and gives every cell the name of its column (``data-label``); on a narrow
screen docs/assets/css/extra.css shows each row as a card of "column: value" lines. Wide screens
see the table unchanged.
"""

from __future__ import annotations

import html
import re
from typing import Any

MIN_COLUMNS = 4

_TABLE = re.compile(r"<table>(?P<body>.*?)</table>", re.S)
_TH = re.compile(r"<th\b[^>]*>(?P<text>.*?)</th>", re.S)
_ROW = re.compile(r"<tr>(?P<cells>.*?)</tr>", re.S)
_TD = re.compile(r"<td\b")
_TAG = re.compile(r"<[^>]+>")


def _label(th: str) -> str:
    return html.escape(html.unescape(_TAG.sub("", th)).strip(), quote=True)


def card_tables(content: str) -> str:
    def table(m: re.Match[str]) -> str:
        body = m["body"]
        head, sep, rows = body.partition("</thead>")
        labels = [_label(t) for t in _TH.findall(head)]
        if not sep or len(labels) < MIN_COLUMNS:
            return m[0]

        def row(r: re.Match[str]) -> str:
            cells = iter(labels)
            labelled = _TD.sub(lambda _: f'<td data-label="{next(cells, "")}"', r["cells"])
            return f"<tr>{labelled}</tr>"

        return f"<table data-qkv-cards>{head}{sep}{_ROW.sub(row, rows)}</table>"

    return _TABLE.sub(table, content)


def on_page_content(html_: str, page: Any, config: Any, files: Any) -> str:
    return card_tables(html_)
