"""Attention weights as pictures: heatmaps with token tick labels, in Chinese or English.

Needs matplotlib (the ``viz`` extra: ``pip install 'qkvlib[viz]'``; ``make`` installs it). The
helpers draw on an ``Axes`` you pass or on a new figure, and never call ``plt.show()``.

Chinese labels need a CJK font. Matplotlib's default font (DejaVu Sans) has no Chinese glyphs
and draws empty boxes ("Glyph ... missing from font(s) DejaVu Sans"). ``find_cjk_font`` looks
for one in matplotlib's font manager (Debian/Ubuntu: ``apt-get install fonts-noto-cjk``). When
none is installed, every helper draws the English label you gave in ``fallback`` instead, and
warns once per process. So a caller passes each Chinese label together with its English
fallback, as a mapping ``{"猫": "cat", "训练前": "before training"}``; English labels need no
entry.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

try:
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "qkvlib.viz needs matplotlib: pip install 'qkvlib[viz]' (or run `make`)"
    ) from exc

__all__ = ["CJK_FONTS", "find_cjk_font", "heatmap", "heatmap_grid", "localize", "plot_curve"]

#: CJK font families looked for, in order of preference (Simplified Chinese forms first).
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "Arial Unicode MS",
)

_warned_no_cjk_font = False


def _installed_font_names() -> set[str]:
    """Family names of the fonts matplotlib's font manager knows."""
    return {entry.name for entry in font_manager.fontManager.ttflist}


def find_cjk_font() -> str | None:
    """The first font family of ``CJK_FONTS`` that matplotlib can use, or ``None``.

    Returns:
        A family name such as ``"Noto Sans CJK SC"``, or ``None`` when no CJK font is
        installed (then Chinese labels are replaced by their English fallbacks).

    Examples:
        >>> from qkvlib.viz import CJK_FONTS, find_cjk_font
        >>> font = find_cjk_font()
        >>> font is None or font in CJK_FONTS
        True
    """
    installed = _installed_font_names()
    return next((name for name in CJK_FONTS if name in installed), None)


def _needs_cjk(text: str) -> bool:
    """Whether ``text`` holds characters outside what DejaVu Sans covers (CJK and beyond)."""
    return any(ord(ch) >= 0x2E80 for ch in text)


def _font_family() -> list[str]:
    """Font family list for text: the CJK font first (if any), DejaVu Sans for the rest."""
    font = find_cjk_font()
    return [font, "DejaVu Sans"] if font else ["DejaVu Sans"]


def localize(text: str, fallback: Mapping[str, str] | None = None) -> str:
    """``text`` itself if it can be drawn, else its English entry in ``fallback``.

    Text needs a CJK font when it holds Chinese (or other CJK) characters. With such a font
    installed, or for plain English text, ``text`` is returned unchanged. Without one,
    ``fallback[text]`` is returned and a warning says, once per process, that English labels
    are drawn instead.

    Args:
        text: The label as the page's language writes it.
        fallback: English label for each label that needs a CJK font.

    Returns:
        The label to draw.

    Raises:
        TypeError: ``text`` is not a str.
        ValueError: no CJK font is installed and ``fallback`` has no entry for ``text``.

    Examples:
        >>> from qkvlib.viz import localize
        >>> localize("before training")                   # English needs no fallback
        'before training'
        >>> localize("训练前", {"训练前": "before training"}) in ("训练前", "before training")
        True
    """
    global _warned_no_cjk_font
    if not isinstance(text, str):
        raise TypeError(f"a label must be a str, got {type(text).__name__}: {text!r}")
    if not _needs_cjk(text) or find_cjk_font() is not None:
        return text
    fallback = fallback or {}
    if text not in fallback:
        raise ValueError(
            f"label {text!r} needs a CJK font and none is installed, and fallback has no "
            f"English label for it; pass fallback={{{text!r}: '...'}} "
            f"(or install a CJK font, e.g. apt-get install fonts-noto-cjk)"
        )
    if not _warned_no_cjk_font:
        _warned_no_cjk_font = True
        warnings.warn(
            "qkvlib.viz: no CJK font found (looked for "
            f"{', '.join(CJK_FONTS[:4])}, ...); drawing the English labels instead. "
            "Install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) for Chinese labels.",
            UserWarning,
            stacklevel=2,
        )
    return fallback[text]


def _labels(labels: Sequence[str] | None, fallback: Mapping[str, str] | None) -> list[str] | None:
    return None if labels is None else [localize(str(t), fallback) for t in labels]


def _as_array(weights: torch.Tensor | np.ndarray[Any, Any], ndim: int, name: str) -> Any:
    if isinstance(weights, torch.Tensor):
        array = weights.detach().cpu().float().numpy()
    elif isinstance(weights, np.ndarray):
        array = weights.astype(np.float32)
    else:
        raise TypeError(
            f"{name} must be a torch.Tensor or numpy array, got {type(weights).__name__}"
        )
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must be {ndim}-D, got shape {tuple(array.shape)} "
            f"({'(T, S)' if ndim == 2 else '(h, T, S)'} expected)"
        )
    return array


def _check_labels(labels: Sequence[str] | None, size: int, name: str) -> None:
    if labels is not None and len(labels) != size:
        raise ValueError(f"{name} has {len(labels)} labels for {size} rows/columns")


def heatmap(
    weights: torch.Tensor | np.ndarray[Any, Any],
    *,
    x_labels: Sequence[str] | None = None,
    y_labels: Sequence[str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    fallback: Mapping[str, str] | None = None,
    ax: Any = None,
    diverging: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
    annotate: bool = False,
    colorbar: bool = True,
) -> Any:
    """Draw a matrix (attention weights, scores, ``W_Q W_K^T``) as a heatmap.

    Rows are queries (``y``), columns are keys (``x``), as in ``weights[t, s]``. Attention
    weights use a sequential colour map from 0 to 1; ``diverging=True`` centres a red-blue map
    on zero for matrices with signs (scores, bilinear forms).

    Args:
        weights: The matrix.
        x_labels: Tick label of each column (key tokens).
        y_labels: Tick label of each row (query tokens).
        title: Axes title.
        xlabel: Label of the x axis.
        ylabel: Label of the y axis.
        fallback: English label for each Chinese label (see ``localize``).
        ax: Axes to draw on; a new figure is made if ``None``.
        diverging: Red-blue colour map symmetric around zero.
        vmin: Lower end of the colour scale (default 0, or ``-max|w|`` if ``diverging``).
        vmax: Upper end (default ``max(1, max w)``, or ``max|w|`` if ``diverging``).
        annotate: Write each value (2 decimals) into its cell.
        colorbar: Draw a colour bar next to the axes.

    Returns:
        The matplotlib ``Axes``.

    Raises:
        TypeError: ``weights`` is not a tensor or array.
        ValueError: ``weights`` is not 2-D, or a label list has the wrong length.

    Shape:
        weights (T, S); x_labels S; y_labels T

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import torch
        >>> from qkvlib import causal_mask, softmax
        >>> from qkvlib.viz import heatmap
        >>> scores = torch.zeros(3, 3).masked_fill(~causal_mask(3), float("-inf"))
        >>> ax = heatmap(softmax(scores), x_labels=["a", "cat", "sat"],
        ...              y_labels=["a", "cat", "sat"], title="causal", annotate=True)
        >>> [t.get_text() for t in ax.get_xticklabels()]
        ['a', 'cat', 'sat']
        >>> ax.texts[3].get_text()                          # row "cat", column "a"
        '0.50'
        >>> plt.close("all")
    """
    array = _as_array(weights, 2, "weights")
    T, S = array.shape
    _check_labels(x_labels, S, "x_labels")
    _check_labels(y_labels, T, "y_labels")
    family = _font_family()
    if ax is None:
        _, ax = plt.subplots(figsize=(0.45 * S + 1.8, 0.45 * T + 1.2))
    if diverging:
        bound = float(np.abs(array).max()) or 1.0
        lo = -bound if vmin is None else vmin
        hi = bound if vmax is None else vmax
        cmap = "RdBu_r"
    else:
        lo = 0.0 if vmin is None else vmin
        hi = max(1.0, float(array.max())) if vmax is None else vmax
        cmap = "viridis"
    image = ax.imshow(array, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    xs, ys = _labels(x_labels, fallback), _labels(y_labels, fallback)
    if xs is not None:
        rotation = 90 if S > 10 or max(map(len, xs), default=0) > 4 else 0
        ax.set_xticks(range(S), xs, rotation=rotation, fontfamily=family)
    if ys is not None:
        ax.set_yticks(range(T), ys, fontfamily=family)
    if title is not None:
        ax.set_title(localize(title, fallback), fontfamily=family)
    if xlabel is not None:
        ax.set_xlabel(localize(xlabel, fallback), fontfamily=family)
    if ylabel is not None:
        ax.set_ylabel(localize(ylabel, fallback), fontfamily=family)
    if annotate:
        middle = (lo + hi) / 2
        for t in range(T):
            for s in range(S):
                value = float(array[t, s])
                light = value < middle if not diverging else abs(value) > 0.6 * hi
                ax.text(
                    s,
                    t,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if light else "black",
                )
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def heatmap_grid(
    weights: torch.Tensor | np.ndarray[Any, Any],
    *,
    labels: Sequence[str] | None = None,
    titles: Sequence[str] | None = None,
    suptitle: str | None = None,
    fallback: Mapping[str, str] | None = None,
    ncols: int = 4,
    diverging: bool = False,
) -> Any:
    """One heatmap per head (or per setting), side by side on a shared colour scale.

    Args:
        weights: A stack of matrices, e.g. one batch element of ``MultiHeadAttention``'s
            weights.
        labels: Token of each row and column (self-attention, ``T == S``).
        titles: Title of each panel; defaults to "head 0", "head 1", ...
        suptitle: Title of the whole figure.
        fallback: English label for each Chinese label (see ``localize``).
        ncols: Panels per row.
        diverging: Red-blue colour map symmetric around zero (for scores).

    Returns:
        The matplotlib ``Figure``.

    Raises:
        TypeError: ``weights`` is not a tensor or array, or ``ncols`` is not an int.
        ValueError: ``weights`` is not 3-D, ``ncols < 1``, or a list has the wrong length.

    Shape:
        weights (h, T, S)

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import torch
        >>> from qkvlib import MultiHeadAttention
        >>> from qkvlib.viz import heatmap_grid
        >>> _ = torch.manual_seed(0)
        >>> mha = MultiHeadAttention(d_model=16, num_heads=4)
        >>> _, w = mha(torch.randn(1, 5, 16), is_causal=True, return_weights=True)
        >>> fig = heatmap_grid(w[0], labels=["a", "b", "c", "d", "e"], ncols=2)
        >>> [ax.get_title() for ax in fig.axes[:4]]
        ['head 0', 'head 1', 'head 2', 'head 3']
        >>> plt.close(fig)
    """
    array = _as_array(weights, 3, "weights")
    if not isinstance(ncols, int) or isinstance(ncols, bool):
        raise TypeError(f"ncols must be an int, got {type(ncols).__name__}")
    if ncols < 1:
        raise ValueError(f"ncols={ncols} must be >= 1")
    h, T, S = array.shape
    panel_titles = list(titles) if titles is not None else [f"head {i}" for i in range(h)]
    if len(panel_titles) != h:
        raise ValueError(f"titles has {len(panel_titles)} entries for {h} panels")
    cols = min(ncols, h)
    rows = math.ceil(h / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(cols * (0.4 * S + 1.0) + 0.8, rows * (0.4 * T + 1.0)), squeeze=False
    )
    if diverging:
        bound = float(np.abs(array).max()) or 1.0
        lo, hi = -bound, bound
    else:
        lo, hi = 0.0, max(1.0, float(array.max()))
    for i, ax in enumerate(axes.flat):
        if i >= h:
            ax.axis("off")
            continue
        heatmap(
            array[i],
            x_labels=labels,
            y_labels=labels if i % cols == 0 else None,
            title=panel_titles[i],
            fallback=fallback,
            ax=ax,
            diverging=diverging,
            vmin=lo,
            vmax=hi,
            colorbar=False,
        )
        if i % cols != 0:
            ax.set_yticks([])
    image = axes.flat[0].images[0]
    fig.colorbar(image, ax=axes.ravel().tolist(), fraction=0.03, pad=0.02)
    if suptitle is not None:
        fig.suptitle(localize(suptitle, fallback), fontfamily=_font_family())
    return fig


def plot_curve(
    values: Sequence[float] | torch.Tensor | np.ndarray[Any, Any],
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    fallback: Mapping[str, str] | None = None,
    ax: Any = None,
    log: bool = False,
) -> Any:
    """Plot one curve (e.g. the training loss per step) with labels in the page's language.

    Args:
        values: The y values; x is their index (the step).
        title: Axes title.
        xlabel: Label of the x axis.
        ylabel: Label of the y axis.
        fallback: English label for each Chinese label (see ``localize``).
        ax: Axes to draw on; a new figure is made if ``None``.
        log: Logarithmic y axis.

    Returns:
        The matplotlib ``Axes``.

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> from qkvlib.viz import plot_curve
        >>> ax = plot_curve([2.0, 1.0, 0.5], title="loss", xlabel="step")
        >>> ax.get_title(), len(ax.lines[0].get_ydata())
        ('loss', 3)
        >>> plt.close("all")
    """
    if isinstance(values, torch.Tensor):
        ys = values.detach().cpu().float().numpy()
    else:
        ys = np.asarray(values, dtype=np.float32)
    family = _font_family()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 3.0))
    ax.plot(np.arange(len(ys)), ys)
    if log:
        ax.set_yscale("log")
    if title is not None:
        ax.set_title(localize(title, fallback), fontfamily=family)
    if xlabel is not None:
        ax.set_xlabel(localize(xlabel, fallback), fontfamily=family)
    if ylabel is not None:
        ax.set_ylabel(localize(ylabel, fallback), fontfamily=family)
    ax.grid(alpha=0.3)
    return ax
