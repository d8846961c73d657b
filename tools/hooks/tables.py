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

try:  # mkdocs runs a hook with its own folder on sys.path
    from search import tex_to_text
except ImportError:  # the tests import tools/hooks as the package "hooks"
    from hooks.search import tex_to_text

MIN_COLUMNS = 4

_TABLE = re.compile(r"<table>(?P<body>.*?)</table>", re.S)
_TH = re.compile(r"<th\b[^>]*>(?P<text>.*?)</th>", re.S)
_ROW = re.compile(r"<tr>(?P<cells>.*?)</tr>", re.S)
_TD = re.compile(r"<td(?P<attrs>[^>]*)>(?P<body>.*?)</td>", re.S)
_TAG = re.compile(r"<[^>]+>")


_MATH = re.compile(r"\\\((.+?)\\\)", re.S)


def _label(th: str) -> str:
    """A header cell as plain text; its math (still TeX at this point) as readable text."""
    text = html.unescape(_TAG.sub("", th))
    text = _MATH.sub(lambda m: tex_to_text(m[1]), text)
    return html.escape(text.strip(), quote=True)


def card_tables(content: str) -> str:
    def table(m: re.Match[str]) -> str:
        body = m["body"]
        head, sep, rows = body.partition("</thead>")
        labels = [_label(t) for t in _TH.findall(head)]
        if not sep or len(labels) < MIN_COLUMNS:
            return m[0]

        def row(r: re.Match[str]) -> str:
            cells = iter(labels)

            def cell(c: re.Match[str]) -> str:
                # the content in one element: on a phone the cell is a two-column grid
                label = next(cells, "")
                return f'<td data-label="{label}"{c["attrs"]}><span>{c["body"]}</span></td>'

            return f"<tr>{_TD.sub(cell, r['cells'])}</tr>"

        return f"<table data-qkv-cards>{head}{sep}{_ROW.sub(row, rows)}</table>"

    return _TABLE.sub(table, content)


def on_page_content(html_: str, page: Any, config: Any, files: Any) -> str:
    return card_tables(html_)
