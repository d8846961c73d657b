// The model calculator's arithmetic: qkvlib.counting (read.py, count.py, memory.py) line for
// line, in JavaScript. It reads the same families.json, raises the same errors with the same
// messages (Python's repr included), and computes with BigInt, so every integer equals what
// Python prints; tests/test_browser_calculator.py checks that in Chromium for every preset and
// a few hundred generated configs. No DOM here: calculator.js is the page.

/** A Python error: `type` is "TypeError" or "ValueError", `message` what str(error) gives. */
export class PyError extends Error {
  constructor(type, message) {
    super(message);
    this.type = type;
  }
}
const typeError = (message) => new PyError("TypeError", message);
const valueError = (message) => new PyError("ValueError", message);

/** A JSON number written with a fraction or an exponent: Python's json gives a float. */
export class PyFloat {
  constructor(value) {
    this.value = value;
  }
}

/** Parse config.json text as Python's json.loads types it: integers become BigInt (exact at
 * any size), numbers with a fraction or exponent PyFloat. Malformed JSON throws SyntaxError. */
export function parseJson(text) {
  return JSON.parse(text, (key, value, context) => {
    if (typeof value !== "number") return value;
    const source = context && typeof context.source === "string" ? context.source : null;
    if (source !== null) return /[.eE]/.test(source) ? new PyFloat(value) : BigInt(source);
    // Browsers without JSON.parse source access: 64.0 and 64 cannot be told apart.
    return Number.isInteger(value) ? BigInt(value) : new PyFloat(value);
  });
}

const own = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
const isInt = (v) => typeof v === "bigint";
const isMapping = (v) =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof PyFloat);

/** Python's type(value).__name__ for a parsed JSON value. */
export function pyTypeName(v) {
  if (v === null) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "bigint") return "int";
  if (typeof v === "string") return "str";
  if (v instanceof PyFloat) return "float";
  if (Array.isArray(v)) return "list";
  return "dict";
}

function floatRepr(x) {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, power] = x.toExponential().split("e"); // shortest round-trip digits
  const exponent = Number(power);
  if (exponent < -4 || exponent >= 16) {
    // Python writes "1e-07" and "1e+20" where JavaScript writes "1e-7" and "1e+20"
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  const text = String(x); // the same shortest round-trip digits as Python's repr
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function strRepr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0);
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's repr(value) for a parsed JSON value. */
export function pyRepr(v) {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string") return strRepr(v);
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(", ")}}`;
}

/** check_int of qkvlib.counting.spec. */
export function checkInt(name, value, minimum) {
  if (!isInt(value)) {
    throw typeError(`${name} must be an int, got ${pyTypeName(value)} ${pyRepr(value)}`);
  }
  if (value < BigInt(minimum)) throw valueError(`${name}=${value} must be >= ${minimum}`);
  return value;
}

function checkBool(name, value) {
  if (typeof value !== "boolean") {
    throw typeError(`${name} must be a bool, got ${pyTypeName(value)} ${pyRepr(value)}`);
  }
  return value;
}

const LAYER_TYPES = ["full_attention", "sliding_attention"];

function checkValue(family, key, rule, value) {
  const name = `${family} config ${key}`;
  const found = `${pyTypeName(value)} ${pyRepr(value)}`;
  if (rule.type === "int") {
    checkInt(name, value, rule.min);
    if (own(rule, "max") && value > BigInt(rule.max)) throw valueError(`${name}=${value} must be <= ${rule.max}`);
    return value;
  }
  if (rule.type === "bool") return checkBool(name, value);
  if (rule.type === "int_list") {
    if (!Array.isArray(value) || !value.every(isInt)) {
      throw typeError(`${name} must be a list of ints, got ${found}`);
    }
    return value;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw typeError(`${name} must be a list of strings, got ${found}`);
  }
  value.forEach((item, i) => {
    if (!LAYER_TYPES.includes(item)) {
      const allowed = LAYER_TYPES.map(strRepr).join(", ");
      throw valueError(`${name}[${i}]=${strRepr(item)} is not one of ${allowed}`);
    }
  });
  return value;
}

/** A literal of families.json: numbers become BigInt, lists are copied. */
function literal(expr) {
  if (typeof expr === "number") return BigInt(expr);
  if (Array.isArray(expr)) return expr.map(literal);
  return expr;
}

function evaluate(expr, values, family, target) {
  if (!isMapping(expr)) return literal(expr);
  if (own(expr, "key")) return values.get(expr.key);
  if (own(expr, "first")) {
    for (const e of expr.first) {
      const v = evaluate(e, values, family, target);
      if (v !== null) return v;
    }
    return null;
  }
  const [[op, [left, right]]] = Object.entries(expr);
  const a = evaluate(left, values, family, target);
  const b = evaluate(right, values, family, target);
  if (op === "add") return a + b;
  if (op === "mul") return a * b;
  if (a % b !== 0n) {
    const hint = target ? ` and the config sets no ${target}` : "";
    throw valueError(`${family} config: ${left.key}=${a} is not divisible by ${right.key}=${b}${hint}`);
  }
  return a / b;
}

function readKeys(config, family, info) {
  const values = new Map();
  for (const [key, rule] of Object.entries(info.keys)) {
    if (!own(config, key)) {
      if (!own(rule, "default")) {
        throw valueError(
          `${family} config is missing required key ${strRepr(key)} (transformers' ` +
            `${info.config_class} would silently use ${pyRepr(literal(rule.class_default))})`,
        );
      }
      values.set(key, evaluate(rule.default, values, family, key));
    } else if (config[key] === null && own(rule, "null")) {
      values.set(key, evaluate(rule.null, values, family, key));
    } else if (config[key] === null && !own(rule, "default")) {
      throw valueError(`${family} config is missing required key ${strRepr(key)} (it is null)`);
    } else {
      values.set(key, checkValue(family, key, rule, config[key]));
    }
  }
  return values;
}

function runChecks(family, checks, values) {
  for (const [kind, first, second] of checks) {
    const a = values.get(first);
    const b = values.get(second);
    if (kind === "divisible" && a % b !== 0n) {
      throw valueError(`${family} config: ${first}=${a} is not divisible by ${second}=${b}`);
    }
    if (kind === "at_most" && a > b) {
      throw valueError(`${family} config: ${first}=${a} is more than ${second}=${b}`);
    }
  }
}

function slidingWindow(rule, values) {
  if (own(rule, "enabled_by") && !values.get(rule.enabled_by)) return null;
  let window = values.get(rule.window);
  if (window !== null && rule.halved_by && values.get(rule.halved_by)) window = window / 2n + 1n;
  return window;
}

function layerTypes(family, rule, values, n) {
  if (!rule) return [[], null];
  const window = slidingWindow(rule, values);
  const explicit = own(rule, "explicit") ? values.get(rule.explicit) : null;
  const count = Number(n);
  const range = [...Array(count).keys()];
  const kinds = (slides) => slides.map((s) => (s ? "sliding_attention" : "full_attention"));
  let types;
  if (explicit !== null && explicit !== undefined) {
    if (BigInt(explicit.length) !== n) {
      throw valueError(
        `${family} config layer_types has ${explicit.length} entries for num_hidden_layers=${n}`,
      );
    }
    types = [...explicit];
  } else if (rule.rule === "all") {
    types = kinds(range.map(() => window !== null));
  } else if (rule.rule === "from") {
    const first = values.get(rule.first);
    types = kinds(range.map((i) => window !== null && BigInt(i) >= first));
  } else if (rule.rule === "every") {
    const period = typeof rule.period === "number" ? BigInt(rule.period) : values.get(rule.period);
    types = kinds(range.map((i) => BigInt(i + 1) % period !== 0n));
  } else {
    // "nope": SmolLM3 slides the layers without RoPE, when sliding is enabled
    let rope = values.get(rule.rope_layers);
    if (rope === null) {
      const interval = values.get(rule.interval);
      rope = range.map((i) => (BigInt(i + 1) % interval !== 0n ? 1n : 0n));
    }
    if (BigInt(rope.length) !== n) {
      throw valueError(
        `${family} config ${rule.rope_layers} has ${rope.length} entries for num_hidden_layers=${n}`,
      );
    }
    types = kinds(range.map((i) => window !== null && rope[i] === 0n));
  }
  const first = types.indexOf("sliding_attention");
  if (window === null && first >= 0) {
    throw valueError(
      `${family} config: layer ${first} is 'sliding_attention' but the config enables no sliding window`,
    );
  }
  return [types, first >= 0 ? window : null];
}

function mlpLayerTypes(rule, values, n) {
  if (!rule) return [];
  const range = [...Array(Number(n)).keys()];
  let moe;
  if (rule.rule === "all") moe = range.map(() => true);
  else if (rule.rule === "from") moe = range.map((i) => BigInt(i) >= values.get(rule.first));
  else {
    const dense = values.get(rule.dense);
    const step = values.get(rule.step);
    moe = range.map((i) => !dense.includes(BigInt(i)) && BigInt(i + 1) % step === 0n);
  }
  return moe.map((m) => (m ? "moe" : "dense"));
}

function unwrapTextConfig(config, data) {
  const text = config.text_config;
  if (!isMapping(text)) throw typeError(`config text_config must be a mapping, got ${pyTypeName(text)}`);
  if (!own(text, "model_type") || text.model_type === null) {
    const outer = own(config, "model_type") ? config.model_type : null;
    const inner =
      typeof outer === "string" && own(data.text_config_types, outer) ? data.text_config_types[outer] : null;
    if (inner === null) {
      throw valueError(`config text_config has no 'model_type' (model_type=${pyRepr(outer)})`);
    }
    return { ...text, model_type: inner };
  }
  return text;
}

/** from_hf_config: a ModelSpec-like object (ints as BigInt), or a thrown PyError. */
export function fromHfConfig(config, data) {
  if (!isMapping(config)) {
    throw typeError(`config must be a mapping (a config.json dict), got ${pyTypeName(config)}`);
  }
  if (own(config, "text_config")) config = unwrapTextConfig(config, data);
  const supported = data.supported.map(strRepr).join(", ");
  const modelType = own(config, "model_type") ? config.model_type : null;
  if (modelType === null) throw valueError(`config has no 'model_type'; supported: ${supported}`);
  if (typeof modelType !== "string" || !own(data.families, modelType)) {
    throw valueError(`unsupported model_type=${pyRepr(modelType)}; supported: ${supported}`);
  }
  const family = modelType;
  const info = data.families[family];
  if (own(config, "per_layer_config")) {
    throw valueError(`${family} config: per_layer_config (layers that differ in size) is not supported`);
  }
  const aliased = {};
  for (const [key, value] of Object.entries(config)) {
    if (own(info.aliases, key)) aliased[info.aliases[key]] = value;
  }
  config = { ...aliased, ...config };
  for (const [key, what] of Object.entries(info.refuse_if_true || {})) {
    if (own(config, key) && checkBool(`${family} config ${key}`, config[key])) {
      throw valueError(`${family} config: ${key}=True (${what}) is not supported by the counter`);
    }
  }
  const values = readKeys(config, family, info);
  runChecks(family, info.checks || [], values);
  const spec = { ...SPEC_DEFAULTS, family, num_decoder_layers: 0n };
  for (const [name, expr] of Object.entries({ ...data.base_spec, ...info.spec })) {
    spec[name] = evaluate(expr, values, family, null);
  }
  const n = spec.num_layers;
  [spec.layer_types, spec.sliding_window] = layerTypes(family, info.layer_types, values, n);
  spec.mlp_layer_types = mlpLayerTypes(info.mlp_layers, values, n);
  return spec;
}

/** The ModelSpec fields with defaults (qkvlib.counting.spec). */
const SPEC_DEFAULTS = {
  norms_per_layer: 2n,
  qk_norm: "none",
  attention_sinks: false,
  layer_types: [],
  sliding_window: null,
  mla: false,
  q_lora_rank: null,
  kv_lora_rank: 0n,
  qk_nope_head_dim: 0n,
  qk_rope_head_dim: 0n,
  v_head_dim: 0n,
  num_experts: 0n,
  num_experts_per_tok: 0n,
  moe_intermediate_size: 0n,
  shared_expert_intermediate_size: null,
  router_bias: false,
  expert_bias: false,
  mlp_layer_types: [],
};

/** ModelSpec.layers: [{attention: "full" | "sliding" | "mla", mlp: "dense" | "moe"}, ...]. */
export function layers(spec) {
  const n = Number(spec.num_layers);
  return [...Array(n).keys()].map((i) => {
    let attention = "full";
    if (spec.mla) attention = "mla";
    else if (spec.layer_types.length) attention = spec.layer_types[i] === "sliding_attention" ? "sliding" : "full";
    const mlp = spec.mlp_layer_types.length ? spec.mlp_layer_types[i] : spec.num_experts ? "moe" : "dense";
    return { attention, mlp };
  });
}

function attentionParams(s) {
  const [c, h, hKv, d] = [s.d_model, s.num_heads, s.num_kv_heads, s.head_dim];
  let n;
  if (s.mla) {
    const [rope, nope, v, rKv] = [s.qk_rope_head_dim, s.qk_nope_head_dim, s.v_head_dim, s.kv_lora_rank];
    if (s.q_lora_rank === null) n = c * h * (nope + rope);
    else {
      const rQ = s.q_lora_rank;
      n = c * rQ + (s.qkv_bias ? rQ : 0n) + rQ + rQ * h * (nope + rope);
    }
    n += c * (rKv + rope) + (s.qkv_bias ? rKv + rope : 0n);
    n += rKv + rKv * h * (nope + v);
    n += h * v * c + (s.o_bias ? c : 0n);
  } else {
    n = c * h * d + 2n * c * hKv * d + h * d * c;
    n += s.qkv_bias ? h * d + 2n * hKv * d : 0n;
    n += s.o_bias ? c : 0n;
  }
  if (s.qk_norm === "head") n += 2n * d;
  else if (s.qk_norm === "all") n += h * d + hKv * d;
  return n + (s.attention_sinks ? h : 0n);
}

function denseMlpParams(s, width) {
  const c = s.d_model;
  if (s.mlp === "dense") return 2n * c * width + (s.mlp_bias ? width + c : 0n);
  return 3n * c * width + (s.mlp_bias ? 2n * width + c : 0n);
}

function expertParams(s) {
  const [c, i] = [s.d_model, s.moe_intermediate_size];
  return 3n * c * i + (s.expert_bias ? 2n * i + c : 0n);
}

function moeParams(s) {
  const e = s.num_experts;
  let n = e * s.d_model + (s.router_bias ? e : 0n) + e * expertParams(s);
  if (s.shared_expert_intermediate_size !== null) {
    const [c, i] = [s.d_model, s.shared_expert_intermediate_size];
    n += 3n * c * i + (s.mlp_bias ? 2n * i + c : 0n);
  }
  return n;
}

/** count_params: {embeddings, attention_per_layer, attention, mlp, norms, pooler, lm_head,
 * total, active}, all BigInt. */
export function countParams(s) {
  const c = s.d_model;
  const attentionPerLayer = attentionParams(s);
  const attention = (s.num_layers + 2n * s.num_decoder_layers) * attentionPerLayer;
  const moeLayers = BigInt(layers(s).filter((l) => l.mlp === "moe").length);
  const denseLayers = s.num_layers + s.num_decoder_layers - moeLayers;
  let mlp = denseLayers * denseMlpParams(s, s.intermediate_size);
  mlp += moeLayers ? moeLayers * moeParams(s) : 0n;
  const unused = moeLayers * (s.num_experts - s.num_experts_per_tok) * expertParams(s);
  const normSize = s.norm === "layernorm" ? 2n * c : c;
  const numNorms = s.num_decoder_layers
    ? 2n * s.num_layers + 3n * s.num_decoder_layers
    : s.norms_per_layer * s.num_layers + 1n;
  const embeddings = (s.vocab_size + s.max_position_embeddings + s.type_vocab_size) * c;
  const pooler = s.pooler ? c * c + c : 0n;
  const lmHead = s.lm_head && !s.tie_word_embeddings ? s.vocab_size * c : 0n;
  const norms = numNorms * normSize;
  const total = embeddings + attention + mlp + norms + pooler + lmHead;
  return {
    embeddings,
    attention_per_layer: attentionPerLayer,
    attention,
    mlp,
    norms,
    pooler,
    lm_head: lmHead,
    total,
    active: total - unused,
  };
}

/** kv_cache_breakdown: {full?, sliding?, mla?} bytes, BigInt. */
export function kvCacheBreakdown(s, numTokens, bytesPerElement = 2n, batchSize = 1n) {
  checkInt("num_tokens", numTokens, 0);
  checkInt("bytes_per_element", bytesPerElement, 1);
  checkInt("batch_size", batchSize, 1);
  const kv = 2n * s.num_kv_heads * s.head_dim;
  const positions = {};
  if (s.num_decoder_layers) {
    positions.full = s.num_decoder_layers * kv * numTokens;
  } else {
    for (const layer of layers(s)) {
      let n;
      if (layer.attention === "mla") n = (s.kv_lora_rank + s.qk_rope_head_dim) * numTokens;
      else if (layer.attention === "sliding") {
        n = kv * (numTokens < s.sliding_window ? numTokens : s.sliding_window);
      } else n = kv * numTokens;
      positions[layer.attention] = (positions[layer.attention] || 0n) + n;
    }
  }
  const out = {};
  for (const kind of ["full", "sliding", "mla"]) {
    if (own(positions, kind)) out[kind] = positions[kind] * batchSize * bytesPerElement;
  }
  return out;
}

/** kv_cache_bytes. */
export function kvCacheBytes(s, numTokens, bytesPerElement = 2n, batchSize = 1n) {
  return Object.values(kvCacheBreakdown(s, numTokens, bytesPerElement, batchSize)).reduce((a, b) => a + b, 0n);
}

/** weight_bytes. */
export function weightBytes(s, bytesPerElement = 2n) {
  checkInt("bytes_per_element", bytesPerElement, 1);
  return countParams(s).total * bytesPerElement;
}

/** training_memory: the model-state estimate of mixed-precision Adam (16 bytes a parameter). */
export function trainingMemory(s) {
  const p = countParams(s).total;
  return { weights: 2n * p, gradients: 2n * p, optimizer_states: 12n * p, total: 16n * p };
}

/** Everything the page shows for one config, as strings of exact integers; or the error. */
export function evaluateConfig(config, data, { tokens, batch, bytes }) {
  try {
    const spec = fromHfConfig(config, data);
    const count = countParams(spec);
    const breakdown = kvCacheBreakdown(spec, tokens, bytes, batch);
    const str = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.toString()]));
    return {
      ok: true,
      spec,
      total: count.total.toString(),
      active: count.active.toString(),
      attention_per_layer: count.attention_per_layer.toString(),
      kv_cache_bytes: kvCacheBytes(spec, tokens, bytes, batch).toString(),
      kv_breakdown: str(breakdown),
      weights_bytes: weightBytes(spec, bytes).toString(),
      training: str(trainingMemory(spec)),
      count: str(count),
    };
  } catch (error) {
    if (error instanceof PyError) return { ok: false, type: error.type, message: error.message };
    throw error;
  }
}
