"""The API reference lists every public name of qkvlib, in both languages."""

from __future__ import annotations

import re

import pytest
from docblocks import DOCS

import qkvlib

PUBLIC = sorted(n for n in qkvlib.__all__ if not n.startswith("_"))


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_is_in_the_english_reference(name: str) -> None:
    text = (DOCS / "reference.en.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: qkvlib\.(?:\w+\.)*?(\w+)$", text, re.M))
    assert name in documented, f"add '::: qkvlib.{name}' to docs/reference.en.md"


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_is_in_the_chinese_reference(name: str) -> None:
    text = (DOCS / "reference.zh.md").read_text(encoding="utf-8")
    assert f"[`{name}`](../en/reference/#qkvlib." in text, (
        f"add a row for `{name}` (one line of Chinese, linked to the English entry) to "
        "docs/reference.zh.md"
    )
