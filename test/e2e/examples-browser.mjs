// examples/browser/index.html in Chromium (Debian's /usr/bin/chromium driven by playwright-core),
// served as a user would serve it: a static server on 127.0.0.1 over the repository's
// examples/, dist/ and build/ (the page's import map points at ../../dist/core.js and fetches
// ../../build/wasmgrad.wasm). The page trains and draws on its own; it is opened once per
// backend (?backend=wasm, ?backend=js) and its log and canvas are read back.
//
// Run as a script, it prints one E2E-RESULT line. run.mjs uses `examplesBrowserCheck`, which
// runs this script in a child process (killed with its browser on timeout) and checks the result.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { resultLine } from "./program.js";
import { STEP_TIMEOUT, startServer, withChromium } from "./chromium.mjs";

const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("../..", import.meta.url));
const PAGE = "/examples/browser/index.html";
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

async function main() {
  const result = {};
  let server;
  try {
    // the static server and the browser are chromium.mjs's, shared with browser.mjs and bundlers.mjs
    server = await startServer(root, ["examples", "dist", "build"]);
    await withChromium(async (context, version) => {
      result.browser = version;
      for (const backend of ["wasm", "js"]) result[backend] = await trainOnPage(context, `${server.origin}${PAGE}?backend=${backend}`);
    });
  } catch (e) {
    result.error = String(e?.message ?? e).split("\n")[0];
  } finally {
    await server?.close();
  }
  console.log(resultLine(result));
}

/** Opens the page, waits until it has trained, and reads its log and how many colours its canvas shows. */
async function trainOnPage(context, url) {
  const tab = await context.newPage();
  const errors = [];
  tab.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  tab.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  tab.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  tab.on("response", (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  try {
    await tab.goto(url, { timeout: STEP_TIMEOUT });
    await tab.waitForSelector('body[data-status="done"]', { timeout: TRAIN_TIMEOUT, state: "attached" });
    const log = (await tab.textContent("#log")) ?? "";
    const colours = await tab.evaluate(() => {
      const c = document.getElementById("plot");
      const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < px.length; i += 4) seen.add(`${px[i]},${px[i + 1]},${px[i + 2]},${px[i + 3]}`);
      return seen.size;
    });
    return errors.length ? { error: errors.join("; "), log } : { log, colours };
  } catch (e) {
    const log = await tab.textContent("#log").catch(() => "");
    return { error: `${e.message.split("\n")[0]}${errors.length ? ` [${errors.join("; ")}]` : ""}; log: ${JSON.stringify(log)}` };
  } finally {
    await tab.close().catch(() => {});
  }
}

if (process.argv[1] && resolve(process.argv[1]) === here) await main();
