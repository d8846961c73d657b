"""Translation status (tools/hooks/translations.py): a scratch copy of a page pair, one language
changed, the other reported behind; and the status of the real pages, printed by `make test`."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hooks import translations
from sitecheck import ROOT

DOCS = ROOT / "docs"


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """docs/ with one page pair (heads) and one notebook pair, recorded as in sync."""
    docs = tmp_path / "docs"
    (docs / "notebooks").mkdir(parents=True)
    for lang in ("zh", "en"):
        shutil.copy(DOCS / f"heads.{lang}.md", docs)
        shutil.copy(DOCS / f"notebooks/attention-heatmaps.{lang}.ipynb", docs / "notebooks")
    assert translations.write_record(docs) == ["heads", "notebooks/attention-heatmaps"]
    return docs


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_recorded_pair_is_in_sync(scratch: Path) -> None:
    assert translations.report_lines(scratch) == []
    st = translations.status(scratch)["heads"]
    assert st.behind("zh") == st.behind("en") == []


def test_a_section_changed_in_one_language_leaves_the_other_behind_in_that_section(
    scratch: Path,
) -> None:
    _edit(
        scratch / "heads.en.md", "{ #view-then-transpose }\n", "{ #view-then-transpose }\n\nNew.\n"
    )
    st = translations.status(scratch)["heads"]
    assert st.behind("zh") == ["view-then-transpose"]
    assert st.behind("en") == []
    assert translations.report_lines(scratch) == [
        "heads.zh: behind en in #view-then-transpose (View, then transpose)"
    ]


def test_a_section_changed_in_both_languages_is_not_behind(scratch: Path) -> None:
    _edit(scratch / "heads.en.md", "{ #summary }\n", "{ #summary }\n\nNew.\n")
    _edit(scratch / "heads.zh.md", "{ #summary }\n", "{ #summary }\n\n新的。\n")
    st = translations.status(scratch)["heads"]
    assert st.behind("zh") == st.behind("en") == []
    assert st.both_changed == ["summary"]
    (line,) = translations.report_lines(scratch)
    assert "changed in both languages" in line and "make translations-synced PAGE=heads" in line


def test_a_section_added_in_a_notebook_leaves_the_other_notebook_behind(scratch: Path) -> None:
    import json

    path = scratch / "notebooks/attention-heatmaps.zh.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["## 新 { #new }\n"]})
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    st = translations.status(scratch)["notebooks/attention-heatmaps"]
    assert st.behind("en") == ["new"] and st.behind("zh") == []


def test_recording_the_pair_clears_its_status(scratch: Path) -> None:
    _edit(scratch / "heads.zh.md", "{ #formula }\n", "{ #formula }\n\n新的。\n")
    assert translations.status(scratch)["heads"].behind("en") == ["formula"]
    translations.write_record(scratch, ["heads"])
    assert translations.report_lines(scratch) == []


def test_headings_inside_code_blocks_are_not_sections(tmp_path: Path) -> None:
    page = tmp_path / "p.en.md"
    page.write_text(
        "# Title { #title }\n\nText.\n\n```python\n# a comment\n```\n\n## Next { #next }\n"
    )
    assert [s.anchor for s in translations.sections(page)] == ["title", "next"]


def test_the_banner_names_the_sections_and_links_to_them_in_the_other_language() -> None:
    html = translations.banner(
        "zh", ["formula", "summary"], {"formula": "公式", "summary": "小结"}, "../en/heads/"
    )
    page = translations.insert_banner(
        '<article class="md-content__inner md-typeset"><a class="md-content__button"></a>'
        '<h1 id="heads">多头</h1></article>',
        html,
    )
    assert page.index('data-translation-status="outdated"') < page.index("<h1")
    assert 'data-sections="formula summary"' in html
    assert '<a href="../en/heads/#formula" hreflang="en">公式</a>、' in html
    assert '<a href="../en/heads/" hreflang="en">阅读英文版</a>' in html


def test_translation_status_is_reported(record_property: Callable[[str, object], None]) -> None:
    """`make test` lists the pages behind their translation in its summary, and passes."""
    recorded = translations.read_record(DOCS)
    assert recorded, "docs/translations.json is missing: run `make translations-synced`"
    assert all(set(langs) == {"zh", "en"} for langs in recorded.values()), "malformed record"
    pairs = translations.pairs(DOCS)
    lines = translations.report_lines(DOCS) or [f"all {len(pairs)} page pairs are in sync"]
    for line in lines:
        record_property(
            "summary:translation status (make translations-synced records a pair)", line
        )
