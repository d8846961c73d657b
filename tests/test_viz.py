"""qkvlib.viz: heatmaps with token labels; Chinese labels with a CJK font, English without one."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from qkvlib import causal_mask, softmax, viz

matplotlib.use("Agg")  # no window; pyplot picks its backend at the first figure

ZH = ["我", "爱", "猫"]
EN = ["I", "love", "cats"]
FALLBACK = {**dict(zip(ZH, EN, strict=True)), "训练前": "before training"}


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without any CJK font, on which the warning has not been given yet."""
    monkeypatch.setattr(viz, "_installed_font_names", lambda: {"DejaVu Sans", "DejaVu Serif"})
    monkeypatch.setattr(viz, "_warned_no_cjk_font", False)


def _causal_weights(T: int = 3) -> torch.Tensor:
    return softmax(torch.zeros(T, T).masked_fill(~causal_mask(T), float("-inf")))


def _tick_texts(labels: list) -> list[str]:
    return [t.get_text() for t in labels]


def _missing_glyph_warnings(fig: plt.Figure) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


# --- finding a CJK font ----------------------------------------------------------------------


def test_find_cjk_font_prefers_simplified_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    names = {"DejaVu Sans", "Noto Sans CJK JP", "Noto Sans CJK SC"}
    monkeypatch.setattr(viz, "_installed_font_names", lambda: names)
    assert viz.find_cjk_font() == "Noto Sans CJK SC"


def test_find_cjk_font_takes_any_known_cjk_family(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(viz, "_installed_font_names", lambda: {"DejaVu Sans", "Noto Sans CJK JP"})
    assert viz.find_cjk_font() == "Noto Sans CJK JP"


def test_find_cjk_font_is_none_without_one(no_cjk_font: None) -> None:
    assert viz.find_cjk_font() is None


def test_installed_font_names_come_from_matplotlibs_font_manager() -> None:
    assert "DejaVu Sans" in viz._installed_font_names()


# --- with a CJK font -------------------------------------------------------------------------


def test_chinese_labels_render_with_the_cjk_font_without_missing_glyphs() -> None:
    font = viz.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed here (Debian: apt-get install fonts-noto-cjk)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning either
        ax = viz.heatmap(
            _causal_weights(), x_labels=ZH, y_labels=ZH, title="训练前", fallback=FALLBACK
        )
    assert _tick_texts(ax.get_xticklabels()) == ZH
    assert _tick_texts(ax.get_yticklabels()) == ZH
    assert ax.get_title() == "训练前"
    assert ax.get_xticklabels()[0].get_fontfamily()[0] == font
    assert _missing_glyph_warnings(ax.figure) == []


# --- without a CJK font: English labels, one warning ----------------------------------------


def test_without_cjk_font_english_fallback_labels_are_drawn(no_cjk_font: None) -> None:
    with pytest.warns(UserWarning, match="no CJK font found.*fonts-noto-cjk"):
        ax = viz.heatmap(
            _causal_weights(), x_labels=ZH, y_labels=ZH, title="训练前", fallback=FALLBACK
        )
    assert _tick_texts(ax.get_xticklabels()) == EN
    assert _tick_texts(ax.get_yticklabels()) == EN
    assert ax.get_title() == "before training"
    assert _missing_glyph_warnings(ax.figure) == []  # no empty boxes


def test_without_cjk_font_the_warning_is_given_once(no_cjk_font: None) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        viz.heatmap(_causal_weights(), x_labels=ZH, y_labels=ZH, fallback=FALLBACK)
        viz.heatmap(_causal_weights(), x_labels=ZH, y_labels=ZH, fallback=FALLBACK)
        viz.localize("训练前", FALLBACK)
    assert len([w for w in caught if "no CJK font" in str(w.message)]) == 1


def test_without_cjk_font_english_labels_need_no_fallback(no_cjk_font: None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = viz.heatmap(_causal_weights(), x_labels=EN, y_labels=EN, title="causal")
    assert _tick_texts(ax.get_xticklabels()) == EN


@pytest.mark.filterwarnings("ignore:qkvlib.viz. no CJK font")
def test_without_cjk_font_a_label_lacking_its_fallback_is_named(no_cjk_font: None) -> None:
    with pytest.raises(ValueError, match="'猫'.*fallback"):
        viz.heatmap(_causal_weights(), x_labels=ZH, fallback={"我": "I", "爱": "love"})


def test_localize_keeps_text_that_needs_no_cjk_font(no_cjk_font: None) -> None:
    assert viz.localize("scores / √d, τ = 0.25") == "scores / √d, τ = 0.25"


def test_localize_rejects_a_non_string() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        viz.localize(3)  # type: ignore[arg-type]


# --- heatmap ---------------------------------------------------------------------------------


def test_heatmap_draws_rows_as_queries_and_columns_as_keys() -> None:
    w = torch.tensor([[1.0, 0.0], [0.25, 0.75]])
    ax = viz.heatmap(w, x_labels=["k0", "k1"], y_labels=["q0", "q1"], annotate=True)
    np.testing.assert_allclose(ax.images[0].get_array(), w.numpy())
    assert [t.get_text() for t in ax.texts] == ["1.00", "0.00", "0.25", "0.75"]
    assert ax.images[0].get_clim() == (0.0, 1.0)


def test_heatmap_diverging_scale_is_symmetric_around_zero() -> None:
    ax = viz.heatmap(torch.tensor([[-2.0, 0.5], [1.0, 0.0]]), diverging=True)
    assert ax.images[0].get_clim() == (-2.0, 2.0)


def test_heatmap_accepts_numpy_and_tensors_with_grad() -> None:
    viz.heatmap(np.eye(3))
    viz.heatmap(torch.eye(3, requires_grad=True))


def test_heatmap_draws_on_a_given_axes_without_a_colorbar() -> None:
    fig, ax = plt.subplots()
    assert viz.heatmap(torch.eye(2), ax=ax, colorbar=False) is ax
    assert len(fig.axes) == 1


def test_heatmap_rejects_a_wrong_shape_naming_it() -> None:
    with pytest.raises(ValueError, match=r"2-D.*\(2, 2, 2\)"):
        viz.heatmap(torch.zeros(2, 2, 2))


def test_heatmap_rejects_a_wrong_number_of_labels() -> None:
    with pytest.raises(ValueError, match="x_labels has 2 labels for 3"):
        viz.heatmap(torch.eye(3), x_labels=["a", "b"])


def test_heatmap_rejects_a_list_of_lists() -> None:
    with pytest.raises(TypeError, match="torch.Tensor or numpy array"):
        viz.heatmap([[1.0]])  # type: ignore[arg-type]


# --- heatmap_grid and plot_curve -------------------------------------------------------------


def test_heatmap_grid_draws_one_panel_per_head_on_one_scale() -> None:
    w = torch.stack([_causal_weights(), 0.5 * _causal_weights(), torch.eye(3)])
    fig = viz.heatmap_grid(w, labels=EN, ncols=2, suptitle="heads")
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["head 0", "head 1", "head 2"]
    assert {ax.images[0].get_clim() for ax in panels} == {(0.0, 1.0)}
    assert not fig.axes[3].axison  # the empty fourth slot of the 2 x 2 grid
    assert _tick_texts(panels[0].get_yticklabels()) == EN


def test_heatmap_grid_titles_fall_back_to_english(no_cjk_font: None) -> None:
    fallback = {"头 0": "head 0", "头 1": "head 1", **FALLBACK}
    with pytest.warns(UserWarning, match="no CJK font"):
        fig = viz.heatmap_grid(
            torch.stack([_causal_weights()] * 2),
            labels=ZH,
            titles=["头 0", "头 1"],
            fallback=fallback,
        )
    assert [ax.get_title() for ax in fig.axes[:2]] == ["head 0", "head 1"]


def test_heatmap_grid_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="3-D"):
        viz.heatmap_grid(torch.eye(3))
    with pytest.raises(ValueError, match="ncols=0"):
        viz.heatmap_grid(torch.zeros(2, 3, 3), ncols=0)
    with pytest.raises(ValueError, match="titles has 1 entries for 2"):
        viz.heatmap_grid(torch.zeros(2, 3, 3), titles=["a"])


def test_plot_curve_plots_each_value_at_its_step() -> None:
    ax = viz.plot_curve(torch.tensor([2.0, 1.0, 0.5]), title="loss", log=True)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0, 1, 2])
    assert ax.get_yscale() == "log"
