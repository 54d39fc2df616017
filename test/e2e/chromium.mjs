// Shared by the Chromium drivers (browser.mjs, bundlers.mjs): a static server on 127.0.0.1,
// Debian's Chromium through playwright-core, and one tab per page. A page writes a JSON
// result into <pre id="out"> and then sets body[data-done]. Everything is bounded by
// timeouts and closed in `finally`.
import { createServer } from "node:http";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve, sep, extname } from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { withTimeout } from "./util.mjs";

export const STEP_TIMEOUT = 20_000;
const chromiumPath = process.env.WASMGRAD_E2E_CHROMIUM || "/usr/bin/chromium";
const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".map": "application/json", ".json": "application/json" };

/** Serves `pages` (path -> HTML text) and the files under `root` inside one of `dirs`. */
export async function startServer(root, dirs, pages = {}) {
  const served = dirs.map((d) => resolve(root, d) + sep);
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
  await withTimeout(new Promise((ok, fail) => server.once("error", fail).listen(0, "127.0.0.1", ok)), STEP_TIMEOUT, "server start");
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    async close() {
      server.closeAllConnections?.();
      await new Promise((ok) => server.close(() => ok()));
    },
  };
}

/** Launches Chromium, runs `fn(context)`, and always closes the browser and its profile. */
export async function withChromium(fn) {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} not found (Debian: apt-get install chromium)`);
  const deps = createRequire(new URL("./deps/package.json", import.meta.url));
  const playwright = await import(pathToFileURL(deps.resolve("playwright-core")).href);
  const { chromium } = playwright.chromium ? playwright : playwright.default; // its CommonJS entry
  const profile = mkdtempSync(join(tmpdir(), "wasmgrad-e2e-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      timeout: STEP_TIMEOUT,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
    });
    return await fn(context, `Chromium ${context.browser()?.version() ?? "(version unknown)"}`);
  } finally {
    await withTimeout(context?.close() ?? Promise.resolve(), 10_000, "browser close").catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Opens `url` in a new tab and returns the page's JSON result, or `{ error }` naming the
 * page errors, console errors and failed requests seen. `beforeLoad(tab)` runs first
 * (e.g. to attach a CDP session), `afterLoad(tab, result)` before the tab closes.
 */
export async function runPage(context, url, { beforeLoad, afterLoad } = {}) {
  const tab = await context.newPage();
  const errors = [];
  tab.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  tab.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  tab.on("requestfailed", (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  try {
    if (beforeLoad) await beforeLoad(tab);
    await tab.goto(url, { timeout: STEP_TIMEOUT });
    await tab.waitForSelector("body[data-done]", { timeout: STEP_TIMEOUT, state: "attached" });
    const result = JSON.parse((await tab.textContent("#out")) ?? "{}");
    if (afterLoad) await afterLoad(tab, result);
    return result;
  } catch (e) {
    return { error: `${e.message.split("\n")[0]}${errors.length ? ` [${errors.join("; ")}]` : ""}` };
  } finally {
    await tab.close().catch(() => {});
  }
}
