// Shared helpers of the interactive widgets (attention-playground, softmax-temperature,
// mask-builder, shape-explorer). Contract: DESIGN.md, "Interactive widgets".
//
// A widget's root carries data-widget="<name>"; its inputs data-input="<name>"; every output
// data-result="<name>" with the exact value in data-value (numbers as JavaScript prints them,
// which round-trips; lists as JSON), while the text is rounded for people. Labels come from the
// page, in the page's language; the scripts only add numbers, tokens and code.

/** Every root element of the widget `name` on this page. */
export function roots(name) {
  return [...document.querySelectorAll(`[data-widget="${name}"]`)];
}

/** The first element of `root` with data-input="<name>" (or data-slot, data-result). */
export const input = (root, name) => root.querySelector(`[data-input="${name}"]`);
export const slot = (root, name) => root.querySelector(`[data-slot="${name}"]`);
export const result = (root, name) => root.querySelector(`[data-result="${name}"]`);

/** Create an element: el("td", {class: "x", dataset: {result: "w"}}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/** The exact value of a result, as it goes into data-value. */
export function exact(value) {
  if (typeof value === "number") return String(value); // "-Infinity", "1e-300": Python's float() reads both
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
}

/** Show `value` in `node`: exact in data-value, `text` (rounded) as its content. */
export function show(node, value, text) {
  node.dataset.value = exact(value);
  node.textContent = text;
}

/** A number rounded for people, with a true minus sign; -Infinity as "−∞". */
export function fmt(x, digits = 3) {
  if (x === -Infinity) return "−∞";
  if (x === Infinity) return "∞";
  const s = x.toFixed(digits);
  return (/^-0\.?0*$/.test(s) ? s.slice(1) : s).replace("-", "−");
}

/** An integer with thin grouping spaces, language-neutral: 1 048 576. */
export function fmtInt(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
}

/** Shape as Python prints a tuple: (2, 8, 64). */
export const fmtShape = (shape) => `(${shape.join(", ")}${shape.length === 1 ? "," : ""})`;

/**
 * qkvlib.softmax in JavaScript: exp(z - max) / sum; a row that is entirely -Infinity (every key
 * masked) gives zeros, not NaN.
 */
export function softmax(z) {
  const max = Math.max(...z);
  const shift = Number.isFinite(max) ? max : 0;
  const e = z.map((v) => Math.exp(v - shift));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / (total === 0 ? 1 : total));
}

/** Call `update` now and whenever an input inside `root` changes (no button to press). */
export function live(root, update) {
  root.addEventListener("input", update);
  root.addEventListener("change", update);
  update();
}

/** The widget data that qkvlib exported at build time (assets/data/<file>). */
export async function loadData(file) {
  const url = new URL(`../data/${file}`, import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
  return response.json();
}

/**
 * Start `init(root)` for every root of widget `name` when it comes near the screen (within
 * about a screen's height), so that a page's first paint does not wait for widgets further
 * down. A failure is shown in the widget (and marked with data-state="error") instead of being
 * thrown into the console; a started widget has data-state="ready".
 */
export function start(name, init) {
  const run = (root) =>
    Promise.resolve()
      .then(() => init(root))
      .then(() => {
        root.dataset.state = "ready";
      })
      .catch((err) => {
        root.dataset.state = "error";
        root.append(el("p", { class: "qkv-widget__error", role: "alert" }, String(err)));
      });
  if (!("IntersectionObserver" in window)) {
    roots(name).forEach(run);
    return;
  }
  const near = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        near.unobserve(entry.target);
        run(entry.target);
      }
    },
    { rootMargin: "100% 0px" },
  );
  roots(name).forEach((root) => near.observe(root));
}

/**
 * What qkvlib's check_int raises for `value` (a text the reader typed), or null when it is an
 * int >= minimum. Parsed as Python would see the number: "8" is int 8, "8.5" float 8.5, ""
 * and other text a str. Returns [message, number].
 */
export function checkInt(name, text, minimum = 1) {
  const s = String(text).trim();
  if (/^[+-]?\d+$/.test(s)) {
    const n = Number(s);
    return n < minimum ? [`${name}=${n} must be >= ${minimum}`, n] : [null, n];
  }
  if (s !== "" && Number.isFinite(Number(s))) {
    const f = Number(s);
    return [`${name} must be an int, got float ${pyFloat(f)}`, f];
  }
  return [`${name} must be an int, got str ${pyStr(String(text))}`, NaN];
}

/** repr() of a Python float. */
export function pyFloat(f) {
  return Number.isInteger(f) && Math.abs(f) < 1e16 ? `${f}.0` : String(f);
}

/** repr() of a Python str (the common cases: single quotes unless the text holds one). */
export function pyStr(s) {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
