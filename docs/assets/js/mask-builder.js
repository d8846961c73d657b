// mask-builder: a boolean attention mask from T, S, causal, a sliding window and padding
// lengths, drawn in torch SDPA's convention (True = may attend, qkvlib's) and in
// nn.MultiheadAttention's (True = blocked), with the qkvlib code that builds it. The masks are
// computed here with qkvlib's formulas (causal_mask: i + (S - T) - W < j <= i + (S - T);
// padding_mask: j < length) and its error messages; the browser tests run the printed code
// line through qkvlib and compare every cell.
//
// Page markup: inputs data-input="T", "S", "causal", "window" (blank: no window), "lengths"
// (blank: no padding); outputs "error", "code-sdpa", "code-mha", "sdpa-mask", "mha-mask";
// data-label-sdpa, data-label-mha (titles), data-caption ("sequence {b}: length {length}"),
// data-label-query, data-label-key, data-msg-size and data-msg-batch (limits of this page, with {max}).

import { checkInt, el, input, live, pyFloat, pyStr, result, show, start } from "./widgets.js";

const MAX_SIZE = 16; // T and S on this page
const MAX_BATCH = 4;

/** Parse "6, 3" as Python's padding_mask would see the list: [error, lengths]. */
function parseLengths(text) {
  const items = text.split(/[\s,]+/).filter((s) => s !== "");
  const out = [];
  for (const s of items) {
    if (/^[+-]?\d+$/.test(s)) out.push(Number(s));
    else if (Number.isFinite(Number(s))) return [`lengths must hold ints, got float ${pyFloat(Number(s))}`, null];
    else return [`lengths must hold ints, got str ${pyStr(s)}`, null];
  }
  return [null, out];
}

/** The mask (B, T, S) in SDPA's convention and the code, or an error in qkvlib's words. */
export function buildMask({ T: tText, S: sText, causal, window: wText, lengths: lText }, msg) {
  const [tErr, T] = checkInt("T", tText);
  if (tErr) return { error: tErr };
  const [sErr, S] = checkInt("S", sText);
  if (sErr) return { error: sErr };
  let W = null;
  if (causal) {
    if (S < T) {
      return {
        error:
          `S=${S} is smaller than T=${T}: with bottom-right alignment the queries are the last ` +
          `T of the S key positions, so S must be >= T`,
      };
    }
    if (wText.trim() !== "") {
      const [wErr, w] = checkInt("window", wText);
      if (wErr) return { error: wErr };
      W = w;
    }
  }
  let lengths = null;
  if (lText.trim() !== "") {
    const [lErr, ls] = parseLengths(lText);
    if (lErr) return { error: lErr };
    if (ls.some((n) => n < 0 || n > S)) return { error: `lengths=[${ls.join(", ")}] must lie in [0, S] with S=${S}` };
    lengths = ls;
  }
  if (T > MAX_SIZE || S > MAX_SIZE) return { error: msg.size.replace("{max}", MAX_SIZE) };
  if (lengths && lengths.length > MAX_BATCH) return { error: msg.batch.replace("{max}", MAX_BATCH) };

  const shift = S - T; // bottom-right alignment: query i is position i + S - T
  const seqs = lengths ?? [S];
  const mask = seqs.map((len) =>
    Array.from({ length: T }, (_, i) =>
      Array.from({ length: S }, (__, j) => {
        const causalOk = !causal || (j <= i + shift && (W === null || j > i + shift - W));
        return causalOk && j < len;
      }),
    ),
  );
  const causalCall = `causal_mask(${T}, ${S}${W === null ? "" : `, window=${W}`})`;
  const paddingCall = lengths && `padding_mask([${lengths.join(", ")}], ${S})`;
  const sdpa = [causal && causalCall, paddingCall && `${paddingCall}[:, None, None, :]`].filter(Boolean);
  const code = {
    sdpa: `mask = ${sdpa.length ? sdpa.join(" & ") : `torch.ones(${T}, ${S}, dtype=torch.bool)`}`,
    mha: [
      causal ? `attn_mask = ~${causalCall}` : "attn_mask = None",
      paddingCall && `key_padding_mask = ~${paddingCall}`,
    ]
      .filter(Boolean)
      .join("\n"),
  };
  return { error: null, mask, code, lengths };
}

function grid(cells, caption, { query, key }, blockedIsTrue) {
  const S = cells[0].length;
  return el(
    "table",
    { class: `qkv-grid${blockedIsTrue ? " qkv-grid--blocked" : ""}` },
    caption ? el("caption", {}, caption) : "",
    el(
      "thead",
      {},
      el("tr", {}, el("th", { scope: "col", class: "qkv-grid__corner" }, `${query} \\ ${key}`),
        ...Array.from({ length: S }, (_, j) => el("th", { scope: "col" }, String(j)))),
    ),
    el(
      "tbody",
      {},
      ...cells.map((row, i) =>
        el("tr", {}, el("th", { scope: "row" }, String(i)),
          ...row.map((v) => el("td", { class: v ? "qkv-grid__true" : "qkv-grid__false" }, v ? "1" : "0"))),
      ),
    ),
  );
}

async function init(root) {
  const label = root.dataset;
  const names = { query: label.labelQuery || "q", key: label.labelKey || "k" };
  const msg = { size: label.msgSize || "T, S <= {max}", batch: label.msgBatch || "B <= {max}" };
  const sdpaOut = result(root, "sdpa-mask");
  const mhaOut = result(root, "mha-mask");
  live(root, () => {
    const causal = input(root, "causal").checked;
    input(root, "window").disabled = !causal;
    const built = buildMask(
      {
        T: input(root, "T").value,
        S: input(root, "S").value,
        causal,
        window: input(root, "window").value,
        lengths: input(root, "lengths").value,
      },
      msg,
    );
    const error = result(root, "error");
    show(error, built.error ?? "", built.error ?? "");
    root.classList.toggle("qkv-has-error", Boolean(built.error));
    if (built.error) {
      // no stale mask is left on show as if it belonged to the new input
      for (const out of [sdpaOut, mhaOut]) {
        out.dataset.value = "";
        out.replaceChildren();
      }
      show(result(root, "code-sdpa"), "", "");
      show(result(root, "code-mha"), "", "");
      return;
    }
    const { mask, code, lengths } = built;
    const blocked = mask.map((m) => m.map((row) => row.map((v) => !v)));
    // one column per convention, titled; one grid per sequence, captioned with its length
    const template = label.caption || "b = {b}: {length}";
    const caption = (b) => (lengths ? template.replace("{b}", b).replace("{length}", lengths[b]) : "");
    const column = (title, grids, blockedIsTrue) => [
      el("p", { class: "qkv-masks__title" }, title),
      ...grids.map((m, b) => grid(m, caption(b), names, blockedIsTrue)),
    ];
    sdpaOut.dataset.value = JSON.stringify(mask);
    sdpaOut.replaceChildren(...column(label.labelSdpa || "SDPA", mask, false));
    mhaOut.dataset.value = JSON.stringify(blocked);
    mhaOut.replaceChildren(...column(label.labelMha || "nn.MultiheadAttention", blocked, true));
    show(result(root, "code-sdpa"), code.sdpa, code.sdpa);
    show(result(root, "code-mha"), code.mha, code.mha);
  });
}

start("mask-builder", init);
