"""The widgets' data hook (tools/hooks/widget_data.py): what it trains and exports, its cache, and
where it adds the widgets' scripts. The widgets themselves: tests/test_browser_widgets.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

# tools/ is on sys.path (tests/conftest.py), so tools/hooks/ imports as the namespace "hooks"
from hooks import widget_data as wd

from qkvlib import causal_mask, scaled_dot_product_attention, split_heads


@pytest.fixture(scope="module")
def layer() -> Any:
    return wd.train_playground_layer()


@pytest.fixture(scope="module")
def playground(layer: Any) -> dict[str, Any]:
    return wd.playground_data(layer)


def _expected_key(job: str, tokens: list[str]) -> list[int]:
    """The key each query should attend to for ``job`` (the page's head labels say these)."""
    out = []
    for t, token in enumerate(tokens):
        if job == "same-token-earlier":
            earlier = [s for s in range(t) if tokens[s] == token]
            out.append(earlier[-1] if earlier else t)
        elif job == "first-token":
            out.append(0)
        else:  # previous-token
            out.append(max(t - 1, 0))
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_head_does_the_job_its_label_names(playground: dict[str, Any], lang: str) -> None:
    sentence = playground["sentences"][lang]
    tokens = sentence["tokens"]
    for head, job in enumerate(playground["jobs"]):
        q = torch.tensor(sentence["heads"][head]["q"], dtype=torch.float64)  # (T, d)
        k = torch.tensor(sentence["heads"][head]["k"], dtype=torch.float64)
        _, w = scaled_dot_product_attention(q, k, k, mask=causal_mask(len(tokens)))
        assert w.argmax(dim=-1).tolist() == _expected_key(job, tokens), f"head {head}: {job}"


def test_the_jobs_are_in_the_order_the_pages_label_them(playground: dict[str, Any]) -> None:
    # docs/heads.*.md: head 0 the same token earlier, head 1 the previous, head 2 the first
    assert playground["jobs"] == ["same-token-earlier", "previous-token", "first-token"]


def test_exported_q_k_and_scores_are_the_layers(layer: Any, playground: dict[str, Any]) -> None:
    sentence = playground["sentences"]["en"]
    tokens = torch.tensor([[wd.VOCAB.index(w) for w in sentence["tokens"]]])
    with torch.no_grad():
        x = wd._encode(tokens)
        q = split_heads(layer.q_proj(x), layer.num_heads)[0]  # (h, T, d)
        k = split_heads(layer.k_proj(x), layer.num_heads)[0]
    for i, head in enumerate(sentence["heads"]):
        # float64 written as JSON and read back: repr round-trips, so these are equal
        assert torch.equal(torch.tensor(head["q"], dtype=torch.float64), q[i])
        assert torch.equal(torch.tensor(head["k"], dtype=torch.float64), k[i])
        scores = torch.tensor(head["scores"], dtype=torch.float64)
        # the same float64 product, computed per head instead of batched: 1e-12
        assert torch.allclose(scores, q[i] @ k[i].T, rtol=0, atol=1e-12)


def test_training_gives_the_same_layer_twice_and_leaves_torch_settings_alone(
    layer: Any,
) -> None:
    threads, rng = torch.get_num_threads(), torch.random.get_rng_state()
    again = wd.train_playground_layer()
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.random.get_rng_state(), rng)
    # Same process, one thread, same seeds: the same sequence of float64 operations, so the
    # weights are bit for bit the same (across machines they may differ in the last bits).
    twin = again.state_dict()
    for name, weight in layer.state_dict().items():
        assert torch.equal(weight, twin[name]), name


def test_softmax_scores_saturate_unscaled_as_d_grows_and_never_scaled() -> None:
    """What the page says about the widget (docs/scores-and-scaling.*.md)."""
    from qkvlib import softmax

    data = wd.softmax_temperature_data()
    dims = data["head_dims"]
    raw = {d: torch.tensor(data["scores"][str(d)], dtype=torch.float64) for d in dims}
    unscaled = [softmax(raw[d]).max().item() for d in dims]
    assert unscaled[-1] > 0.99 > unscaled[0]  # at the largest d one key takes nearly everything
    jacobian = torch.autograd.functional.jacobian(softmax, raw[dims[-1]])
    assert jacobian.norm() < 0.01  # and almost no gradient gets through
    assert all(softmax(raw[d] / d**0.5).max() < 0.9 for d in dims)  # scaled: never saturated


def test_export_reads_the_cache_while_its_inputs_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wd, "compute", lambda: {"a.json": {"x": 1}})
    first = wd.export(tmp_path)
    assert json.loads(first["a.json"]) == {"x": 1}

    def must_not_run() -> dict[str, Any]:
        raise AssertionError("computed again although nothing changed")

    monkeypatch.setattr(wd, "compute", must_not_run)
    assert wd.export(tmp_path) == first


def test_cache_key_changes_when_qkvlib_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "qkvlib").mkdir()
    source = tmp_path / "qkvlib" / "softmax.py"
    source.write_text("x = 1\n")
    monkeypatch.setattr(wd, "ROOT", tmp_path)
    before = wd.cache_key()
    source.write_text("x = 2\n")
    assert wd.cache_key() != before


@pytest.mark.parametrize(
    ("page_url", "prefix"), [("heads/", "../"), ("en/heads/", "../../"), ("", "")]
)
def test_widget_pages_get_their_script_and_the_stylesheet(page_url: str, prefix: str) -> None:
    html = '<html><head></head><body><div data-widget="mask-builder"></div></body></html>'
    out = wd.widget_assets(html, page_url)
    assert f'<link rel="stylesheet" href="{prefix}assets/css/widgets.css">' in out
    assert f'<script type="module" src="{prefix}assets/js/mask-builder.js"></script>' in out
    assert out.count("<script") == 1


def test_pages_without_one_of_these_widgets_are_left_alone() -> None:
    for body in ("<p>text</p>", '<div data-widget="calculator"></div>'):
        html = f"<html><head></head><body>{body}</body></html>"
        assert wd.widget_assets(html, "heads/") == html
