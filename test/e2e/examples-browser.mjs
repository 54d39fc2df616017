// examples/browser/index.html in Chromium (Debian's /usr/bin/chromium driven by playwright-core),
// served as a user would serve it: a static server on 127.0.0.1 over the repository's
// examples/, dist/ and build/ (the page's import map points at ../../dist/core.js and fetches
// ../../build/wasmgrad.wasm). The page trains and draws on its own; it is opened once per
// backend (?backend=wasm, ?backend=js) and its log and canvas are read back.
//
// Run as a script, it prints one E2E-RESULT line. run.mjs uses `examplesBrowserCheck`, which
// runs this script in a child process (killed with its browser on timeout) and checks the result.
import { createServer } from "node:http";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resultLine } from "./program.js";
import { withTimeout } from "./util.mjs";

const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("../..", import.meta.url));
const PAGE = "/examples/browser/index.html";
const STEP_TIMEOUT = 20_000;
const TRAIN_TIMEOUT = 60_000;
const EPOCH = /^epoch\s+(\d+)\/(\d+)\s+loss (\d+\.\d+)\s+accuracy (\d+\.\d)%$/;

/** The check run.mjs runs: `runForResult` and `fail` are run.mjs's own helpers. */
export function examplesBrowserCheck({ runForResult, fail }) {
  return {
    name: "examples/browser",
    async run() {
      const r = await runForResult("examples/browser", process.execPath, [here], { timeoutMs: 150_000 });
      if (r.error) fail(r.error);
      const runs = {};
      for (const backend of ["wasm", "js"]) {
        const page = r[backend];
        if (!page) fail(`no result for ?backend=${backend}`);
        if (page.error) fail(`?backend=${backend}: ${page.error}`);
        const lines = page.log.trim().split("\n");
        if (lines[0] !== `backend: ${backend}`) fail(`?backend=${backend}: the page says ${JSON.stringify(lines[0])}`);
        const epochs = lines.map((l) => EPOCH.exec(l)).filter(Boolean).map((m) => ({ loss: Number(m[3]), accuracy: Number(m[4]) }));
        if (epochs.length < 5) fail(`?backend=${backend}: ${epochs.length} epoch lines in ${JSON.stringify(page.log)}`);
        if (!(epochs.at(-1).loss < epochs[0].loss / 2)) fail(`?backend=${backend}: the loss did not fall by half: ${epochs.map((e) => e.loss).join(", ")}`);
        if (!/^median training step: \d+\.\d\d ms on /.test(lines.at(-1))) fail(`?backend=${backend}: last line ${JSON.stringify(lines.at(-1))}`);
        // the canvas: the predicted regions of three classes plus the data's dots
        if (!(page.colours >= 6)) fail(`?backend=${backend}: the canvas shows ${page.colours} colours, expected the 3 regions and 3 kinds of dots`);
        runs[backend] = epochs;
      }
      runs.wasm.forEach((e, i) => {
        if (Math.abs(e.loss - runs.js[i].loss) > 1e-3) fail(`epoch ${i + 1}: loss ${e.loss} on wasm, ${runs.js[i].loss} on js`);
      });
      return [`${r.browser}: ${PAGE} (import map, compileStreaming), trained on wasm and on js with the same losses; loss ${runs.wasm[0].loss} -> ${runs.wasm.at(-1).loss}`];
    },
  };
}

// ---- the child process --------------------------------------------------------------------------

const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html; charset=utf-8", ".map": "application/json" };
const served = ["examples", "dist", "build"].map((d) => resolve(root, d) + sep);

async function main() {
  const chromiumPath = process.env.WASMGRAD_E2E_CHROMIUM || "/usr/bin/chromium";
  const server = createServer(async (req, res) => {
    const file = resolve(root, "." + decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname));
    const send = (status, type, body) => { res.writeHead(status, { "content-type": type, "cache-control": "no-store" }); res.end(body); };
    if (!served.some((d) => file.startsWith(d))) return send(404, "text/plain", "not found");
    try {
      send(200, types[extname(file)] ?? "application/octet-stream", await readFile(file));
    } catch {
      send(404, "text/plain", "not found");
    }
  });
  server.requestTimeout = STEP_TIMEOUT;
  let context;
  const profile = mkdtempSync(join(tmpdir(), "wasmgrad-e2e-examples-"));
  const result = {};
  try {
    if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found (Debian: apt-get install chromium)`);
    const deps = createRequire(new URL("./deps/package.json", import.meta.url));
    const playwright = await import(pathToFileURL(deps.resolve("playwright-core")).href);
    const { chromium } = playwright.chromium ? playwright : playwright.default; // its CommonJS entry
    await withTimeout(new Promise((ok, bad) => server.once("error", bad).listen(0, "127.0.0.1", ok)), STEP_TIMEOUT, "server start");
    const origin = `http://127.0.0.1:${server.address().port}`;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      timeout: STEP_TIMEOUT,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    result.browser = `Chromium ${context.browser()?.version() ?? "(version unknown)"}`;
    for (const backend of ["wasm", "js"]) {
      const tab = await context.newPage();
      const errors = [];
      tab.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      tab.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
      tab.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
      tab.on("response", (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
      try {
        await tab.goto(`${origin}${PAGE}?backend=${backend}`, { timeout: STEP_TIMEOUT });
        await tab.waitForSelector('body[data-status="done"]', { timeout: TRAIN_TIMEOUT, state: "attached" });
        const log = (await tab.textContent("#log")) ?? "";
        const colours = await tab.evaluate(() => {
          const c = document.getElementById("plot");
          const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
          const seen = new Set();
          for (let i = 0; i < px.length; i += 4) seen.add(`${px[i]},${px[i + 1]},${px[i + 2]},${px[i + 3]}`);
          return seen.size;
        });
        result[backend] = errors.length ? { error: errors.join("; "), log } : { log, colours };
      } catch (e) {
        const log = await tab.textContent("#log").catch(() => "");
        result[backend] = { error: `${e.message.split("\n")[0]}${errors.length ? ` [${errors.join("; ")}]` : ""}; log: ${JSON.stringify(log)}` };
      } finally {
        await tab.close().catch(() => {});
      }
    }
  } catch (e) {
    result.error = String(e?.message ?? e).split("\n")[0];
  } finally {
    await withTimeout(context?.close() ?? Promise.resolve(), 10_000, "browser close").catch(() => {});
    server.closeAllConnections?.();
    await new Promise((ok) => server.close(() => ok()));
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(resultLine(result));
}

if (process.argv[1] && resolve(process.argv[1]) === here) await main();
