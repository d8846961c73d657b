// Render TeX to HTML with the site's own KaTeX (tools/vendor/katex, the release whose stylesheet
// and fonts docs/assets/vendor/katex serves), for the mkdocs hook
// tools/hooks/math.py. Reads one JSON request per line on stdin: {"tex": "...", "display": bool};
// writes one JSON answer per line: {"html": "..."} or {"error": "..."}.
"use strict";
const path = require("path");
const readline = require("readline");
const katex = require(path.join(__dirname, "vendor", "katex", "katex.min.js"));

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  const { tex, display } = JSON.parse(line);
  let answer;
  try {
    answer = { html: katex.renderToString(tex, { displayMode: display, throwOnError: true }) };
  } catch (err) {
    answer = { error: String(err.message || err) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
