// The model calculator (page `calculator`). Contract: DESIGN.md, "Interactive widgets" and
// "Counting today's models". The arithmetic is calculator-core.js (qkvlib.counting in
// JavaScript); the family knowledge and the presets are qkvlib's own families.json and
// presets.json, copied into the site at build time (tools/hooks/calculator.py).
//
// The page holds the markup and every label in its language; this script fills in numbers and
// the preset list. Whatever a reader pastes is shown as text only (textContent, never HTML).

import { PyFloat, evaluateConfig, layers, parseJson } from "./calculator-core.js";

const DATA = new URL("../data/calculator/", import.meta.url);

async function loadJson(name) {
  const response = await fetch(new URL(name, DATA));
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
  return response.json();
}

/** An <input>'s text read as Python would see the number typed: int, float or str. */
function inputValue(text) {
  const t = text.trim();
  if (/^[-+]?\d+$/.test(t)) return BigInt(t);
  if (t !== "" && Number.isFinite(Number(t))) return new PyFloat(Number(t));
  return text;
}

function formatter(lang) {
  const zh = lang.startsWith("zh");
  const grouped = new Intl.NumberFormat(lang);
  const compact = new Intl.NumberFormat(zh ? "zh-CN" : "en", {
    notation: "compact",
    maximumSignificantDigits: 3,
  });
  const paren = (s) => (zh ? `（${s}）` : ` (${s})`);
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  return {
    count: (n) => grouped.format(n) + (n >= 10000n ? paren(compact.format(Number(n))) : ""),
    bytes(n) {
      let value = Number(n);
      let unit = 0;
      while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit += 1;
      }
      const short = unit ? `${value.toPrecision(3)} ${units[unit]}` : "";
      return `${grouped.format(n)} B` + (short ? paren(short) : "");
    },
  };
}

function setup(root, families, presets) {
  const $ = (selector) => root.querySelector(selector);
  const input = (name) => $(`[data-input="${name}"]`);
  const results = [...root.querySelectorAll("[data-result]")];
  const error = $('[data-result="error"]');
  const fmt = formatter(document.documentElement.lang || "en");
  const preset = input("preset");
  const config = input("config");

  for (const [name, entry] of Object.entries(presets.presets)) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = `${entry.title} (${entry.source})`;
    preset.append(option);
  }

  function show(name, exact, text) {
    const node = $(`[data-result="${name}"]`);
    if (!node) return;
    node.dataset.value = exact;
    node.textContent = text;
  }

  function clear(message, type) {
    for (const node of results) {
      delete node.dataset.value;
      node.textContent = "—";
    }
    for (const row of root.querySelectorAll("[data-kind]")) row.hidden = true;
    root.dataset.state = "error";
    error.hidden = false;
    error.dataset.value = message;
    error.textContent = type ? `${type}: ${message}` : message;
  }

  function update() {
    let parsed;
    try {
      parsed = parseJson(config.value);
    } catch (e) {
      clear(`${root.dataset.msgJson} ${e.message}`, "");
      return;
    }
    const out = evaluateConfig(parsed, families, {
      tokens: inputValue(input("tokens").value),
      batch: inputValue(input("batch").value),
      bytes: inputValue(input("bytes-per-element").value),
    });
    if (!out.ok) {
      clear(out.message, out.type);
      return;
    }
    root.dataset.state = "ok";
    error.hidden = true;
    error.textContent = "";
    delete error.dataset.value;
    const big = (k) => BigInt(out[k]);
    show("total", out.total, fmt.count(big("total")));
    show("active", out.active, fmt.count(big("active")));
    show("attention-per-layer", out.attention_per_layer, fmt.count(big("attention_per_layer")));
    show("weights-bytes", out.weights_bytes, fmt.bytes(big("weights_bytes")));
    show("kv-cache-bytes", out.kv_cache_bytes, fmt.bytes(big("kv_cache_bytes")));
    const perKind = {};
    for (const layer of layers(out.spec)) perKind[layer.attention] = (perKind[layer.attention] || 0) + 1;
    for (const kind of ["full", "sliding", "mla"]) {
      const row = root.querySelector(`[data-kind="${kind}"]`);
      const has = Object.prototype.hasOwnProperty.call(out.kv_breakdown, kind);
      if (row) row.hidden = !has;
      if (has) {
        show(`kv-${kind}`, out.kv_breakdown[kind], fmt.bytes(BigInt(out.kv_breakdown[kind])));
        show(`layers-${kind}`, String(perKind[kind]), String(perKind[kind]));
      }
    }
    const window = out.spec.sliding_window;
    show("sliding-window", window === null ? "" : window.toString(), window === null ? "—" : window.toString());
    const moe = layers(out.spec).filter((l) => l.mlp === "moe").length;
    show("moe-layers", String(moe), String(moe));
    show("layers", out.spec.num_layers.toString(), out.spec.num_layers.toString());
    for (const part of ["weights", "gradients", "optimizer_states", "total"]) {
      const name = `training-${part.replace("_", "-")}`;
      show(name, out.training[part], fmt.bytes(BigInt(out.training[part])));
    }
  }

  preset.addEventListener("change", () => {
    if (!preset.value) return;
    config.value = JSON.stringify(presets.presets[preset.value].config, null, 2);
    update();
  });
  config.addEventListener("input", () => {
    preset.value = "";
    update();
  });
  for (const name of ["tokens", "batch", "bytes-per-element"]) {
    input(name).addEventListener("input", update);
    input(name).addEventListener("change", update);
  }
  preset.value = root.dataset.preset || "llama-3-8b";
  config.value = JSON.stringify(presets.presets[preset.value].config, null, 2);
  update();
  root.dataset.ready = "true";
}

async function main() {
  const roots = [...document.querySelectorAll('[data-widget="calculator"]')];
  if (!roots.length) return;
  let families;
  let presets;
  try {
    [families, presets] = await Promise.all([loadJson("families.json"), loadJson("presets.json")]);
  } catch (e) {
    for (const root of roots) {
      const error = root.querySelector('[data-result="error"]');
      error.hidden = false;
      error.textContent = `${root.dataset.msgLoad} ${e.message}`;
    }
    return;
  }
  for (const root of roots) setup(root, families, presets);
}

main();
