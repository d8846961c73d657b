"""Tests of the built site: what `mkdocs build --strict` wrote, read as a browser would get it.

`make test` builds the site first and points QKV_SITE_DIR at it; run alone, these tests build it
into a temporary folder (tests/sitecheck.py).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sitelinks
from docblocks import DOCS
from sitecheck import Site, page_paths

LOADING_TAGS = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "audio": "src",
    "video": "src",
    "embed": "src",
    "object": "data",
    "link": "href",
}
NON_LOADING_LINK_RELS = {"canonical", "alternate"}  # metadata: the browser fetches nothing


def test_home_pages_carry_their_language(site: Site) -> None:
    assert site.soup("index.html").html["lang"] == "zh"
    assert site.soup("en/index.html").html["lang"] == "en"


@pytest.mark.parametrize("page", page_paths())
def test_every_page_exists_in_both_languages_with_its_lang(site: Site, page: str) -> None:
    assert site.soup(page).html["lang"] == "zh"
    assert site.soup(f"en/{page}").html["lang"] == "en"


@pytest.mark.parametrize("page", page_paths())
def test_language_switcher_keeps_the_reader_on_the_same_page(site: Site, page: str) -> None:
    for here, other_lang, other in ((page, "en", f"en/{page}"), (f"en/{page}", "zh", page)):
        links = site.soup(here).select(f"a[hreflang={other_lang}]")
        assert links, f"{here}: no language switcher entry for {other_lang}"
        assert {site.resolve(here, a["href"])[0] for a in links} == {other}


SOURCES = sorted([*DOCS.rglob("*.md"), *DOCS.rglob("*.ipynb")])


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_link_image_stylesheet_and_script_of_a_page_resolves(
    site: Site, source: Path
) -> None:
    problems = sitelinks.page_problems(site.root, source)
    assert not problems, "\n" + "\n".join(str(p) for p in problems)


def test_every_page_says_which_versions_its_code_was_tested_with(site: Site) -> None:
    from hooks import tested_with

    pins = tested_with.versions()
    constraints = (DOCS.parent / "constraints.txt").read_text(encoding="utf-8")
    assert f"torch=={pins['torch']}" in constraints
    assert f"transformers=={pins['transformers']}" in constraints
    for source in SOURCES:
        page = sitelinks.built_page(source)
        line = site.soup(page).select_one("[data-tested-with]")
        assert line is not None, f"{page}: no tested-with line"
        assert line["data-tested-with"] == " · ".join(f"{k} {v}" for k, v in pins.items())
        target, fragment = site.resolve(page, line.find("a")["href"])
        assert (target, fragment) == (
            "en/run-examples/index.html" if page.startswith("en/") else "run-examples/index.html",
            "what-may-differ",
        ), page


def test_nothing_loads_from_another_host(site: Site) -> None:
    external = []
    for page in site.html_pages():
        soup = site.soup(page)
        for tag, attr in LOADING_TAGS.items():
            for el in soup.find_all(tag):
                url = el.get(attr) or ""
                if tag == "link" and NON_LOADING_LINK_RELS & set(el.get("rel", [])):
                    continue
                if _is_external(url):
                    external.append(f"{page}: <{tag} {attr}={url}>")
                for src in (el.get("srcset") or "").split(","):
                    if _is_external(src.strip().split(" ")[0]):
                        external.append(f"{page}: <{tag} srcset={src}>")
        for style in [s.get_text() for s in soup.find_all("style")] + [
            el["style"] for el in soup.find_all(style=True)
        ]:
            external += [f"{page}: url({u})" for u in _css_urls(style) if _is_external(u)]
    for css in site.root.rglob("*.css"):
        rel = css.relative_to(site.root).as_posix()
        external += [f"{rel}: url({u})" for u in _css_urls(css.read_text()) if _is_external(u)]
        external += [
            f"{rel}: @import {u}" for u in _css_imports(css.read_text()) if _is_external(u)
        ]
    assert not external, "\n".join(external[:50])


def test_no_google_fonts_or_cdn_is_named_anywhere_in_html(site: Site) -> None:
    hits = [
        page
        for page in site.html_pages()
        if re.search(
            r"fonts\.googleapis|fonts\.gstatic|cdn\.jsdelivr|unpkg\.com|cdnjs", site.text(page)
        )
    ]
    assert not hits, hits


def test_css_urls_resolve_to_served_files(site: Site) -> None:
    missing = []
    for css in site.root.rglob("*.css"):
        for u in _css_urls(css.read_text()):
            if _is_external(u) or u.startswith("data:") or u.startswith("#"):
                continue
            target = (css.parent / u.split("?")[0].split("#")[0]).resolve()
            if not target.exists():
                missing.append(f"{css.relative_to(site.root)}: url({u})")
    assert not missing, "\n".join(missing[:20])


def test_every_katex_font_keeps_the_glyphs_of_every_character_the_formulas_show(
    site: Site,
) -> None:
    """tools/hooks/katex_fonts.py cuts the built fonts down to the formulas' characters."""
    from fontTools.ttLib import TTFont
    from hooks.katex_fonts import ALWAYS, shown_characters

    shown = {ord(c) for c in shown_characters(site.root) | ALWAYS}
    assert len(shown) > 50  # letters, digits, Greek, operators
    full_dir = DOCS / "assets/vendor/katex/fonts"
    built_bytes = full_bytes = 0
    for full in sorted(full_dir.glob("*.woff2")):
        built = site.root / "assets/vendor/katex/fonts" / full.name
        kept = set(TTFont(built).getBestCmap())
        had = set(TTFont(full).getBestCmap())
        assert had & shown <= kept, (full.name, sorted(chr(c) for c in (had & shown) - kept))
        assert kept <= had, full.name
        built_bytes += built.stat().st_size
        full_bytes += full.stat().st_size
    assert built_bytes < 0.8 * full_bytes, (built_bytes, full_bytes)


def test_every_page_requests_the_theme_script_once_it_is_first_drawn(site: Site) -> None:
    """tools/hooks/theme_script.py: no page holds its first paint for the theme's script; a
    loader requests the script after the first frame, at an address that exists."""
    theme = "javascripts/bundle."
    for page in site.html_pages():
        soup = site.soup(page)
        tags = [s["src"] for s in soup.find_all("script", src=True) if theme in s["src"]]
        assert not tags, f"{page}: the theme's script is loaded by a script tag {tags}"
        loaders = [s.string for s in soup.find_all("script") if theme in (s.string or "")]
        assert len(loaders) == 1, f"{page}: {len(loaders)} loaders of the theme's script"
        src = re.search(r's\.src="([^"]+)"', loaders[0])
        assert src, loaders[0]
        if page.endswith("404.html"):  # addressed from the site's root, as it is served anywhere
            target = "assets/javascripts/" + src[1].split("/assets/javascripts/")[1]
        else:
            target = site.resolve(page, src[1])[0]
        assert site.exists(target), f"{page}: the loader requests {src[1]}, which is not built"


def test_highlighted_code_has_no_name_or_whitespace_spans_and_names_look_like_code(
    site: Site,
) -> None:
    """tools/hooks/lean_pages.py unwraps them: that changes nothing a reader sees while every
    stylesheet colours a name as plain code and gives the two classes no rule of their own."""
    sheets = [*site.root.glob("assets/stylesheets/*.css"), *site.root.glob("assets/css/*.css")]
    css = "".join(p.read_text(encoding="utf-8") for p in sheets)
    assert re.findall(r"--md-code-hl-name-color:([^;}]+)", css) == ["var(--md-code-fg-color)"] * 2
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    styled = [(sel, body) for sels, body in rules for sel in sels.split(",")
              if re.search(r"\.[nw](?![\w-])", sel)]  # fmt: skip
    assert styled == [(".highlight .n", "color:var(--md-code-hl-name-color)")]
    code_pages = 0
    for page in site.html_pages():
        text = site.text(page)
        assert '<span class="n">' not in text and '<span class="w">' not in text, page
        code_pages += '<span class="o">' in text
    assert code_pages > 20


def test_math_is_typeset_at_build_time_with_no_math_script(site: Site) -> None:
    formulas = 0
    for page in site.html_pages():
        soup = site.soup(page)
        for el in soup.select(".arithmatex"):
            assert el.select_one(".katex"), f"{page}: untypeset math {el.get_text()[:40]!r}"
            assert el.select_one("math annotation"), f"{page}: formula without MathML"
            formulas += 1
        scripts = [s.get("src", "") for s in soup.find_all("script")]
        assert not [s for s in scripts if "katex" in s or "mathjax" in s.lower()], (page, scripts)
    assert formulas > 100
    css = [ln.get("href", "") for ln in site.soup("index.html").find_all("link")]
    assert any(h.endswith("assets/vendor/katex/katex.min.css") for h in css)
    assert (site.root / "assets/vendor/katex/LICENSE").exists()


def test_search_index_holds_segmented_chinese(site: Site) -> None:
    index = json.loads((site.root / "search/search_index.json").read_text(encoding="utf-8"))
    zh_docs = [d for d in index["docs"] if not d["location"].startswith("en/")]
    text = " ".join(d["text"] for d in zh_docs)
    # jieba puts a zero-width space between words; the search separator splits on it
    assert "\u200b" in text
    assert "\\u200b" in index["config"]["separator"] or "\u200b" in index["config"]["separator"]
    tokens = set(re.split(index["config"]["separator"], text))
    assert {"点积", "矩阵"} <= tokens, "mid-sentence Chinese words are not separate tokens"
    assert "stemmer" not in index["config"]["pipeline"], "the stemmer breaks English words on zh"


def _index(site: Site, lang: str) -> dict:
    path = site.root / ("" if lang == "zh" else f"{lang}/") / "search/search_index.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_each_language_has_its_own_search_index_of_its_own_pages(site: Site) -> None:
    for lang, prefix in (("zh", ""), ("en", "en/")):
        docs = _index(site, lang)["docs"]
        pages = {d["location"].split("#")[0] for d in docs}
        assert {p.removesuffix("index.html") for p in page_paths()} <= pages, lang
        for d in docs:  # every result leads to a page of this language
            target = prefix + d["location"].split("#")[0] + "index.html"
            assert site.exists(target), f"{lang}: {d['location']}"
            assert site.soup(target).html["lang"] == lang, f"{lang}: {d['location']}"
    # each about half of one index of both languages, in the bytes a reader downloads
    sizes = {
        lang: len(gzip.compress(json.dumps(_index(site, lang), ensure_ascii=False).encode()))
        for lang in ("zh", "en")
    }
    assert all(size < 0.6 * sum(sizes.values()) for size in sizes.values()), sizes


def test_english_pages_search_the_english_index(site: Site) -> None:
    """The theme fetches search/search_index.json under __config.base and links results under
    it: on English pages that base is the English root (tools/hooks/search.py)."""
    for page in ("en/index.html", "en/heads/index.html", "heads/index.html"):
        config = json.loads(site.soup(page).select_one("#__config").get_text())
        root, _ = site.resolve(page, config["base"].rstrip("/") + "/")
        assert root == ("en/index.html" if page.startswith("en/") else "index.html"), page


def test_search_previews_show_math_as_text_and_no_pilcrows(site: Site) -> None:
    for lang in ("zh", "en"):
        for d in _index(site, lang)["docs"]:
            for field in ("title", "text"):
                assert not re.search(r"\\[(\[]", d[field]), (lang, d["location"], d[field][:80])
                assert "¶" not in d[field], (lang, d["location"])
            assert "<pre" not in d["text"], (lang, d["location"])


def test_search_worker_tries_chinese_words_that_end_the_query(site: Site) -> None:
    (worker,) = (site.root / "assets/javascripts/workers").glob("search.*.min.js")
    assert re.search(r"for\(let (\w)=\w\+1;\1<=\w\.length;", worker.read_text()), worker


def test_edit_links_point_at_the_page_source(site: Site) -> None:
    for page, source in (("index.html", "index.zh.md"), ("en/index.html", "index.en.md")):
        edit = site.soup(page).select_one("a.md-content__button[href*='/edit/']")
        assert edit is not None, f"{page}: no edit link"
        assert edit["href"].endswith(f"/docs/{source}"), edit["href"]


def test_copy_button_is_on_and_every_pycon_block_copies_its_code_only(site: Site) -> None:
    from hooks import copy_code

    config = site.soup("index.html").select_one("#__config")
    assert config is not None and "content.code.copy" in json.loads(config.get_text())["features"]
    blocks = 0
    for page in site.html_pages():
        for div in site.soup(page).select("div.language-pycon.highlight"):
            session = div.find("code").get_text()
            assert div.get("data-copy") == copy_code.code_to_copy(session), (
                f"{page}: {session[:60]}"
            )
            assert ">>>" not in div["data-copy"]
            blocks += 1
    assert blocks > 0


def test_light_and_dark_palettes_are_offered(site: Site) -> None:
    toggles = site.soup("index.html").select("form[data-md-component=palette] input")
    assert len(toggles) == 2


def _is_external(url: str) -> bool:
    url = url.strip().strip("'\"")
    return url.startswith("//") or bool(urlsplit(url).scheme in {"http", "https"})


def _css_urls(css: str) -> list[str]:
    return [m.strip().strip("'\"") for m in re.findall(r"url\(([^)]*)\)", css)]


def _css_imports(css: str) -> list[str]:
    return re.findall(r"@import\s+[\"']([^\"']+)", css)


def test_external_url_detection() -> None:
    assert _is_external("https://fonts.googleapis.com/css")
    assert _is_external("//cdn.example.org/x.js")
    assert not _is_external("../assets/x.js")
    assert _css_urls('a{background:url("https://x/y.png")}') == ["https://x/y.png"]


def test_site_has_no_raw_notebook_json(site: Site) -> None:
    leaked = [p.relative_to(site.root).as_posix() for p in site.root.rglob("*.ipynb")]
    assert not leaked, f"notebooks copied as raw JSON instead of rendered: {leaked}"


def test_pages_from_docs_are_all_built(site: Site) -> None:
    for page in page_paths():
        assert (site.root / page).exists() and (site.root / "en" / page).exists()


@pytest.fixture(scope="module")
def site(built_site: Path) -> Site:
    return Site(built_site)


def test_offline_archive_holds_the_whole_site(site: Site) -> None:
    import zipfile

    archive = site.root / "qkv-explained-offline.zip"
    assert archive.exists(), "the build writes qkv-explained-offline.zip (tools/build_site.py)"
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
    expected = {f"qkv-explained/{p}" for p in site.html_pages()}
    assert expected <= names, sorted(expected - names)[:10]
    assert "qkv-explained/search/search_index.json" in names


def test_chinese_pages_have_no_line_break_between_chinese_characters(site: Site) -> None:
    import re as _re

    cjk = "\u4e00-\u9fff\u3000-\u303f\uff00-\uffef"
    pattern = _re.compile(rf"[{cjk}]\n[{cjk}]")
    bad = []
    for page in page_paths():
        for el in site.soup(page).select(".md-content p, .md-content li, .md-content td"):
            if el.find_parent("pre") is None and pattern.search(el.get_text()):
                bad.append(f"{page}: {el.get_text()[:40]!r}")
    assert not bad, "\n".join(bad[:10])


def test_notebook_pages_carry_no_jupyter_stylesheet_and_no_inlined_figures(site: Site) -> None:
    notebooks = [p for p in site.html_pages() if "/notebooks/" in f"/{p}" and p.count("/") > 1]
    assert len(notebooks) >= 4, notebooks
    for page in notebooks:
        soup = site.soup(page)
        styles = sum(len(s.get_text()) for s in soup.select("article style"))
        assert styles == 0, f"{page}: {styles:,} characters of inlined CSS"
        assert not soup.select('img[src^="data:"]'), f"{page}: figures inlined as base64"
        assert not soup.select("clipboard-copy, .clipboard-copy-txt"), page
        cells = soup.select(".jp-CodeCell .highlight[data-copy] > pre > code")
        assert cells, f"{page}: no code cell in the chapters' code style"
        for img in soup.select(".jp-RenderedImage img"):
            assert img.get("loading") == "lazy" and img.get("width"), (page, img.get("src"))
            assert site.exists(site.resolve(page, img["src"])[0]), (page, img["src"])
        prompts = soup.select(".jp-InputPrompt")
        assert prompts and not any(p.get_text(strip=True) for p in prompts), page


def test_every_diagram_has_a_dark_variant_shown_in_the_dark_palette(site: Site) -> None:
    shown = 0
    for page in site.html_pages():
        for light in site.soup(page).select(".qkv-diagram--light img"):
            dark = light.find_parent(class_="qkv-diagram--light").find_next_sibling()
            assert dark is not None and "qkv-diagram--dark" in dark["class"], page
            src = dark.select_one("img")["src"]
            assert src == light["src"].removesuffix(".svg") + ".dark.svg", (page, src)
            assert site.exists(site.resolve(page, src)[0]), (page, src)
            shown += 1
    assert shown > 0


def test_the_translation_banner_is_on_exactly_the_pages_behind_their_translation(
    site: Site,
) -> None:
    from hooks import translations
    from sitecheck import ROOT

    states = translations.status(ROOT / "docs")
    for topic, st in states.items():
        for lang in ("zh", "en"):
            page = ("" if lang == "zh" else "en/") + (
                "index.html" if topic == "index" else f"{topic}/index.html"
            )
            if not site.exists(page):
                continue
            banner = site.soup(page).select_one('[data-translation-status="outdated"]')
            behind = st.behind(lang)
            assert (banner is not None) == bool(behind), (page, behind)
            if banner is not None:
                assert banner["data-sections"].split() == behind


def test_pages_link_only_the_stylesheets_they_use(site: Site) -> None:
    with_math = without_math = 0
    for page in site.html_pages():
        html = site.text(page)
        links = [ln.get("href", "") for ln in site.soup(page).select("link[rel=stylesheet]")]
        katex = any(h.endswith("katex/katex.min.css") for h in links)
        assert katex == ('class="katex' in html), f"{page}: KaTeX stylesheet {katex}"
        with_math += katex
        without_math += not katex
        api = any(h.endswith("_mkdocstrings.css") for h in links)
        assert api == ('class="doc doc-' in html), f"{page}: mkdocstrings stylesheet {api}"
    assert with_math and without_math


def test_the_palette_stylesheet_does_not_restyle_every_element_on_each_load(site: Site) -> None:
    (palette,) = (site.root / "assets/stylesheets").glob("palette.*.min.css")
    assert "data-md-color-switching" not in palette.read_text(encoding="utf-8")


def test_each_language_has_its_own_404_page_with_links_home_and_to_search(site: Site) -> None:
    import yaml
    from sitecheck import ROOT

    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    site_url = yaml.load(config, Loader=yaml.BaseLoader)["site_url"]
    root = urlsplit(site_url).path  # 404 pages link from the site's root
    for page, lang, home in (("404.html", "zh", root), ("en/404.html", "en", root + "en/")):
        soup = site.soup(page)
        assert soup.html["lang"] == lang, page
        links = [a["href"] for a in soup.select("article a[href]")]
        assert home in links and f"{home}?q=" in links, (page, links)
    assert "en/404.html" in site.text("404.html")  # readers of /en/ addresses are sent on


def test_the_footer_speaks_the_page_s_language_and_links_the_offline_archive(site: Site) -> None:
    for page in ("index.html", "en/index.html", "heads/index.html", "en/heads/index.html"):
        footer = site.soup(page).select_one(".md-copyright")
        text = footer.get_text(" ", strip=True)
        zh = not page.startswith("en/")
        assert ("本站用" in text and "许可" in text) if zh else ("Made with" in text), text
        assert not re.search(r"[\u4e00-\u9fff]", text) or zh, f"{page}: Chinese in the footer"
        link = footer.select_one("a[data-offline-archive]")
        assert link is not None and link.has_attr("download"), page
        assert site.resolve(page, link["href"])[0] == "qkv-explained-offline.zip", link["href"]
