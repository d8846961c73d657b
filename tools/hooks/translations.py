"""Translation status: which page of a pair lags behind the other, and in which sections.

docs/translations.json records, for every page pair (``heads.zh.md`` + ``heads.en.md``, the
notebooks likewise), a hash of each section of both languages as they were when a translator
last brought the pair in sync. A section is a heading with its explicit anchor (``## 公式
{ #formula }``) and everything up to the next heading; the text before the first ``##`` is the
section of the page's ``#`` heading. Comparing today's hashes with the record:

* a section that changed in one language and not in the other leaves the other language
  behind: its page shows a banner (``data-translation-status="outdated"``) naming those
  sections and linking to them in the other language;
* a section that changed in both is taken as translated; the record is only stale.

``make translations-synced`` (tools/translation_status.py) records today's state after a
translator has synced a pair; ``make test`` prints the outdated pages and passes
(tests/test_translation_status.py). Nothing here needs mkdocs except the two events at the end.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RECORD = "translations.json"
LANGUAGES = ("zh", "en")
NAMES = {"zh": "中文", "en": "English"}
_HEADING = re.compile(
    r"^(?P<hashes>#{1,6})\s+(?P<title>.*?)\s*(?:\{\s*#(?P<id>[\w-]+)[^}]*\})?\s*$"
)
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    digest: str


@dataclass
class PairStatus:
    """What changed in a pair since it was recorded, and which language lags behind."""

    topic: str
    recorded: bool
    changed: dict[str, list[str]] = field(default_factory=dict)  # lang -> anchors changed
    titles: dict[str, dict[str, str]] = field(default_factory=dict)  # lang -> anchor -> title

    def behind(self, lang: str) -> list[str]:
        """Anchors that changed in the other language and not in ``lang``, in page order."""
        other = next(x for x in LANGUAGES if x != lang)
        mine = set(self.changed.get(lang, []))
        return [a for a in self.changed.get(other, []) if a not in mine]

    @property
    def both_changed(self) -> list[str]:
        zh, en = (set(self.changed.get(x, [])) for x in LANGUAGES)
        return [a for a in self.changed.get("zh", []) if a in zh & en]


# --- sections -------------------------------------------------------------------------------


def _markdown_of(path: Path) -> str:
    """A page's source as Markdown; a notebook's cells (sources, not outputs) joined."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return text
    cells = json.loads(text)["cells"]
    parts = []
    for cell in cells:
        source = "".join(cell["source"])
        parts.append(source if cell["cell_type"] == "markdown" else f"```python\n{source}\n```")
    return "\n\n".join(parts)


def sections(path: Path) -> list[Section]:
    """The sections of a page, in order."""
    found: list[tuple[str, str, list[str]]] = [("", "", [])]
    fence = ""
    for line in _markdown_of(path).splitlines():
        if m := _FENCE.match(line):
            fence = "" if fence == m[1] else (fence or m[1])
        elif not fence and (h := _HEADING.match(line)):
            anchor = h["id"] or f"_{len(found)}"
            found.append((anchor, h["title"], []))
        found[-1][2].append(line.rstrip())
    out = []
    for anchor, title, lines in found:
        body = "\n".join(lines).strip("\n")
        if not anchor and not body:
            continue
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
        out.append(Section(anchor or "_0", title, digest))
    return out


def pairs(docs: Path) -> dict[str, dict[str, Path]]:
    """{topic: {lang: path}} of every page that exists in both languages."""
    out: dict[str, dict[str, Path]] = {}
    for ext in (".md", ".ipynb"):
        for zh in sorted(docs.rglob(f"*.zh{ext}")):
            en = zh.with_name(zh.name.removesuffix(f".zh{ext}") + f".en{ext}")
            if en.exists():
                topic = zh.relative_to(docs).as_posix().removesuffix(f".zh{ext}")
                out[topic] = {"zh": zh, "en": en}
    return out


# --- the record -----------------------------------------------------------------------------


def snapshot(docs: Path, topics: Iterable[str] | None = None) -> dict[str, Any]:
    """Today's hashes of every pair (or of ``topics``), in the record's format."""
    found = pairs(docs)
    wanted = found if topics is None else {t: found[t] for t in topics}
    return {
        topic: {lang: {s.anchor: s.digest for s in sections(path)} for lang, path in langs.items()}
        for topic, langs in wanted.items()
    }


def read_record(docs: Path) -> dict[str, Any]:
    path = docs / RECORD
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8"))["pairs"])


def write_record(docs: Path, topics: Iterable[str] | None = None) -> list[str]:
    """Record today's state of every pair (or of ``topics``) as in sync; returns the topics."""
    record = read_record(docs)
    fresh = snapshot(docs, topics)
    record.update(fresh)
    known = pairs(docs)
    record = {t: v for t, v in sorted(record.items()) if t in known}
    data = {
        "about": (
            "Hashes of each section of both languages of every page pair, as they were when "
            "the pair was last in sync. Written by `make translations-synced`; see "
            "tools/hooks/translations.py."
        ),
        "pairs": record,
    }
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    (docs / RECORD).write_text(text, encoding="utf-8")
    return sorted(fresh)


def status(docs: Path) -> dict[str, PairStatus]:
    """{topic: PairStatus} for every pair."""
    record = read_record(docs)
    out = {}
    for topic, langs in pairs(docs).items():
        st = PairStatus(topic, recorded=topic in record)
        for lang, path in langs.items():
            now = sections(path)
            st.titles[lang] = {s.anchor: s.title for s in now}
            if not st.recorded:
                continue
            was = record[topic].get(lang, {})
            changed = [s.anchor for s in now if was.get(s.anchor) != s.digest]
            changed += [a for a in was if a not in st.titles[lang]]  # removed sections
            st.changed[lang] = changed
        out[topic] = st
    return out


def report_lines(docs: Path) -> list[str]:
    """One line per page that lags behind its translation (and per stale or missing record)."""
    lines = [
        f"{topic}: recorded, but the page pair is gone; `make translations-synced` forgets it"
        for topic in read_record(docs)
        if topic not in pairs(docs)
    ]
    for topic, st in status(docs).items():
        if not st.recorded:
            lines.append(f"{topic}: no recorded state; run `make translations-synced PAGE={topic}`")
            continue
        for lang in LANGUAGES:
            other = next(x for x in LANGUAGES if x != lang)
            if behind := st.behind(lang):
                names = ", ".join(
                    f"#{a} ({st.titles[other].get(a) or st.titles[lang].get(a) or 'removed'})"
                    for a in behind
                )
                lines.append(f"{topic}.{lang}: behind {other} in {names}")
        if both := st.both_changed:
            lines.append(
                f"{topic}: {', '.join('#' + a for a in both)} changed in both languages; if they "
                f"match, run `make translations-synced PAGE={topic}`"
            )
    return lines


# --- the banner -----------------------------------------------------------------------------

_TEXT = {
    "zh": {
        "title": "这一页的中文落后于英文版",
        "body": "英文版改动了下面这些小节，中文还没有跟上：",
        "link": "阅读英文版",
        "sep": "、",
        "end": "。",
    },
    "en": {
        "title": "This page is behind the Chinese version",
        "body": "The Chinese version changed these sections and the English has not caught up: ",
        "link": "Read the Chinese version",
        "sep": ", ",
        "end": ".",
    },
}


def banner(lang: str, anchors: list[str], titles: dict[str, str], other_url: str) -> str:
    """The banner on a page in ``lang`` whose sections ``anchors`` lag behind the page at
    ``other_url`` (relative to this page); ``titles`` names the anchors."""
    other = next(x for x in LANGUAGES if x != lang)
    t = _TEXT[lang]
    links = t["sep"].join(
        f'<a href="{html.escape(other_url)}#{a}" hreflang="{other}">'
        f"{html.escape(titles.get(a) or a)}</a>"
        for a in anchors
    )
    return (
        f'<aside class="admonition warning qkv-translation" data-translation-status="outdated" '
        f'data-sections="{" ".join(anchors)}">'
        f'<p class="admonition-title">{t["title"]}</p>'
        f"<p>{t['body']}{links}{t['end']} "
        f'<a href="{html.escape(other_url)}" hreflang="{other}">{t["link"]}</a></p></aside>'
    )


def insert_banner(output: str, banner_html: str) -> str:
    """The page with the banner at the top of its article, above the title."""
    article = output.find('<article class="md-content__inner md-typeset">')
    at = output.find("<h1", article) if article >= 0 else -1
    if at < 0:
        return output
    return output[:at] + banner_html + output[at:]


def page_topic(src_uri: str) -> tuple[str, str] | None:
    """("heads", "en") for "heads.en.md"; None for a file that is not a page of a pair."""
    m = re.fullmatch(r"(?P<topic>.+)\.(?P<lang>[a-z]{2})\.(?:md|ipynb)", src_uri)
    return (m["topic"], m["lang"]) if m and m["lang"] in LANGUAGES else None


_cached: dict[str, dict[str, PairStatus]] = {}


def on_pre_build(config: Any) -> None:
    _cached.clear()  # `mkdocs serve` rebuilds after an edit


def on_post_page(output: str, page: Any, config: Any) -> str:
    found = page_topic(page.file.src_uri)
    if found is None:
        return output
    topic, lang = found
    docs = str(config["docs_dir"])
    if docs not in _cached:
        _cached[docs] = status(Path(docs))
    st = _cached[docs].get(topic)
    if st is None or not (behind := st.behind(lang)):
        return output
    other = next(x for x in LANGUAGES if x != lang)
    alternates = getattr(page.file, "alternates", {}) or {}
    if other not in alternates:
        return output
    other_url = posixpath.relpath(alternates[other].url or ".", page.url or ".")
    other_url = other_url.rstrip("/") + "/" if other_url != "." else "./"
    titles = {**st.titles[other], **st.titles[lang]}
    return insert_banner(output, banner(lang, behind, titles, other_url))
