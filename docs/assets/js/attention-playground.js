// attention-playground: one sentence through a small trained multi-head layer.
// The queries, keys and raw scores q . k come from qkvlib at build time
// (assets/data/attention-playground.json, tools/hooks/widget_data.py); this script applies the
// 1/sqrt(d) scaling, the causal mask, the temperature and the softmax, as qkvlib's
// scaled_dot_product_attention(q, k, v, mask, scale=(1/sqrt(d) or 1) / temperature) does.
//
// Page markup: data-sentence="zh|en"; radios data-input="head" (value = head index, labels
// from the page); checkboxes data-input="causal" and "scale"; a range data-input="temperature";
// slots "queries" (radios for the query token are added here), "rows" (a tbody) and "heatmap".

import { el, fmt, input, live, loadData, result, show, slot, softmax, start } from "./widgets.js";

/** Scores (scaled, masked) and weights of every query row of one head. */
export function attend(raw, { d, scale, causal, temperature }) {
  const factor = scale ? 1 / Math.sqrt(d) : 1;
  return raw.map((row, i) => {
    const scores = row.map((s, j) => (causal && j > i ? -Infinity : s * factor));
    const weights = softmax(scores.map((s) => s / temperature));
    return { scores, weights };
  });
}

/** The first token that repeats an earlier one (where a head that matches tokens shows off). */
function defaultQuery(tokens) {
  const i = tokens.findIndex((t, k) => tokens.indexOf(t) < k);
  return i >= 0 ? i : tokens.length - 1;
}

async function init(root) {
  const data = await loadData("attention-playground.json");
  const sentence = data.sentences[root.dataset.sentence];
  const { tokens } = sentence;
  const T = tokens.length;
  const group = `${root.dataset.widget}-${Math.random().toString(36).slice(2)}`;

  // query tokens: a radio group (arrow keys move between them)
  const initial = defaultQuery(tokens);
  slot(root, "queries").append(
    ...tokens.map((token, i) =>
      el(
        "label",
        { class: "qkv-chip" },
        el("input", {
          type: "radio",
          name: group,
          value: String(i),
          checked: i === initial,
          dataset: { input: "query" },
        }),
        el("span", {}, token, el("span", { class: "qkv-chip__index" }, String(i))),
      ),
    ),
  );
  const keyLabel = (j) => `${tokens[j]}\u2009${j}`;

  // one row per key: token | score | weight (bar and number)
  const rows = tokens.map((_, j) => {
    const score = el("td", { class: "qkv-num", dataset: { result: "score", key: String(j) } });
    const weight = el("span", { class: "qkv-num", dataset: { result: "weight", key: String(j) } });
    const bar = el("span", { class: "qkv-bar__fill" });
    const tr = el(
      "tr",
      {},
      el("th", { scope: "row" }, keyLabel(j)),
      score,
      el("td", {}, el("span", { class: "qkv-bar" }, el("span", { class: "qkv-bar__track" }, bar), weight)),
    );
    return { tr, score, weight, bar };
  });
  slot(root, "rows").append(...rows.map((r) => r.tr));

  // the whole head at a glance: T x T cells, darker = more weight; a click picks the query
  const heat = slot(root, "heatmap");
  heat.style.setProperty("--n", T);
  heat.append(el("span"), ...tokens.map((t) => el("span", { class: "qkv-heat__label" }, t)));
  const cells = tokens.map((token, i) => {
    heat.append(el("span", { class: "qkv-heat__label", dataset: { q: String(i) } }, token));
    return tokens.map((_, j) => {
      const fill = el("span", { class: "qkv-heat__fill" });
      heat.append(el("span", { class: "qkv-heat__cell", dataset: { q: String(i), k: String(j) } }, fill));
      return fill;
    });
  });
  heat.addEventListener("click", (event) => {
    const cell = event.target.closest("[data-q]");
    if (!cell) return;
    const radio = root.querySelector(`[data-input="query"][value="${cell.dataset.q}"]`);
    radio.checked = true;
    radio.focus();
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  });

  const checked = (name) => root.querySelector(`[data-input="${name}"]:checked`);
  live(root, () => {
    const head = Number(checked("head").value);
    const query = Number(checked("query").value);
    const temperature = Number(input(root, "temperature").value);
    const settings = {
      d: data.head_dim,
      scale: input(root, "scale").checked,
      causal: input(root, "causal").checked,
      temperature,
    };
    const all = attend(sentence.heads[head].scores, settings);
    const { scores, weights } = all[query];
    show(result(root, "temperature"), temperature, temperature.toFixed(1));
    rows.forEach((r, j) => {
      show(r.score, scores[j], fmt(scores[j], 2));
      show(r.weight, weights[j], fmt(weights[j], 3));
      r.bar.style.width = `${(100 * weights[j]).toFixed(2)}%`;
      r.tr.classList.toggle("qkv-masked", scores[j] === -Infinity);
    });
    const top = weights.indexOf(Math.max(...weights));
    show(result(root, "top-key"), top, keyLabel(top));
    show(result(root, "query"), query, keyLabel(query));
    all.forEach((row, i) =>
      row.weights.forEach((w, j) => {
        cells[i][j].style.opacity = w.toFixed(3);
        cells[i][j].parentElement.classList.toggle("qkv-heat__cell--query", i === query);
      }),
    );
  });
}

start("attention-playground", init);
