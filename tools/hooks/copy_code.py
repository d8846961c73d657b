"""Make the copy button of a ``pycon`` block copy runnable code: no prompts, no output.

The theme's copy button copies the ``data-copy`` attribute of the nearest element that has one,
else the block's visible text (upstream: squidfunk/mkdocs-material issue 3647). This hook gives
every ``pycon`` block a ``data-copy`` holding exactly the code of its examples, as Python's
doctest parser reads them, with a blank line after each compound statement (``for``, ``def``,
``with`` ...) so that the text also runs when pasted into an interactive interpreter.
"""

from __future__ import annotations

import doctest
import html
import re
from typing import Any

_BLOCK = re.compile(r'<div class="language-pycon highlight">(?P<body>.*?</code></pre>)</div>', re.S)
_CODE = re.compile(r"<code[^>]*>(?P<code>.*?)</code>", re.S)
_TAG = re.compile(r"<[^>]+>")


def code_to_copy(session: str) -> str:
    """The code of a ``>>>`` session, ready to paste into Python."""
    out = []
    for example in doctest.DocTestParser().get_examples(session):
        source = example.source.rstrip("\n")
        out.append(source)
        if "\n" in source:  # a compound statement: the interpreter needs a blank line after it
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _with_copy_text(match: re.Match[str]) -> str:
    code = _CODE.search(match["body"])
    if code is None:
        return match.group(0)
    session = html.unescape(_TAG.sub("", code["code"]))
    attr = html.escape(code_to_copy(session), quote=True)
    return f'<div class="language-pycon highlight" data-copy="{attr}">{match["body"]}</div>'


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    return _BLOCK.sub(_with_copy_text, content)
