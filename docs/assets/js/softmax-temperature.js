// softmax-temperature: one query's scores over 8 keys through the softmax, as the head size d,
// the 1/sqrt(d) scaling and a temperature change. The raw scores q . k (entries of q and k drawn
// from a standard normal, so their spread grows like sqrt(d)) come from qkvlib at build time
// (assets/data/softmax-temperature.json); this script computes
//   z = q . k * (1/sqrt(d) or 1) / temperature,  p = softmax(z),
// the largest weight, the entropy -sum p ln p, and the Frobenius norm of the softmax's
// Jacobian J = diag(p) - p p^T (how much gradient gets through), as qkvlib.softmax and
// torch.autograd.functional.jacobian give them (checked by the browser tests).
//
// Page markup: a select data-input="d" (options are added here), checkbox data-input="scale",
// range data-input="temperature"; outputs "temperature", "max-weight", "entropy",
// "max-entropy", "jacobian-norm"; slot "bars"; data-label-key="<word for key>".

import { el, fmt, input, live, loadData, result, show, slot, softmax, start } from "./widgets.js";

/** Entropy in nats, with 0 ln 0 = 0. */
export const entropy = (p) => -p.reduce((acc, x) => acc + (x > 0 ? x * Math.log(x) : 0), 0);

/** Frobenius norm of J = diag(p) - p p^T, the softmax's Jacobian dp_i/dz_j. */
export function jacobianNorm(p) {
  let sum = 0;
  p.forEach((pi, i) =>
    p.forEach((pj, j) => {
      const jij = (i === j ? pi : 0) - pi * pj;
      sum += jij * jij;
    }),
  );
  return Math.sqrt(sum);
}

async function init(root) {
  const data = await loadData("softmax-temperature.json");
  const select = input(root, "d");
  const initial = select.dataset.default || String(data.head_dims[0]);
  select.append(
    ...data.head_dims.map((d) => el("option", { value: String(d), selected: String(d) === initial }, String(d))),
  );

  const word = root.dataset.labelKey || "k";
  const bars = data.scores[data.head_dims[0]].map((_, j) => {
    const logit = el("span", { class: "qkv-num qkv-bars__z", dataset: { result: "logit", key: String(j) } });
    const weight = el("span", { class: "qkv-num", dataset: { result: "weight", key: String(j) } });
    const fill = el("span", { class: "qkv-bar__fill" });
    slot(root, "bars").append(
      el(
        "div",
        { class: "qkv-bars__row" },
        el("span", { class: "qkv-bars__key" }, `${word}\u2009${j}`),
        logit,
        el("span", { class: "qkv-bar" }, el("span", { class: "qkv-bar__track" }, fill), weight),
      ),
    );
    return { logit, weight, fill };
  });

  live(root, () => {
    const d = Number(select.value);
    const temperature = Number(input(root, "temperature").value);
    const factor = input(root, "scale").checked ? 1 / Math.sqrt(d) : 1;
    const z = data.scores[String(d)].map((s) => (s * factor) / temperature);
    const p = softmax(z);
    show(result(root, "temperature"), temperature, temperature.toFixed(1));
    bars.forEach((b, j) => {
      show(b.logit, z[j], fmt(z[j], 2));
      show(b.weight, p[j], fmt(p[j], 3));
      b.fill.style.width = `${(100 * p[j]).toFixed(2)}%`;
    });
    const maxWeight = Math.max(...p);
    show(result(root, "max-weight"), maxWeight, fmt(maxWeight, 3));
    const h = entropy(p);
    show(result(root, "entropy"), h, fmt(h, 3));
    show(result(root, "max-entropy"), Math.log(p.length), fmt(Math.log(p.length), 3));
    const norm = jacobianNorm(p);
    show(result(root, "jacobian-norm"), norm, norm < 1e-4 && norm > 0 ? norm.toExponential(1).replace("-", "−") : fmt(norm, 4));
    root.classList.toggle("qkv-saturated", maxWeight > 0.99);
  });
}

start("softmax-temperature", init);
