// shape-explorer: every tensor's shape along qkvlib's MultiHeadAttention.forward, the
// parameters of each projection and the KV cache per token, for B, T, C, h, h_kv, d.
// Invalid combinations get the message MultiHeadAttention(...) raises, checked in the same
// order; the browser tests build the printed module in qkvlib and compare every number.
//
// Page markup: inputs data-input="B", "T", "C", "h", "h_kv", "d", "d-from-c" (checkbox:
// d = C / h, so h * d = C), "bias" (checkbox), "bytes-per-element" (select); outputs "error",
// "code", "n-rep", "kv-cache-per-token"; slots "shapes" and "params" (tbody elements: the rows
// are code and shapes, the same in every language).

import { checkInt, el, fmtInt, fmtShape, input, live, result, show, slot, start } from "./widgets.js";

const STEPS = [
  // [result name, code, symbolic shape, shape from the sizes]
  ["x", "x", "(B, T, C)", (s) => [s.B, s.T, s.C]],
  ["q", "q = q_proj(x)", "(B, T, h·d)", (s) => [s.B, s.T, s.h * s.d]],
  ["q-heads", "q = split_heads(q, h)", "(B, h, T, d)", (s) => [s.B, s.h, s.T, s.d]],
  ["k", "k = k_proj(x)", "(B, T, h_kv·d)", (s) => [s.B, s.T, s.hkv * s.d]],
  ["k-heads", "k = split_heads(k, h_kv)", "(B, h_kv, T, d)", (s) => [s.B, s.hkv, s.T, s.d]],
  ["k-repeated", "k = repeat_kv(k, h // h_kv)", "(B, h, T, d)", (s) => [s.B, s.h, s.T, s.d]],
  ["v", "v = v_proj(x)", "(B, T, h_kv·d)", (s) => [s.B, s.T, s.hkv * s.d]],
  ["v-heads", "v = split_heads(v, h_kv)", "(B, h_kv, T, d)", (s) => [s.B, s.hkv, s.T, s.d]],
  ["v-repeated", "v = repeat_kv(v, h // h_kv)", "(B, h, T, d)", (s) => [s.B, s.h, s.T, s.d]],
  ["scores", "scores = q @ k.transpose(-2, -1)", "(B, h, T, S)", (s) => [s.B, s.h, s.T, s.T]],
  ["weights", "weights = softmax(scores * d ** -0.5)", "(B, h, T, S)", (s) => [s.B, s.h, s.T, s.T]],
  ["out", "out = weights @ v", "(B, h, T, d)", (s) => [s.B, s.h, s.T, s.d]],
  ["merged", "merged = merge_heads(out)", "(B, T, h·d)", (s) => [s.B, s.T, s.h * s.d]],
  ["y", "y = o_proj(merged)", "(B, T, C)", (s) => [s.B, s.T, s.C]],
];

const PROJECTIONS = [
  // [name, weight shape as nn.Linear stores it (out, in), bias length]
  ["q", (s) => [s.h * s.d, s.C], (s) => s.h * s.d],
  ["k", (s) => [s.hkv * s.d, s.C], (s) => s.hkv * s.d],
  ["v", (s) => [s.hkv * s.d, s.C], (s) => s.hkv * s.d],
  ["o", (s) => [s.C, s.h * s.d], (s) => s.C],
];

/** The sizes, or the first error in the order MultiHeadAttention.__init__ checks them. */
export function resolve(v) {
  const ints = {};
  for (const [key, name] of [["C", "d_model"], ["h", "num_heads"], ["hkv", "num_kv_heads"]]) {
    const [err, n] = checkInt(name, v[key]);
    if (err) return { error: err };
    ints[key] = n;
  }
  if (v.dFromC) {
    if (ints.C % ints.h !== 0) return { error: `d_model=${ints.C} is not divisible by num_heads=${ints.h}` };
    ints.d = ints.C / ints.h;
  } else {
    const [err, n] = checkInt("head_dim", v.d);
    if (err) return { error: err };
    ints.d = n;
  }
  if (ints.h % ints.hkv !== 0) return { error: `num_heads=${ints.h} is not divisible by num_kv_heads=${ints.hkv}` };
  for (const key of ["B", "T"]) {
    const [err, n] = checkInt(key, v[key]);
    if (err) return { error: err };
    ints[key] = n;
  }
  return { error: null, sizes: ints };
}

/** The constructor call that builds this layer in qkvlib. */
function constructor(v, s) {
  const args = [`d_model=${s.C}`, `num_heads=${s.h}`];
  if (s.hkv !== s.h) args.push(`num_kv_heads=${s.hkv}`);
  if (!v.dFromC) args.push(`head_dim=${s.d}`);
  if (!v.bias) args.push("bias=False");
  return `MultiHeadAttention(${args.join(", ")})`;
}

async function init(root) {
  // one row per step: the code, then the shape in symbols and in numbers
  const shapeCells = STEPS.map(([name, code, symbolic]) => {
    const cell = el("span", { class: "qkv-num", dataset: { result: name } });
    slot(root, "shapes").append(
      el(
        "tr",
        {},
        el("th", { scope: "row" }, el("code", {}, code)),
        el("td", {}, el("span", { class: "qkv-sym" }, symbolic), cell),
      ),
    );
    return cell;
  });
  const paramCells = PROJECTIONS.map(([name]) => {
    const shape = el("td", { class: "qkv-num", dataset: { result: `weight-${name}` } });
    const count = el("td", { class: "qkv-num", dataset: { result: `params-${name}` } });
    slot(root, "params").append(el("tr", {}, el("th", { scope: "row" }, el("code", {}, `${name}_proj`)), shape, count));
    return { shape, count };
  });
  const total = el("td", { class: "qkv-num", dataset: { result: "params-total" } });
  slot(root, "params").append(el("tr", { class: "qkv-total" }, el("th", { scope: "row", colspan: "2" }, "Σ"), total));

  const dInput = input(root, "d");
  live(root, (event) => {
    const v = {
      B: input(root, "B").value,
      T: input(root, "T").value,
      C: input(root, "C").value,
      h: input(root, "h").value,
      hkv: input(root, "h_kv").value,
      d: dInput.value,
      dFromC: input(root, "d-from-c").checked,
      bias: input(root, "bias").checked,
    };
    dInput.disabled = v.dFromC;
    const { error, sizes: s } = resolve(v);
    if (s && v.dFromC && event?.target !== dInput) dInput.value = String(s.d);
    show(result(root, "error"), error ?? "", error ?? "");
    root.classList.toggle("qkv-has-error", Boolean(error));
    const blank = (cell) => show(cell, "", "—");
    if (error) {
      // nothing of the previous valid combination stays on show
      [...shapeCells, ...paramCells.flatMap((c) => [c.shape, c.count]), total].forEach(blank);
      ["code", "n-rep", "kv-cache-per-token"].forEach((name) => blank(result(root, name)));
      return;
    }
    STEPS.forEach(([, , , shapeOf], i) => {
      const shape = shapeOf(s);
      show(shapeCells[i], shape, fmtShape(shape));
    });
    let sum = 0;
    PROJECTIONS.forEach(([, weightShape, biasLength], i) => {
      const shape = weightShape(s);
      const n = shape[0] * shape[1] + (v.bias ? biasLength(s) : 0);
      sum += n;
      show(paramCells[i].shape, shape, fmtShape(shape));
      show(paramCells[i].count, n, fmtInt(n));
    });
    show(total, sum, fmtInt(sum));
    const code = constructor(v, s);
    show(result(root, "code"), code, code);
    show(result(root, "n-rep"), s.h / s.hkv, String(s.h / s.hkv));
    const bytes = 2 * s.hkv * s.d * Number(input(root, "bytes-per-element").value);
    show(result(root, "kv-cache-per-token"), bytes, fmtInt(bytes));
  });
}

start("shape-explorer", init);
