"""Search per language, with readable previews and whole Chinese terms.

The i18n plugin merges every language's pages into one index, so each page downloaded both
languages and a Chinese query listed English pages. After the last language is built,
``on_post_build`` splits that index: the default language's pages stay in
``search/search_index.json``, every other language's pages go to ``<lang>/search/search_index.json``
with locations relative to that language's root, and ``on_post_page`` points the theme's
``__config.base`` of a page in that language at the same root, so the theme fetches that index and
links results under ``/<lang>/``. Each entry's text is cleaned for the result previews: math as
readable text instead of TeX (``\\(h_{kv} = h\\)`` becomes ``h_kv = h``), a code block reduced to
the names it uses that the prose around it does not already hold (searchable, but not half of the
index), and no pilcrows; the text is cut to what a result shows, and the rest of its words go,
each once, to a field that is searched and not shown.

The theme's search worker segments a Chinese query into words of the index, but never tries a
word that reaches the end of the query ("注意力" was searched, and highlighted, as "注意");
``on_post_build`` patches that one comparison in the worker the build copies, and fails the build
if the theme's code has changed so that the patch no longer applies.

Every page still starts the search worker; the index itself is fetched when the reader turns to
the search (tools/theme/main.html), not with every page.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

INDEX = "search/search_index.json"
# Chinese text: jieba's word separator (U+200B) and CJK punctuation (the theme's zh separator).
SEPARATOR_ZH = "[\\s\\u200b\\u3000\\-、。，．？！；]+"
SEPARATOR_EN = "[\\s\\u200b\\-]+"

# --- math as text ---------------------------------------------------------------------------

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
_SYMBOLS = {
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "le": "≤", "leq": "≤", "ge": "≥",
    "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "sim": "~", "equiv": "≡", "propto": "∝",
    "in": "∈", "notin": "∉", "subset": "⊂", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "Rightarrow": "⇒", "mapsto": "↦", "infty": "∞", "sum": "Σ", "prod": "∏", "partial": "∂",
    "nabla": "∇", "cdots": "⋯", "ldots": "…", "dots": "…", "vdots": "⋮", "ddots": "⋱",
    "mid": "|", "lVert": "‖", "rVert": "‖", "Vert": "‖", "langle": "⟨", "rangle": "⟩",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "odot": "⊙", "otimes": "⊗",
    "oplus": "⊕", "circ": "∘", "ll": "≪", "gg": "≫", "forall": "∀", "exists": "∃",
    "top": "ᵀ", "prime": "′", "ell": "ℓ", "lbrace": "{", "rbrace": "}",
    "quad": " ", "qquad": " ", ",": " ", ";": " ", ":": " ", ">": " ", "!": "", " ": " ",
    "{": "{", "}": "}", "_": "_", "%": "%", "&": "&", "#": "#", "|": "‖", "\\": "; ",
}  # fmt: skip
_NAMED = {"exp", "log", "ln", "max", "min", "sin", "cos", "tan", "arg", "det", "dim", "lim"}
# Commands that only size or space what follows: dropped.
_SIZING = {
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
    "biggr", "middle", "displaystyle", "textstyle", "limits", "nolimits", "nonumber",
}  # fmt: skip
# Commands whose one argument is shown as it is.
_FONT = {
    "mathrm", "text", "textrm", "texttt", "textbf", "textit", "mathbf", "mathit", "mathsf",
    "mathtt", "boldsymbol", "bm", "operatorname", "mathcal", "mathscr", "mbox", "hbox",
}  # fmt: skip
_BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼"}
_ACCENT = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304", "vec": "\u20d7", "dot": "\u0307"}
_SUP = dict(zip("0123456789+-=()nT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿᵀ", strict=True))

_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|[{}^_&]|\s+|[^\\{}^_&\s]")


class _TeX:
    """A small reader of the TeX the pages use, producing text a person reads aloud."""

    def __init__(self, tex: str) -> None:
        self.tokens = _TOKEN.findall(tex)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def skip_space(self) -> None:
        while (tok := self.peek()) is not None and tok.isspace():
            self.i += 1

    def group(self) -> str:
        """The next argument: a braced group or one token."""
        self.skip_space()
        if self.peek() is None:
            return ""
        if self.peek() == "{":
            self.take()
            return self.sequence(until="}")
        return self.atom()

    def optional(self) -> str | None:
        self.skip_space()
        if self.peek() != "[":
            return None
        self.take()
        out = []
        while (tok := self.peek()) is not None and tok != "]":
            out.append(self.atom())
        if self.peek() == "]":
            self.take()
        return "".join(out)

    def sequence(self, until: str | None = None) -> str:
        out: list[str] = []
        while (tok := self.peek()) is not None:
            if tok == until:
                self.take()
                break
            if tok in ("^", "_"):
                self.take()
                out.append(_script(self.group(), sup=tok == "^"))
            else:
                out.append(self.atom())
        return "".join(out)

    def atom(self) -> str:
        tok = self.take()
        if tok.isspace():
            return " "
        if tok == "{":
            return self.sequence(until="}")
        if tok == "&" or tok == "}":
            return ""
        if tok == "~":
            return " "
        if not tok.startswith("\\"):
            return tok
        name = tok[1:]
        if name in _GREEK:
            return _GREEK[name]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _NAMED:
            return name
        if name in _SIZING:
            return ""
        if name in _FONT:
            return self.group()
        if name == "mathbb":
            arg = self.group()
            return "".join(_BLACKBOARD.get(c, c) for c in arg)
        if name in _ACCENT:
            arg = self.group()
            return arg + _ACCENT[name] if len(arg) == 1 else arg
        if name in ("frac", "dfrac", "tfrac"):
            num, den = self.group(), self.group()
            return f"{_paren(num)}/{_paren(den)}"
        if name == "sqrt":
            index = self.optional()
            arg = self.group()
            root = "√" if index is None else f"{index}√"
            return root + _paren(arg)
        if name in ("underbrace", "overbrace", "underset", "overset"):
            first = self.group()
            if name in ("underset", "overset"):
                return self.group()
            return first
        if name in ("begin", "end"):
            env = self.group()
            if name == "begin" and env == "array":
                self.group()  # the column spec
            if env in ("bmatrix", "pmatrix", "matrix", "vmatrix"):
                return "[" if name == "begin" else "]"
            return ""
        return name  # an unknown command: its name is still better than a backslash


def _paren(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 1 or re.fullmatch(r"√?[\w.]+|√?\(.*\)", text) else f"({text})"


def _script(text: str, *, sup: bool) -> str:
    text = text.strip()
    if sup:
        if text and all(c in _SUP or c in "ᵀ′" for c in text):
            return "".join(_SUP.get(c, c) for c in text)
        return f"^{_paren(text)}"
    return f"_{text}" if re.fullmatch(r"\w+", text) else f"_{_paren(text)}"


def tex_to_text(tex: str) -> str:
    """Readable text for a formula: ``\\frac{QK^\\top}{\\sqrt{d}}`` -> ``(QKᵀ)/√d``."""
    text = _TeX(tex).sequence()
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"[,;]?\s*;\s*", "; ", text)  # a line break after a comma
    return re.sub(r";\s*$", "", text).strip()


# --- index entries --------------------------------------------------------------------------

_INLINE_MATH = re.compile(r"\\\((.+?)\\\)", re.S)
_DISPLAY_MATH = re.compile(r"\\\[(.+?)\\\]", re.S)
_PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre>", re.S)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TAG = re.compile(r"<[^>]+>")
# Python's keywords and the names every block uses say nothing about a section.
_COMMON = {
    "False", "None", "True", "and", "as", "assert", "def", "else", "for", "from", "if",
    "import", "in", "is", "lambda", "not", "or", "print", "return", "round", "tuple", "with",
    "torch", "shape", "dtype", "float64", "float32", "manual_seed", "range", "len", "int",
}  # fmt: skip


def _math_text(m: re.Match[str]) -> str:
    return html.escape(tex_to_text(html.unescape(m[1])), quote=False)


def code_names(code: str, prose: str) -> list[str]:
    """The names a code block uses that are worth finding it by, in order, without repeats and
    without those the prose already holds."""
    seen: set[str] = set()
    out = []
    for line in html.unescape(code).splitlines():
        line = re.sub(r"^\s*(>>>|\.\.\.)\s?", "", line)
        line = re.sub(r"#.*$|\"[^\"]*\"|'[^']*'", " ", line)  # comments and strings
        for name in _NAME.findall(line):
            if len(name) < 3 or name in _COMMON or name in seen or name in prose:
                continue
            seen.add(name)
            out.append(name)
    return out


def clean_text(text: str) -> str:
    """An entry's text as the result preview shows it (HTML)."""
    prose = _PRE.sub(" ", text)

    def names(m: re.Match[str]) -> str:
        found = code_names(_TAG.sub("", m[1]), prose)
        return f" <code>{' '.join(found)}</code> " if found else " "

    text = _PRE.sub(names, text)
    text = _DISPLAY_MATH.sub(_math_text, text)
    text = _INLINE_MATH.sub(_math_text, text)
    text = text.replace("¶", "")
    return re.sub(r"[ \t\n]{2,}", " ", text).strip()


PREVIEW_CHARS = 240  # about the three lines a result shows; the rest is searched, not shown
_KEEP_TAGS = re.compile(r"</?(?!code\b)[a-zA-Z][^>]*>")  # every tag but <code>
_WORD = re.compile(r"[^\s\u200b\u3000、。，．？！；：（）()\[\]{}<>\"'“”‘’,.;:!?/|=+*-]+")


def preview_and_words(text: str) -> tuple[str, str]:
    """(the start of ``text`` that a result shows, the words of the rest that the start does not
    hold, each once). The index stays searchable by every word while it carries each word of a
    long section only once: a smaller download and a faster index build in the reader's
    browser."""
    text = _KEEP_TAGS.sub("", text)
    cut = PREVIEW_CHARS
    while cut < len(text) and _WORD.match(text, cut - 1) and _WORD.match(text, cut):
        cut += 1  # not inside a word
    if text.count("<code>", 0, cut) > text.count("</code>", 0, cut):
        cut = text.find("</code>", cut) + len("</code>")  # not inside a code span
    if cut <= 0 or cut >= len(text):
        return text, ""
    preview, rest = text[:cut].rstrip(), text[cut:]
    seen = {w.lower() for w in _WORD.findall(_TAG.sub(" ", preview))}
    words = []
    for word in _WORD.findall(_TAG.sub(" ", rest)):
        if word.lower() not in seen:
            seen.add(word.lower())
            words.append(word)
    return preview + " …", " ".join(words)


def clean_title(title: str) -> str:
    title = _INLINE_MATH.sub(_math_text, title).replace("¶", "")
    return title.strip()


def split_index(index: dict[str, Any], languages: list[str], default: str) -> dict[str, Any]:
    """{locale: index} with the entries of each language, locations relative to its root."""
    out: dict[str, Any] = {}
    for locale in languages:
        prefix = "" if locale == default else f"{locale}/"
        others = tuple(f"{lang}/" for lang in languages if lang != default)
        docs = []
        for doc in index["docs"]:
            loc = doc["location"]
            mine = loc.startswith(prefix) if prefix else not loc.startswith(others)
            if not mine:
                continue
            entry = dict(doc)
            entry["location"] = loc[len(prefix) :]
            entry["title"] = clean_title(doc["title"])
            entry["text"], words = preview_and_words(clean_text(doc["text"]))
            if words:
                entry["words"] = words
            docs.append(entry)
        config = dict(index["config"])
        # One language per index, so the worker loads no multi-language lunr scripts. The
        # Chinese words are split at build time (jieba) and by the separator; lunr's English
        # trimmer and stemmer would strip or mangle them, so they stay out of its pipeline.
        config["lang"] = ["en"]
        # the words of a section beyond its preview, searched like its text (preview_and_words)
        config["fields"] = {**config["fields"], "words": dict(config["fields"]["text"])}
        if locale == "zh":
            config["separator"] = SEPARATOR_ZH
            config["pipeline"] = ["stopWordFilter"]
        else:
            config["separator"] = SEPARATOR_EN
            config["pipeline"] = ["trimmer", "stopWordFilter", "stemmer"]
        out[locale] = {"config": config, "docs": docs}
    return out


# --- the theme's search worker --------------------------------------------------------------

# In the worker's query segmentation, ``for(let o=s+1;o<t.length;o++)t.slice(s,o)in e&&...``
# tries the words t[s:o] of the query that end before its last character only.
_SEGMENT_LOOP = re.compile(
    r"for\(let (?P<o>\w+)=(?P<s>\w+)\+1;(?P=o)<(?P<t>\w+)\.length;(?P=o)\+\+\)"
    r"(?P=t)\.slice\((?P=s),(?P=o)\)in \w+&&"
)


def patch_worker(js: str) -> str:
    def fix(m: re.Match[str]) -> str:
        return m[0].replace(f"{m['o']}<{m['t']}.length", f"{m['o']}<={m['t']}.length", 1)

    patched, n = _SEGMENT_LOOP.subn(fix, js)
    if n != 1:
        raise PluginError(
            "tools/hooks/search.py: the theme's search worker no longer has the query "
            f"segmentation loop this hook patches ({n} matches); check the Chinese search"
        )
    return patched


# --- events ---------------------------------------------------------------------------------


def _languages(config: Any) -> tuple[Any, list[str], str]:
    i18n = config.plugins["i18n"]
    languages = [lang.locale for lang in i18n.config.languages]
    default = next(lang.locale for lang in i18n.config.languages if lang.default)
    return i18n, languages, default


_CONFIG_BASE = re.compile(r'(<script id="__config"[^>]*>\{[^<]*?"base": ")([^"]*)(")')


def on_post_page(output: str, page: Any, config: Any) -> str:
    i18n, _languages_, default = _languages(config)
    lang = i18n.current_language
    if lang == default:
        return output
    # base is the path from the page to the site root; this language's root is below it
    return _CONFIG_BASE.sub(
        lambda m: m[1] + posixpath.join(m[2], lang) + "/" + m[3], output, count=1
    )


@event_priority(-200)  # after the i18n plugin has merged every language into the index (-100)
def on_post_build(config: Any) -> None:
    i18n, languages, default = _languages(config)
    if i18n.building:  # a language built inside the i18n plugin's loop; the merge comes later
        return
    site = Path(config["site_dir"])
    path = site / INDEX
    if not path.exists():
        return
    merged = json.loads(path.read_text(encoding="utf-8"))
    for locale, index in split_index(merged, languages, default).items():
        target = site / (INDEX if locale == default else f"{locale}/{INDEX}")
        target.parent.mkdir(parents=True, exist_ok=True)
        # UTF-8, not ASCII escapes: a Chinese character takes 3 bytes instead of 6 (\u4e2d)
        text = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
        target.write_text(text, encoding="utf-8")
    for worker in (site / "assets/javascripts/workers").glob("search.*.min.js"):
        worker.write_text(patch_worker(worker.read_text(encoding="utf-8")), encoding="utf-8")
