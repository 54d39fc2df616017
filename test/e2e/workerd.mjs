// workerd through miniflare (loopback only). Three workers, each in its own runtime:
//   core   worker-core.mjs:  dist/core.js + a .wasm import (CompiledWasm) -> init({ module }).
//          Required to work.
//   main   worker-main.mjs:  a static import of dist/index.js (compiles embedded bytes with
//          top-level await). Expected to fail; the outcome is reported, not required.
//   probe  worker-probe.mjs: dynamic import of dist/index.js and core.init(bytes) at request
//          time. Reported, not required.
// Prints one E2E-RESULT line.
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resultLine } from "./program.js";
import { withTimeout } from "./util.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
// miniflare lives in test/e2e/deps (installed by `npm run test:e2e`)
const deps = createRequire(new URL("./deps/package.json", import.meta.url));
const { Miniflare } = await import(pathToFileURL(deps.resolve("miniflare")).href);
const STEP_TIMEOUT = 20_000;

// Miniflare reports a failed start both through `ready` (handled below) and as an unhandled
// rejection of its own init promise, which would end this process; the first is enough.
process.on("unhandledRejection", () => {});


/** Starts `script` in workerd, fetches "/", returns { status, body } or { error, log }. */
async function runWorker(script, compatibilityDate = "2026-04-01") {
  let log = "";
  let mf;
  try {
    mf = new Miniflare({
      rootPath: root,
      modulesRoot: root,
      scriptPath: fileURLToPath(new URL(script, import.meta.url)),
      modules: true,
      modulesRules: [
        { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      compatibilityDate,
      host: "127.0.0.1",
      port: 0,
      handleRuntimeStdio(stdout, stderr) {
        stdout.on("data", (d) => { log += d; });
        stderr.on("data", (d) => { log += d; });
      },
    });
    await withTimeout(mf.ready, STEP_TIMEOUT, `${script}: workerd start`);
    const res = await withTimeout(mf.dispatchFetch("http://127.0.0.1/"), STEP_TIMEOUT, `${script}: fetch`);
    return { status: res.status, body: await res.text(), log: log.trim() };
  } catch (e) {
    return { error: String(e && e.message || e).split("\n")[0], log: log.trim() };
  } finally {
    if (mf) await withTimeout(mf.dispose(), 10_000, `${script}: dispose`).catch(() => {});
  }
}

const result = {};
const core = await runWorker("./worker-core.mjs");
if (core.error || core.status !== 200) {
  result.error = `core worker: ${core.error ?? `HTTP ${core.status} ${core.body}`}${core.log ? ` [workerd: ${core.log}]` : ""}`;
} else {
  const got = JSON.parse(core.body);
  if (got.error) result.error = `core worker: ${got.error}`;
  else Object.assign(result, { moduleKind: got.moduleKind, preInit: got.preInit, core: got.core });
}

// before 2025-05-05, workerd has no FinalizationRegistry (nor WeakRef): the package must
// still import and work there
const old = await runWorker("./worker-core.mjs", "2024-06-01");
if (old.error || old.status !== 200) {
  result.error ??= `core worker, compatibility date 2024-06-01: ${old.error ?? `HTTP ${old.status} ${old.body}`}${old.log ? ` [workerd: ${old.log}]` : ""}`;
} else {
  const got = JSON.parse(old.body);
  if (got.error) result.error ??= `core worker, compatibility date 2024-06-01: ${got.error}`;
  else Object.assign(result, { coreOldDate: got.core, oldDateGlobals: got.globals });
}

const main = await runWorker("./worker-main.mjs");
result.staticImportMain = main.error
  ? `${main.error}${main.log ? ` [workerd: ${main.log.split("\n")[0]}]` : ""}`
  : `HTTP ${main.status} ${main.body}`;

const probe = await runWorker("./worker-probe.mjs");
Object.assign(result, probe.error ? { probeError: probe.error } : JSON.parse(probe.body));

console.log(resultLine(result));
