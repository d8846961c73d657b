"""The mkdocs hooks under tools/hooks/ (their effect on the built site is in test_site.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


# --- search per language (tools/hooks/search.py) --------------------------------------------


def test_formulas_in_search_previews_read_as_text() -> None:
    from hooks.search import tex_to_text

    assert tex_to_text(r"h_{kv} = h") == "h_kv = h"
    assert tex_to_text(r"\operatorname{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V") == (
        "softmax(QKᵀ/√d_k)V"
    )
    assert tex_to_text(r"W_Q \in \mathbb{R}^{C \times d}") == "W_Q ∈ ℝ^(C × d)"
    assert tex_to_text(r"\begin{aligned} x &= 1 \\ y &= 2 \end{aligned}") == "x = 1; y = 2"


def test_search_entry_text_keeps_prose_and_names_from_code_and_drops_tex_and_pilcrows() -> None:
    from hooks.search import clean_text, clean_title

    text = (
        "<p>Heads \\(h_{kv} &lt; h\\) use <code>repeat_kv</code>.</p>"
        "<pre><code>&gt;&gt;&gt; import torch\n&gt;&gt;&gt; y = repeat_kv(x, n_rep=2)"
        "  # a comment\n&gt;&gt;&gt; tuple(y.shape)\n(1, 8, 5, 64)</code></pre> \\[ a^2 \\]"
    )
    assert clean_text(text) == (
        "<p>Heads h_kv &lt; h use <code>repeat_kv</code>.</p> <code>n_rep</code> a²"
    )
    assert clean_title("注意力热力图¶") == "注意力热力图"


def test_a_long_search_entry_shows_its_start_and_keeps_the_other_words_once() -> None:
    from hooks.search import PREVIEW_CHARS, preview_and_words

    text = "<p>" + "alpha beta " * 40 + "<code>split_heads</code> gamma alpha gamma</p>"
    preview, words = preview_and_words(text)
    assert preview.endswith("beta …") and PREVIEW_CHARS <= len(preview) < PREVIEW_CHARS + 8
    assert words == "split_heads gamma"
    assert preview_and_words("<p>短文本</p>") == ("短文本", "")


def test_search_index_is_split_per_language_with_locations_under_each_root() -> None:
    from hooks.search import split_index

    merged = {
        "config": {
            "lang": ["en", "zh"],
            "separator": "x",
            "pipeline": ["stopWordFilter"],
            "fields": {"title": {"boost": 1000.0}, "text": {"boost": 1.0}},
        },
        "docs": [
            {"location": "", "title": "首页", "text": ""},
            {"location": "heads/#formula", "title": "公式", "text": ""},
            {"location": "en/", "title": "Home", "text": ""},
            {"location": "en/heads/#formula", "title": "The formula", "text": ""},
        ],
    }
    split = split_index(merged, ["zh", "en"], "zh")
    assert [d["location"] for d in split["zh"]["docs"]] == ["", "heads/#formula"]
    assert [d["location"] for d in split["en"]["docs"]] == ["", "heads/#formula"]
    assert split["en"]["docs"][1]["title"] == "The formula"
    # one language per index: the worker loads no multi-language lunr scripts
    assert split["zh"]["config"]["lang"] == split["en"]["config"]["lang"] == ["en"]
    assert "stemmer" not in split["zh"]["config"]["pipeline"]
    assert "\\u200b" in split["zh"]["config"]["separator"]
    assert split["en"]["config"]["fields"]["words"] == {"boost": 1.0}


def test_search_worker_patch_lets_a_chinese_word_end_the_query() -> None:
    import pytest
    from hooks.search import patch_worker
    from mkdocs.exceptions import PluginError

    loop = "for(let o=s+1;o<t.length;o++)t.slice(s,o)in e&&(n[s]=o-s);"
    assert patch_worker(f"a;{loop}b") == f"a;{loop.replace('o<t.length', 'o<=t.length')}b"
    with pytest.raises(PluginError, match="segmentation loop"):
        patch_worker("no such loop")


# --- a page's start-up cost (tools/hooks/theme_script.py, lean_pages.py) ---------------------


def test_theme_script_patches_apply_to_the_installed_theme_once_and_keep_its_end_state() -> None:
    import material
    import pytest
    from hooks.theme_script import patch
    from mkdocs.exceptions import PluginError

    js_dir = Path(material.__file__).parent / "templates/assets/javascripts"
    (bundle,) = js_dir.glob("bundle.*.min.js")
    patched = patch(bundle.read_text(encoding="utf-8"))
    root = "document.documentElement"
    assert f'{root}.classList.remove("no-js")' not in patched  # done in tools/theme/main.html
    assert f'{root}.classList.contains("js-focus-visible")||' in patched
    assert "document.querySelector('meta[name=color-scheme]')||" in patched
    assert ".content!==" in patched
    # started in a task of its own when loaded after the page was parsed
    assert 'document.readyState==="loading"?' in patched
    assert ":setTimeout(()=>" in patched
    with pytest.raises(PluginError, match="no-js"):
        patch(patched)  # patched twice: the first patch no longer finds its code


def test_the_theme_script_is_requested_once_the_page_is_first_drawn() -> None:
    import pytest
    from hooks.theme_script import start_after_first_frame
    from mkdocs.exceptions import PluginError

    src = "../assets/javascripts/bundle.a5f9d56c.min.js"
    page = f'<p>text</p>\n<script src="{src}"></script>\n<script src="../x.js"></script>'
    out = start_after_first_frame(page)
    assert f'<script src="{src}">' not in out
    assert '<script src="../x.js"></script>' in out  # other scripts are left alone
    loader = out.split("\n")[1]
    assert loader.startswith("<script>requestAnimationFrame(function(){setTimeout(function(){")
    assert f's.src="{src}"' in loader and loader.endswith("</script>")
    with pytest.raises(PluginError, match="0 script tags"):
        start_after_first_frame(out)


def test_name_and_whitespace_spans_of_code_are_unwrapped_and_its_text_kept() -> None:
    from hooks.lean_pages import unwrap_plain_tokens

    code = (
        '<pre><code><span class="gp">&gt;&gt;&gt; </span><span class="n">x</span>'
        '<span class="w">  </span><span class="o">=</span> <span class="mi">1</span></code></pre>'
        '<p><span class="n">outside code</span> <code class="highlight"><span class="n">q</span>'
        '<span class="p">.</span><span class="n">shape</span></code></p>'
    )
    assert unwrap_plain_tokens(code) == (
        '<pre><code><span class="gp">&gt;&gt;&gt; </span>x'
        '  <span class="o">=</span> <span class="mi">1</span></code></pre>'
        '<p><span class="n">outside code</span> <code class="highlight">q'
        '<span class="p">.</span>shape</code></p>'
    )


def test_katex_fonts_are_read_from_the_classes_of_a_page_s_formulas() -> None:
    from hooks.katex_fonts import katex_fonts

    assert katex_fonts("<p>no math</p>") == []
    plain = '<span class="katex"><span class="mord mathnormal">x</span></span>'
    assert katex_fonts(plain) == ["KaTeX_Main-Regular", "KaTeX_Math-Italic"]
    # .delimsizing.size1 needs both classes on one element; apart they select nothing
    apart = plain + '<span class="delimsizing"></span><span class="size1"></span>'
    assert katex_fonts(apart) == ["KaTeX_Main-Regular", "KaTeX_Math-Italic"]
    big = plain + '<span class="delimsizing size1"></span><span class="mord amsrm"></span>'
    assert katex_fonts(big) == [
        "KaTeX_AMS-Regular", "KaTeX_Main-Regular", "KaTeX_Math-Italic", "KaTeX_Size1-Regular"
    ]  # fmt: skip
    assert "KaTeX_Main-Bold" in katex_fonts(plain + '<span class="mord mathbf">W</span>')


def test_a_cut_down_katex_font_is_the_same_bytes_on_every_build() -> None:
    """Its bytes key the reuse of the browser tests (tests/browser.py served_digest): a build
    that changed no formula must not change the fonts (fontTools stamps the time otherwise)."""
    import time

    from hooks.katex_fonts import _KATEX_DIR, subset

    font = _KATEX_DIR / "fonts" / "KaTeX_Size1-Regular.woff2"
    first = subset(font, set("()[]{}"))
    time.sleep(1.1)  # the font's modification time counts seconds
    assert subset(font, set("()[]{}")) == first
    assert 0 < len(first) < font.stat().st_size


def test_a_cut_down_katex_font_is_reused_only_for_the_same_font_and_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hooks import katex_fonts

    monkeypatch.setattr(katex_fonts, "CACHE_DIR", tmp_path)
    font = katex_fonts._KATEX_DIR / "fonts" / "KaTeX_Size1-Regular.woff2"
    made = katex_fonts.cached_subset(font, set("()"))
    assert made == katex_fonts.subset(font, set("()")) and len(list(tmp_path.iterdir())) == 1
    monkeypatch.setattr(katex_fonts, "subset", lambda *_: b"made again")
    assert katex_fonts.cached_subset(font, set("()")) == made  # kept, not made again
    assert katex_fonts.cached_subset(font, set("()[]")) == b"made again"  # other characters
    other = tmp_path / "Size2.woff2"
    other.write_bytes((font.parent / "KaTeX_Size2-Regular.woff2").read_bytes())
    assert katex_fonts.cached_subset(other, set("()")) == b"made again"  # another font


def test_compiled_templates_are_kept_and_an_edited_template_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hooks import template_cache
    from jinja2 import Environment, FileSystemLoader

    monkeypatch.setattr(template_cache, "CACHE_DIR", tmp_path / "jinja")
    (tmp_path / "page.html").write_text("<p>{{ title }}</p>")

    def render() -> str:
        env = template_cache.on_env(Environment(loader=FileSystemLoader(tmp_path)), {}, None)
        return str(env.get_template("page.html").render(title="Q/K/V"))

    assert render() == "<p>Q/K/V</p>"
    assert len(list((tmp_path / "jinja").iterdir())) == 1  # compiled once, kept
    assert render() == "<p>Q/K/V</p>"  # a fresh environment (the next language) reuses it
    (tmp_path / "page.html").write_text("<h1>{{ title }}</h1>")
    assert render() == "<h1>Q/K/V</h1>"  # edited: compiled again, never stale


# --- notebooks (tools/hooks/notebooks.py, copy_code.repl_code) ------------------------------


NOTEBOOK_CELL = """<style type="text/css">.jupyter-wrapper{--x: 1}</style>
<div class="jp-Cell jp-CodeCell" id="cell-id=code-01">
<div class="jp-Cell-inputWrapper" tabindex="0"><div class="jp-InputArea jp-Cell-inputArea">
<div class="jp-InputPrompt jp-InputArea-prompt">In\xa0[3]:</div><div class="CodeMirror">
<div class="zeroclipboard-container"><clipboard-copy for="cell-3"><div>x</div></clipboard-copy>
</div>
<div class="highlight-ipynb hl-python"><pre><span></span><span class="o">%</span>matplotlib inline
<span class="k">def</span> f():
    a = 1

    return a
f()</pre></div>
<div class="clipboard-copy-txt" id="cell-3">%matplotlib inline</div>
</div></div></div>
<h2 id="data">Data<a class="anchor-link" href="#data">¶</a></h2>"""


def test_notebook_cells_become_code_blocks_with_prompts_in_an_attribute(tmp_path: Path) -> None:
    from hooks import notebooks

    out = notebooks.restyle(NOTEBOOK_CELL, "notebooks/x/", tmp_path)
    assert "<style" not in out and "clipboard" not in out and "In\xa0[3]" not in out
    assert 'data-prompt="In [3]:" aria-hidden="true"' in out
    assert '<div class="language-python highlight" data-copy="' in out
    assert '<pre><span></span><code><span class="o">%</span>matplotlib inline' in out
    assert '<a class="headerlink" href="#data" title="Permanent link">¶</a>' in out
    assert 'class="jp-Cell-inputWrapper">' in out  # no tab stop on every cell
    assert 'id="cell-code-01"' in out


def test_notebook_figures_are_written_once_and_load_lazily_with_their_size(
    tmp_path: Path,
) -> None:
    import base64
    import struct
    import zlib

    from hooks import notebooks

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0" * 2))
        + chunk(b"IEND", b"")
    )
    data = base64.b64encode(png).decode()
    img = f'<img alt="a figure" class="" src="data:image/png;base64,{data}"/>'
    out = notebooks.restyle(img + img, "en/notebooks/x/", tmp_path)
    files = list((tmp_path / "assets" / "figures").iterdir())
    assert len(files) == 1 and files[0].read_bytes() == png
    assert (
        out.count(
            f'<img alt="a figure" src="../../../assets/figures/{files[0].name}" width="3" '
            'height="2" loading="lazy" decoding="async"/>'
        )
        == 2
    )


def test_notebook_copy_text_runs_in_a_plain_python_repl() -> None:
    import subprocess
    import sys

    from hooks.copy_code import repl_code

    cell = (
        "%matplotlib inline\nimport math\n\n\ndef f(x):\n    '''Doc.\n\n    More.'''\n"
        "    y = x + 1\n\n    return y\n\n\n# then\nfor i in range(2):\n    print(f(i))\n"
        "print(math.floor(2.5))\n"
    )
    code = repl_code(cell)
    assert "%matplotlib" not in code
    assert "    '''Doc.\n\n    More.'''" in code  # a blank line inside a string stays
    run = subprocess.run(
        [sys.executable, "-i", "-q"], input=code, capture_output=True, text=True, timeout=30
    )
    assert run.stdout == "1\n2\n2\n", run.stderr


# --- tables, diagrams, inline math ----------------------------------------------------------


def test_wide_tables_name_each_cell_for_the_phone_layout() -> None:
    from hooks.tables import card_tables

    math = r'<span class="arithmatex">\(h_{kv}\)</span>'
    head = (
        f"<thead><tr><th>代码</th><th>{math} 公式</th><th>中文</th><th><em>English</em></th>"
        "</tr></thead>"
    )
    row = '<tr><td><code>B</code></td><td align="center">–</td><td>批</td><td>batch</td></tr>'
    out = card_tables(f"<table>{head}<tbody>{row}</tbody></table>")
    assert out.startswith("<table data-qkv-cards>")
    assert '<td data-label="代码"><span><code>B</code></span></td>' in out
    assert '<td data-label="h_kv 公式" align="center"><span>–</span></td>' in out
    assert '<td data-label="English"><span>batch</span></td>' in out
    narrow = "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody></tbody></table>"
    assert card_tables(narrow) == narrow


def test_dark_variant_turns_the_light_panel_dark_and_black_text_light() -> None:
    from hooks.images import dark_color, dark_svg

    def lightness(color: str) -> float:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return (max(r, g, b) + min(r, g, b)) / 2 / 255

    assert lightness(dark_color("#fbfbfb")) < 0.16 and lightness(dark_color("#222")) > 0.7
    svg = '<svg viewBox="0 0 10 10"><rect fill="#ffffff"/><text style="fill:#222">x</text></svg>'
    dark = dark_svg(svg)
    assert dark.startswith(f'<svg viewBox="0 0 10 10" fill="{dark_color("#000")}">')
    assert f'fill="{dark_color("#fff")}"' in dark and f"fill:{dark_color('#222')}" in dark


def test_diagram_gets_light_and_dark_variants_and_its_narrow_drawing(tmp_path: Path) -> None:
    diagrams = tmp_path / "assets" / "diagrams"
    diagrams.mkdir(parents=True)
    (diagrams / "flow.svg").write_text('<svg viewBox="0 0 960 200"><text font-size="12"/></svg>')
    (diagrams / "flow.narrow.svg").write_text('<svg viewBox="0 0 360 640"></svg>')
    (diagrams / "wide.svg").write_text('<svg viewBox="0 0 600 200"><text font-size="10"/></svg>')
    html = (
        '<img alt="a" src="../assets/diagrams/flow.svg" />'
        '<img alt="b" src="../assets/diagrams/wide.svg" />'
    )
    out = images.size_images(html, "heads/", tmp_path)
    assert out.count('class="qkv-diagram qkv-diagram--light"') == 2
    assert 'srcset="../assets/diagrams/flow.narrow.dark.svg" width="360" height="640"' in out
    assert 'src="../assets/diagrams/flow.dark.svg" width="960" height="200"' in out
    # without a narrow drawing: at least as wide as makes 10-unit text 11 px, scrolling
    assert 'tabindex="0"><img alt="b" src="../assets/diagrams/wide.svg"' in out
    assert 'style="--qkv-min-width: 660px"' in out
    written = images.write_dark_variants(tmp_path, tmp_path / "site")
    assert sorted(p.name for p in written) == [
        "flow.dark.svg",
        "flow.narrow.dark.svg",
        "wide.dark.svg",
    ]


def test_inline_math_keeps_the_punctuation_around_it_on_its_line() -> None:
    out = math.typeset('<p>形状（<span class="arithmatex">\\(x\\)</span>），然后</p>', "p.md")
    assert out.startswith('<p>形状<span class="qkv-nobr">（<span class="arithmatex">')
    assert out.endswith("</span>），</span>然后</p>")
