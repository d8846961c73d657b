"""The notebooks in docs/notebooks/: executed, reproducible, paired, and rendered on the site.

Every notebook is executed once per test session, each in a fresh kernel (two at a time), by
tools/execute_notebooks.py; the tests then check that no cell failed and that every text output
(streams and ``text/plain``) equals the committed one, trailing whitespace aside. Refresh the
committed outputs with ``.venv/bin/python tools/execute_notebooks.py``.

The built-site tests read ``notebooks/<name>/index.html`` and ``en/notebooks/<name>/index.html``:
rendered cells and figures (not the raw JSON that mkdocs-static-i18n leaves without the hook in
tools/hooks/i18n_fixes.py), the page's language, and a language switcher that leads to the
notebook's own translation.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from pathlib import Path

import execute_notebooks  # from tools/, which tests/conftest.py puts on sys.path
import nbformat
import pytest
from hooks import notebooks as hooks_notebooks
from sitecheck import Site, nav_pages

NOTEBOOKS = execute_notebooks.notebook_paths()
NAMES = sorted({p.name.split(".")[0] for p in NOTEBOOKS})
LANGS = ("zh", "en")
MAX_PAGE_BYTES = 2_500_000


def _id(path: Path) -> str:
    return path.name.removesuffix(".ipynb")


def _page(name: str, lang: str) -> str:
    return f"notebooks/{name}/index.html" if lang == "zh" else f"{lang}/notebooks/{name}/index.html"


def _source(name: str, lang: str) -> Path:
    return execute_notebooks.NOTEBOOKS / f"{name}.{lang}.ipynb"


def _committed(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _image_outputs(nb: nbformat.NotebookNode) -> int:
    return sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )


def test_there_are_notebooks_in_both_languages() -> None:
    assert NAMES, "no notebooks in docs/notebooks/"
    for name in NAMES:
        for lang in LANGS:
            assert (execute_notebooks.NOTEBOOKS / f"{name}.{lang}.ipynb").exists()


# ---------------------------------------------------------------------------------------------
# Executed in a fresh kernel


SETTINGS = ("this machine", "another CPU setting")


@pytest.fixture(scope="session")
def checked() -> dict[tuple[Path, str], execute_notebooks.Checked]:
    """Every notebook executed under this machine's CPU kernel and threads, and under another."""
    from docblocks import other_setting

    settings = dict(zip(SETTINGS, ({}, other_setting()), strict=True))
    runs = execute_notebooks.check(NOTEBOOKS, settings, jobs=2)
    return {(run.path, run.setting): run for run in runs}


NO_CJK_FONT = (
    "no CJK font here: the Chinese notebooks drew English labels (qkvlib.viz warned; that "
    "warning is not compared). apt-get install fonts-noto-cjk for Chinese labels."
)


CASES = [(p, s) for p in NOTEBOOKS for s in SETTINGS]
CASE_IDS = [f"{_id(p)}-{s.replace(' ', '-')}" for p, s in CASES]


@pytest.mark.parametrize(("path", "setting"), CASES, ids=CASE_IDS)
def test_notebook_runs_without_error(
    checked: dict[tuple[Path, str], execute_notebooks.Checked],
    path: Path,
    setting: str,
    record_property: pytest.RecordProperty,
) -> None:
    from qkvlib.viz import find_cjk_font

    run = checked[path, setting]
    if find_cjk_font() is None:  # printed once in the closing summary (tests/conftest.py)
        record_property("summary:notebooks", NO_CJK_FONT)
    assert run.error is None, f"{path.name} failed in a fresh kernel ({setting}):\n{run.error}"


@pytest.mark.parametrize(("path", "setting"), CASES, ids=CASE_IDS)
def test_notebook_text_outputs_are_what_the_code_prints(
    checked: dict[tuple[Path, str], execute_notebooks.Checked], path: Path, setting: str
) -> None:
    run = checked[path, setting]
    if run.outputs is None:
        pytest.fail(f"{path.name} did not run to the end (see test_notebook_runs_without_error)")
    committed = execute_notebooks.text_outputs(_committed(path))
    assert len(run.outputs) == len(committed)
    for i, (new, old) in enumerate(zip(run.outputs, committed, strict=True)):
        if new != old:
            diff = "\n".join(
                difflib.unified_diff(
                    [f"{k}: {t}" for k, t in old],
                    [f"{k}: {t}" for k, t in new],
                    "committed",
                    f"executed ({setting})",
                    lineterm="",
                )
            )
            pytest.fail(
                f"{path.name}, code cell {i}: the output differs from the committed one "
                f"({setting}); re-run tools/execute_notebooks.py and commit the notebook\n{diff}"
            )


def test_font_fallback_filter_drops_only_the_viz_warning() -> None:
    warning = (
        "/x/qkvlib/viz.py:139: UserWarning: qkvlib.viz: no CJK font found (looked for ...); "
        "drawing the English labels instead.\n  return None"
    )
    cells = [[("stream:stderr", warning), ("stream:stdout", "0.244")], [("stream:stderr", "boom")]]
    assert execute_notebooks.without_font_fallback(cells) == [
        [("stream:stdout", "0.244")],
        [("stream:stderr", "boom")],
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_committed_notebook_is_executed_cleanly(path: Path) -> None:
    nb = _committed(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "a code cell was never executed"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"cells run out of order: {counts}"
    kinds = {out.output_type for c in code for out in c.outputs}
    assert "error" not in kinds
    stderr = [out.text for c in code for out in c.outputs if out.get("name") == "stderr"]
    assert not stderr, f"warnings or errors on stderr: {stderr}"
    assert _image_outputs(nb) > 0, "no figure"


# ---------------------------------------------------------------------------------------------
# The zh/en pair


def _code_shape(source: str) -> list[tuple[int, str]]:
    """Tokens of a code cell with comments dropped and string contents blanked.

    Label strings and comments are in the notebook's language; everything else must match.
    """
    lines = source.splitlines()
    magic = ("%", "!")  # IPython magics are not Python: compared as they are
    shape = [(-1, line.strip()) for line in lines if line.lstrip().startswith(magic)]
    source = "\n".join("" if line.lstrip().startswith(magic) else line for line in lines)
    for tok in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
            continue
        text = tok.string
        if tok.type == tokenize.STRING:
            text = re.sub(r"^([a-zA-Z]*)(['\"]+).*", r"\1\2", text, flags=re.DOTALL)  # prefix
        elif tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):  # Python >= 3.12
            text = ""
        shape.append((tok.type, text))
    return shape


@pytest.mark.parametrize("name", NAMES)
def test_pair_has_the_same_code_apart_from_comments_and_strings(name: str) -> None:
    zh, en = (_committed(execute_notebooks.NOTEBOOKS / f"{name}.{lang}.ipynb") for lang in LANGS)
    assert [c.cell_type for c in zh.cells] == [c.cell_type for c in en.cells]
    for i, (a, b) in enumerate(zip(zh.cells, en.cells, strict=True)):
        if a.cell_type == "code":
            assert _code_shape(a.source) == _code_shape(b.source), f"code cell {i} differs"


@pytest.mark.parametrize("name", NAMES)
def test_pair_draws_the_same_number_of_figures(name: str) -> None:
    zh, en = (_committed(execute_notebooks.NOTEBOOKS / f"{name}.{lang}.ipynb") for lang in LANGS)
    assert _image_outputs(zh) == _image_outputs(en)


def test_code_shape_ignores_comments_and_label_strings() -> None:
    assert _code_shape('x = f("训练前")  # 注释') == _code_shape('x = f("before")  # note')
    assert _code_shape('x = f"位{i}"') == _code_shape('x = f"p{i}"')
    assert _code_shape("x = f(1)") != _code_shape("x = f(2)")


def test_every_notebook_is_in_the_nav() -> None:
    missing = [n for n in NAMES if f"notebooks/{n}.ipynb" not in nav_pages()]
    assert not missing, f"notebooks not in mkdocs.yml nav: {missing}"


# ---------------------------------------------------------------------------------------------
# On the built site


@pytest.fixture(scope="module")
def site(built_site: Path) -> Site:
    return Site(built_site)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_page_holds_rendered_cells_and_figures(site: Site, name: str, lang: str) -> None:
    page = _page(name, lang)
    assert site.exists(page), f"{page} was not built"
    soup = site.soup(page)
    assert soup.html["lang"] == lang
    text = site.text(page)
    assert '"cell_type"' not in text and '"nbformat"' not in text, f"{page}: raw notebook JSON"
    nb = _committed(execute_notebooks.NOTEBOOKS / f"{name}.{lang}.ipynb")
    cells = soup.select(".jupyter-wrapper .jp-Cell")
    assert len(cells) >= len(nb.cells), f"{page}: {len(cells)} rendered cells for {len(nb.cells)}"
    assert soup.select(".jp-RenderedMarkdown h1"), f"{page}: the notebook's title is not rendered"
    figures = [
        img
        for img in soup.select(".jupyter-wrapper img")
        if site.exists(site.resolve(page, img.get("src", ""))[0]) and img["src"].endswith(".png")
    ]
    assert len(figures) == _image_outputs(nb), f"{page}: {len(figures)} figures"
    alts = [img.get("alt", "") for img in figures]
    assert alts == hooks_notebooks.figure_alts(_source(name, lang)), f"{page}: figure alt texts"
    assert all(alts) and not any("No description" in a for a in alts), alts
    assert soup.select(".jp-OutputArea-output pre"), f"{page}: no printed output"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_language_switcher_leads_to_its_translation(
    site: Site, name: str, lang: str
) -> None:
    here = _page(name, lang)
    for other_lang in LANGS:
        links = site.soup(here).select(f"a[hreflang={other_lang}]")
        assert links, f"{here}: no language switcher entry for {other_lang}"
        targets = {site.resolve(here, a["href"])[0] for a in links}
        assert targets == {_page(name, other_lang)}, f"{here} -> {other_lang}: {targets}"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_headings_carry_the_same_explicit_anchors_in_both_languages(
    site: Site, name: str
) -> None:
    ids = {
        lang: [
            h.get("id")
            for h in site.soup(_page(name, lang)).select(
                ".jp-Notebook h1, .jp-Notebook h2, .jp-Notebook h3"
            )
        ]
        for lang in LANGS
    }
    assert all(ids["zh"]) and ids["zh"] == ids["en"], ids
    for lang in LANGS:  # the table of contents links to them
        toc = site.soup(_page(name, lang)).select("nav.md-nav--secondary a[href^='#']")
        assert {a["href"][1:] for a in toc} <= set(ids[lang]), f"{lang}: TOC link without heading"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_page_loads_no_mathjax_or_mermaid_loader(site: Site, name: str, lang: str) -> None:
    soup = site.soup(_page(name, lang))
    scripts = soup.find_all("script")
    assert not [s for s in scripts if s.has_attr("src") and not s["src"].strip()], "src=''"
    assert not [s for s in scripts if "mermaid" in s.get_text() or "MathJax" in s.get_text()]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", NAMES)
def test_notebook_page_with_its_images_is_small(site: Site, name: str, lang: str) -> None:
    page = _page(name, lang)
    total = (site.root / page).stat().st_size
    for img in site.soup(page).find_all("img"):
        src = img.get("src", "")
        if src and not src.startswith("data:"):
            target, _ = site.resolve(page, src)
            if site.exists(target):
                total += (site.root / target).stat().st_size
    assert total < MAX_PAGE_BYTES, f"{page}: {total / 1e6:.2f} MB with its images"
