"""Accessibility fixes that the theme and the Markdown extensions leave to the site.

Checked by axe-core in tests/test_browser.py; each fix names the rule it satisfies.

* aria-dialog-name: the theme's search panel has ``role="dialog"`` but no accessible name.
* scrollable-region-focusable: display math that is wider than the column scrolls sideways;
  keyboard users can only scroll it if it can take focus.
"""

from __future__ import annotations

from typing import Any

_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
_SEARCH_LABEL = {"zh": "搜索", "en": "Search"}
_DISPLAY_MATH = '<div class="arithmatex">'


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    return html.replace(_DISPLAY_MATH, '<div class="arithmatex" tabindex="0">')


def on_post_page(output: str, page: Any, config: Any) -> str:
    label = _SEARCH_LABEL.get(str(config.theme.get("language", "en")), "Search")
    return output.replace(
        _SEARCH_DIALOG,
        _SEARCH_DIALOG.replace('role="dialog"', f'role="dialog" aria-label="{label}"'),
    )
