// Chromium (Debian's /usr/bin/chromium driven by playwright-core): a static server on
// 127.0.0.1 serves the repo's dist/, build/ and test/e2e/ plus two pages:
//   /main.html  <script type="module"> import * as torch from "/dist/index.js" </script>
//   /core.html  "/dist/core.js" + fetch("/build/wasmgrad.wasm") -> compileStreaming -> init
// Each page writes a JSON result into <pre id="out">; this script reads it back and prints
// one E2E-RESULT line. Everything is bounded by timeouts and closed in `finally`.
import { createServer } from "node:http";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve, sep, extname } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resultLine } from "./program.js";
import { withTimeout } from "./util.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const chromiumPath = process.env.WASMGRAD_E2E_CHROMIUM || "/usr/bin/chromium";
const STEP_TIMEOUT = 20_000;

// Static imports, as a page would write them: if one fails, the script never runs and the
// failure shows up as a pageerror/console error in the reason.
const page = (title, imports, body) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title></head>
<body><pre id="out"></pre>
<script type="module">
${imports}
const out = document.getElementById("out");
const done = (r) => { out.textContent = JSON.stringify(r); document.body.dataset.done = "1"; };
try {
${body}
} catch (e) {
  done({ error: String(e && e.stack || e) });
}
</script></body></html>`;

const pages = {
  "/main.html": page("wasmgrad main entry", `
import * as torch from "/dist/index.js";
import { compute } from "/test/e2e/program.js";`, `
  done({ main: compute(torch) });`),
  "/core.html": page("wasmgrad core entry", `
import * as core from "/dist/core.js";
import { compute, thrownMessage } from "/test/e2e/program.js";`, `
  const preInit = thrownMessage(() => core.ones(1));
  const module = await WebAssembly.compileStreaming(fetch("/build/wasmgrad.wasm"));
  await core.init({ module });
  done({ preInit, core: compute(core) });`),
};

const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".map": "application/json" };
const served = ["dist", "build", join("test", "e2e")].map((d) => resolve(root, d) + sep);

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
  const send = (status, type, body) => {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };
  if (pages[path]) return send(200, "text/html; charset=utf-8", pages[path]);
  const file = resolve(root, "." + path);
  if (!served.some((d) => file.startsWith(d))) return send(404, "text/plain", "not found");
  try {
    send(200, types[extname(file)] ?? "application/octet-stream", await readFile(file));
  } catch {
    send(404, "text/plain", "not found");
  }
});
server.requestTimeout = STEP_TIMEOUT;


let context;
const profile = mkdtempSync(join(tmpdir(), "wasmgrad-e2e-chromium-"));
const result = {};
try {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found (Debian: apt-get install chromium)`);
  const deps = createRequire(new URL("./deps/package.json", import.meta.url));
  const playwright = await import(pathToFileURL(deps.resolve("playwright-core")).href);
  const { chromium } = playwright.chromium ? playwright : playwright.default; // its CommonJS entry
  await withTimeout(new Promise((ok, fail) => server.once("error", fail).listen(0, "127.0.0.1", ok)), STEP_TIMEOUT, "server start");
  const origin = `http://127.0.0.1:${server.address().port}`;

  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    timeout: STEP_TIMEOUT,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  result.browser = `Chromium ${context.browser()?.version() ?? "(version unknown)"}`;
  for (const [name, path] of [["main", "/main.html"], ["core", "/core.html"]]) {
    const tab = await context.newPage();
    const errors = [];
    tab.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    tab.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
    tab.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
    try {
      await tab.goto(origin + path, { timeout: STEP_TIMEOUT });
      await tab.waitForSelector("body[data-done]", { timeout: STEP_TIMEOUT, state: "attached" });
      const got = JSON.parse((await tab.textContent("#out")) ?? "{}");
      if (got.error) result[`${name}Error`] = got.error;
      Object.assign(result, got.error ? {} : got);
    } catch (e) {
      result[`${name}Error`] = `${e.message.split("\n")[0]}${errors.length ? ` [${errors.join("; ")}]` : ""}`;
    } finally {
      await tab.close().catch(() => {});
    }
  }
} catch (e) {
  result.error = String(e && e.message || e).split("\n")[0];
} finally {
  await withTimeout(context?.close() ?? Promise.resolve(), 10_000, "browser close").catch(() => {});
  server.closeAllConnections?.();
  await new Promise((ok) => server.close(() => ok()));
  rmSync(profile, { recursive: true, force: true });
}
console.log(resultLine(result));
