"""Make the copy button of a ``pycon`` block copy runnable code: no prompts, no output.

The theme's copy button copies the ``data-copy`` attribute of the nearest element that has one,
else the block's visible text (upstream: squidfunk/mkdocs-material issue 3647). This hook gives
every ``pycon`` block a ``data-copy`` holding exactly the code of its examples, as Python's
doctest parser reads them, with a blank line after each compound statement (``for``, ``def``,
``with`` ...) so that the text also runs when pasted into an interactive interpreter.

``repl_code`` does the same for a notebook cell (tools/hooks/notebooks.py): a cell is written for
a notebook, where a blank line inside a function is fine and ``%matplotlib inline`` is a command;
pasted into a plain Python REPL, the first ends the function early and the second is a syntax
error.
"""

from __future__ import annotations

import ast
import doctest
import html
import io
import re
import tokenize
from typing import Any

_COMPOUND = (
    ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar,
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Match,
)  # fmt: skip
_MAGIC = re.compile(r"^\s*[%!]")  # IPython line magics and shell escapes
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


def _lines_inside_strings(code: str) -> set[int]:
    """Line numbers (1-based) that continue a string opened on an earlier line."""
    inside: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            inside.update(range(tok.start[0] + 1, tok.end[0] + 1))
    return inside


def repl_code(source: str) -> str:
    """A notebook cell's code as a plain Python REPL runs it when pasted: no IPython magics, no
    blank line inside a statement (it would end the block early), and a blank line after each
    compound statement (the REPL needs one to run it)."""
    lines = ["" if _MAGIC.match(line) else line for line in source.splitlines()]
    code = "\n".join(lines) + "\n"
    try:
        tree = ast.parse(code)
        in_string = _lines_inside_strings(code)
    except (SyntaxError, tokenize.TokenError):
        return code.strip("\n") + "\n"
    out: list[str] = []
    done = 0  # the last line written
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        end = node.end_lineno or node.lineno
        # comments between statements; a blank line there is only noise
        out += [line for line in lines[done : start - 1] if line.strip()]
        out += [
            line for n, line in enumerate(lines[start - 1 : end], start)
            if line.strip() or n in in_string
        ]  # fmt: skip
        if isinstance(node, _COMPOUND):
            out.append("")
        done = end
    out += [line for line in lines[done:] if line.strip()]
    return "\n".join(out).strip("\n") + "\n"
