"""The mkdocs hooks under tools/hooks/ (their effect on the built site is in test_site.py)."""

from __future__ import annotations

from pathlib import Path

# tools/ is on sys.path (tests/conftest.py), so tools/hooks/ imports as the namespace "hooks"
from hooks import cjk_linebreaks as cjk
from hooks import copy_code, images, math


def test_line_break_between_chinese_characters_is_removed() -> None:
    assert cjk.join_cjk_lines("<p>自注意力先把输入\n分别乘以三个矩阵，\n得到查询</p>") == (
        "<p>自注意力先把输入分别乘以三个矩阵，得到查询</p>"
    )


def test_line_break_next_to_inline_tags_and_chinese_quotes_is_removed() -> None:
    html = '<p>再乘以\n<a href="g/#o">输出投影</a>，当作“批\n量”</p>'
    assert cjk.join_cjk_lines(html) == '<p>再乘以<a href="g/#o">输出投影</a>，当作“批量”</p>'


def test_line_break_next_to_latin_text_is_kept() -> None:
    assert (
        cjk.join_cjk_lines("<p>使用\nPyTorch 的\nnn.Linear</p>")
        == "<p>使用\nPyTorch 的\nnn.Linear</p>"
    )


def test_code_keeps_its_line_breaks() -> None:
    html = "<pre><code># 注释\n# 第二行</code></pre><p>一\n二</p><code>三\n四</code>"
    assert (
        cjk.join_cjk_lines(html)
        == "<pre><code># 注释\n# 第二行</code></pre><p>一二</p><code>三\n四</code>"
    )


def test_copy_text_drops_prompts_and_output() -> None:
    session = ">>> x = 1 + 1\n>>> x\n2\n>>> print('a')\na\n"
    assert copy_code.code_to_copy(session) == "x = 1 + 1\nx\nprint('a')\n"


def test_copy_text_ends_compound_statements_with_a_blank_line() -> None:
    session = ">>> for i in range(2):\n...     print(i)\n0\n1\n>>> i\n1\n"
    assert copy_code.code_to_copy(session) == "for i in range(2):\n    print(i)\n\ni\n"


def test_copy_text_drops_tracebacks() -> None:
    session = ">>> 1 / 0\nTraceback (most recent call last):\n    ...\nZeroDivisionError: x\n"
    assert copy_code.code_to_copy(session) == "1 / 0\n"


def test_local_svg_gets_its_viewbox_size(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "d.svg").write_text('<svg xmlns="x" viewBox="0 0 640 200.4"></svg>')
    html = '<p><img alt="a" src="../assets/d.svg" /></p>'
    assert images.size_images(html, "heads/", tmp_path) == (
        '<p><img alt="a" src="../assets/d.svg" width="640" height="200" loading="lazy" '
        'decoding="async" /></p>'
    )


def test_math_is_typeset_into_html_and_mathml() -> None:
    out = math.typeset('<p><span class="arithmatex">\\(x^2\\)</span></p>', "page.md")
    assert 'class="katex"' in out and "<annotation" in out and "\\(" not in out


def test_math_that_katex_cannot_parse_names_the_page() -> None:
    import pytest

    with pytest.raises(ValueError, match="page.md: KaTeX cannot typeset"):
        math.typeset('<span class="arithmatex">\\(\\frac{1}\\)</span>', "page.md")
