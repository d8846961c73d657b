"""Join Chinese lines that the Markdown source wraps, so the page shows no stray spaces.

Browsers render a line break inside a paragraph as a space. Between two Chinese characters that
space is wrong (Chinese puts no spaces between words), yet wrapping long paragraphs keeps the
Markdown readable and its diffs small. This hook removes a line break that stands between two
CJK characters or CJK punctuation in the rendered HTML, outside <pre> and <code>. A break next to
a Latin letter or digit is left alone: it renders as the space that usually separates Chinese
from Latin text anyway.
"""

from __future__ import annotations

import re
from typing import Any

# CJK ideographs and punctuation, full-width forms, and the quotes, dash and ellipsis that
# Chinese text uses (“ ” ‘ ’ — …).
_CJK = r"\u2014\u2018-\u201d\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A break between two such characters, also when inline tags stand on either side of it
# ("再乘以\n<a ...>输出投影</a>").
_BREAK = re.compile(rf"(?P<before>[{_CJK}](?:<[^>]+>)*)[ \t]*\n[ \t]*(?=(?:<[^>]+>)*[{_CJK}])")
_VERBATIM = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>)", re.S)


def join_cjk_lines(html: str) -> str:
    parts = _VERBATIM.split(html)
    # odd indices are the verbatim parts captured by the split
    return "".join(p if i % 2 else _BREAK.sub(r"\g<before>", p) for i, p in enumerate(parts))


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    return join_cjk_lines(html)
