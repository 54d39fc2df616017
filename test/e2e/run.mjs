// End-to-end runtime checks: the same program (program.js) on Node, Deno, Bun, workerd
// (miniflare) and Chromium, and bundled by esbuild, Vite and webpack into apps that run in
// Chromium, against the built package (run `npm run build` first; the `test:e2e` script
// does). Node, Deno, Bun and the bundlers also use the package as installed from its
// `npm pack` tarball. One line per check, `ok <check>` or `FAIL <check>: <reason>`, then
// `N passed, M failed`; exits non-zero on any failure. A missing runtime is a FAIL.
// Every runtime runs in a child process of its own process group, killed on timeout.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { examplesBrowserCheck } from "./examples-browser.mjs";
import { installTarball, packTarball } from "../../scripts/pack.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const here = fileURLToPath(new URL(".", import.meta.url));
// the runtimes live in test/e2e/deps (installed by `npm run test:e2e`, not by the quick start)
const require = createRequire(join(here, "deps", "package.json"));

const EXPECTED = [
  "backend wasm",
  "wasmHeapBytes>0 true",
  "[wasm] tensor(27., grad_fn=<MeanBackward0>)",
  "[wasm] tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])",
  "[js] tensor(27., grad_fn=<MeanBackward0>)",
  "[js] tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])",
].join("\n");
const NOT_INITIALISED = "wasmgrad is not initialised: call init() first";
const TENSOR_TEXT = "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)";
// what a DevTools custom formatter (src/devtools.ts) gives for torch.ones(2, 2, { requiresGrad: true })
const DEVTOOLS_HEADER = ["span", { style: "white-space: pre" }, TENSOR_TEXT];

class CheckError extends Error {}
const fail = (reason) => { throw new CheckError(reason); };

// ---- child processes ---------------------------------------------------------------------------

/** Runs a command in its own process group; kills the whole group on timeout and after exit. */
function run(cmd, args, { timeoutMs, env = {}, cwd = root }) {
  return new Promise((done) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const child = spawn(cmd, args, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    });
    const killGroup = () => { try { process.kill(-child.pid, "SIGKILL"); } catch { /* already gone */ } };
    const timer = setTimeout(() => { timedOut = true; killGroup(); }, timeoutMs);
    child.stdout.on("data", (d) => { if (stdout.length < 1 << 20) stdout += d; });
    child.stderr.on("data", (d) => { if (stderr.length < 1 << 20) stderr += d; });
    child.on("error", (err) => { clearTimeout(timer); done({ code: null, stdout, stderr: String(err), timedOut }); });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      killGroup(); // grandchildren (workerd, chromium) must not outlive their driver
      done({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Runs a child that prints one `E2E-RESULT <json>` line; returns the parsed object. */
async function runForResult(label, cmd, args, opts) {
  const r = await run(cmd, args, opts);
  const line = r.stdout.split("\n").find((l) => l.startsWith("E2E-RESULT "));
  if (r.timedOut) fail(`${label} timed out after ${opts.timeoutMs / 1000} s${tail(r.stderr)}`);
  if (!line) fail(`${label} printed no result (exit ${r.code ?? r.signal})${tail(r.stderr || r.stdout)}`);
  if (r.code !== 0) fail(`${label} exited with ${r.code ?? r.signal}${tail(r.stderr)}`);
  return JSON.parse(line.slice("E2E-RESULT ".length));
}

const tail = (text) => {
  const lines = String(text).trim().split("\n").filter(Boolean);
  return lines.length ? `: ${lines.slice(-3).join(" | ").slice(0, 600)}` : "";
};

// ---- comparisons -------------------------------------------------------------------------------

function expectText(label, actual, expected) {
  if (actual === expected) return;
  if (typeof actual !== "string") fail(`${label}: no output (${JSON.stringify(actual)})`);
  const a = actual.split("\n");
  const e = expected.split("\n");
  const i = e.findIndex((line, k) => a[k] !== line);
  const at = i === -1 ? e.length : i;
  fail(`${label}: line ${at + 1}: expected ${JSON.stringify(e[at] ?? "(end)")}, got ${JSON.stringify(a[at] ?? "(end)")}`);
}

function expectNoError(label, result) {
  for (const [k, v] of Object.entries(result)) if (/error$/i.test(k)) fail(`${label}: ${v}`);
}

// ---- locating binaries -------------------------------------------------------------------------

const show = (p) => (p.startsWith(root) ? relative(root, p) : p);

/** The first candidate that answers `--version`; a FAIL naming every candidate otherwise. */
function findBinary(name, candidates) {
  const tried = [];
  for (const c of candidates) {
    if (!c || !existsSync(c)) { if (c) tried.push(`${show(c)} (missing)`); continue; }
    const r = spawnSync(c, ["--version"], { timeout: 20_000, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    if (r.status === 0) return { path: c, version: r.stdout.trim().split("\n")[0] };
    tried.push(`${show(c)} (${r.error ? r.error.message : `exit ${r.status}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`})`);
  }
  fail(`${name} binary not found or not runnable (run \`npm ci\`); tried ${tried.join(", ") || "nothing"}`);
}

/** A file inside `pkg`'s optional platform package, resolved from `pkg` itself. */
function fromPlatformPackage(pkg, platformPkg, file) {
  try {
    const pkgRequire = createRequire(require.resolve(`${pkg}/package.json`));
    return join(dirname(pkgRequire.resolve(`${platformPkg}/package.json`)), file);
  } catch {
    return null;
  }
}

function binPath(pkg, file) {
  try {
    return join(dirname(require.resolve(`${pkg}/package.json`)), file);
  } catch {
    return null;
  }
}

const arch = process.arch;
const denoPlatform = { "linux-x64": "linux-x64-glibc", "linux-arm64": "linux-arm64-glibc", "darwin-x64": "darwin-x64", "darwin-arm64": "darwin-arm64" }[`${process.platform}-${arch}`];
const bunPlatform = `${process.platform}-${arch === "arm64" ? "aarch64" : arch}`;

// ---- the package as installed from its tarball ------------------------------------------------

/**
 * A throwaway project with the packed tarball in node_modules/wasmgrad and, in src/, the
 * bundled apps (test/e2e/apps), program.js and the Node programs: made once, on first need.
 */
let project;
function installedProject() {
  if (project) return project.dir ?? fail(project.error);
  const dir = mkdtempSync(join(tmpdir(), "wasmgrad-e2e-project-"));
  project = { dir: null, error: null, tmp: dir };
  try {
    installTarball(packTarball(dir), dir);
    cpSync(join(here, "apps"), join(dir, "src"), { recursive: true });
    for (const f of ["program.js", "node-main.mjs", "node-cjs.cjs"]) cpSync(join(here, f), join(dir, "src", f));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }) + "\n");
    project.dir = dir;
  } catch (e) {
    project.error = `packing or installing the tarball failed: ${String(e && e.message || e).split("\n")[0]}`;
    fail(project.error);
  }
  return dir;
}

/** esbuild, Vite or webpack: bundlers.mjs builds test/e2e/apps and runs the pages in Chromium. */
function bundlerCheck(name, timeoutMs, describe) {
  return {
    name,
    async run() {
      const dir = installedProject();
      try { require.resolve(`${name}/package.json`); } catch { fail(`${name} is not installed (run \`npm run test:e2e\`, which installs test/e2e/deps)`); }
      const r = await runForResult(name, process.execPath, [join(here, "bundlers.mjs"), name, dir], { timeoutMs });
      if (r.error) fail(r.error);
      for (const [page, got] of Object.entries(r.pages)) {
        const label = `${name} (${page})`;
        expectNoError(label, got);
        if (got.expectImport === "-") {
          expectText(`${label}: app importing "wasmgrad"`, got.main, EXPECTED);
          expectText(`${label}: devtools formatter header`, JSON.stringify(got.devtoolsHeader), JSON.stringify(DEVTOOLS_HEADER));
        } else {
          expectText(`${label}: "wasmgrad/core" before init`, got.preInit, NOT_INITIALISED);
          expectText(`${label}: "wasmgrad/core"`, got.core, EXPECTED);
          expectText(`${label}: the .wasm import`, got.wasmImport, got.expectImport);
        }
      }
      return [`${name} ${r.version}, built in ${(r.buildMs / 1000).toFixed(1)} s, run in ${r.browser}: ${Object.keys(r.pages).join("; ")}`, ...describe(r)];
    },
  };
}

// ---- the checks --------------------------------------------------------------------------------

const checks = [
  {
    name: "node",
    async run() {
      const main = await runForResult("node (wasmgrad)", process.execPath, [join(here, "node-main.mjs")], { timeoutMs: 30_000 });
      expectNoError("wasmgrad", main);
      expectText("wasmgrad", main.main, EXPECTED);
      expectText("console.log(t) (util.inspect)", main.logged, TENSOR_TEXT);
      const core = await runForResult("node (wasmgrad/core)", process.execPath, [join(here, "node-core.mjs")], { timeoutMs: 30_000 });
      expectNoError("wasmgrad/core", core);
      expectText("wasmgrad/core before init", core.preInit, NOT_INITIALISED);
      if (core.idempotent !== "ok") fail(`wasmgrad/core: init is not idempotent: ${core.idempotent}`);
      expectText("wasmgrad/core", core.core, EXPECTED);
      const cjs = await runForResult("node (require)", process.execPath, [join(here, "node-cjs.cjs")], { timeoutMs: 30_000 });
      expectNoError("require(\"wasmgrad\")", cjs);
      expectText("require(\"wasmgrad\")", cjs.cjs, EXPECTED);
      const dir = installedProject();
      const packedMain = await runForResult("node (installed tarball, import)", process.execPath, [join(dir, "src", "node-main.mjs")], { timeoutMs: 30_000 });
      expectNoError("installed tarball, import", packedMain);
      expectText("installed tarball, import", packedMain.main, EXPECTED);
      const packedCjs = await runForResult("node (installed tarball, require)", process.execPath, [join(dir, "src", "node-cjs.cjs")], { timeoutMs: 30_000 });
      expectNoError("installed tarball, require", packedCjs);
      expectText("installed tarball, require", packedCjs.cjs, EXPECTED);
      return [
        `node ${process.version}: "wasmgrad", "wasmgrad/core" (init from wasmgrad/wasmgrad.wasm bytes, idempotent), and require("wasmgrad") from CommonJS`,
        "the same import and require from the npm pack tarball installed in a project's node_modules",
      ];
    },
  },
  {
    name: "deno",
    async run() {
      const deno = findBinary("deno", [
        denoPlatform && fromPlatformPackage("deno", `@deno/${denoPlatform}`, "deno"),
        join(here, "deps", "node_modules", ".bin", "deno"),
      ]);
      const denoDir = mkdtempSync(join(tmpdir(), "wasmgrad-e2e-deno-"));
      try {
        // No --allow-* flag: every permission is denied (--no-prompt), since dist/index.js
        // reads no file, fetches nothing and reads no environment.
        const r = await runForResult("deno", deno.path, ["run", "--no-prompt", "--no-lock", join(here, "entry-main.mjs")], {
          timeoutMs: 30_000,
          env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
        });
        expectNoError("dist/index.js", r);
        expectText("dist/index.js", r.main, EXPECTED);
        expectText("console.log(t) (Deno.inspect)", r.logged, TENSOR_TEXT);
        // a project with a package.json: Deno resolves "wasmgrad" from its node_modules
        const dir = installedProject();
        const packed = await runForResult("deno (installed tarball)", deno.path, ["run", "--no-prompt", "--no-lock", join(dir, "src", "node-main.mjs")], {
          timeoutMs: 30_000,
          cwd: dir,
          env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
        });
        expectNoError("installed tarball", packed);
        expectText("installed tarball", packed.main, EXPECTED);
      } finally {
        rmSync(denoDir, { recursive: true, force: true });
      }
      return [`${deno.version}: dist/index.js by file path, no permissions granted; import "wasmgrad" from the installed tarball`];
    },
  },
  {
    name: "bun",
    async run() {
      const bun = findBinary("bun", [
        fromPlatformPackage("bun", `@oven/bun-${bunPlatform}`, "bin/bun"),
        binPath("bun", "bin/bun.exe"),
      ]);
      const r = await runForResult("bun", bun.path, ["--no-install", join(here, "entry-main.mjs")], {
        timeoutMs: 30_000,
        env: { DO_NOT_TRACK: "1" },
      });
      expectNoError("dist/index.js", r);
      expectText("dist/index.js", r.main, EXPECTED);
      expectText("console.log(t) (Bun.inspect)", r.logged, TENSOR_TEXT);
      const dir = installedProject();
      for (const [label, file, key] of [["installed tarball", "node-main.mjs", "main"], ["installed tarball, require", "node-cjs.cjs", "cjs"]]) {
        const packed = await runForResult(`bun (${label})`, bun.path, ["--no-install", join(dir, "src", file)], {
          timeoutMs: 30_000,
          cwd: dir,
          env: { DO_NOT_TRACK: "1" },
        });
        expectNoError(label, packed);
        expectText(label, packed[key], EXPECTED);
      }
      return [`bun ${bun.version}: dist/index.js by file path; import "wasmgrad" and require("wasmgrad") from the installed tarball`];
    },
  },
  {
    name: "workerd",
    async run() {
      let version = "";
      try {
        version = require("miniflare/package.json").version;
        require.resolve("workerd");
      } catch {
        fail("miniflare/workerd is not installed (run `npm run test:e2e`, which installs test/e2e/deps)");
      }
      const r = await runForResult("workerd (miniflare)", process.execPath, [join(here, "workerd.mjs")], { timeoutMs: 60_000 });
      if (r.error) fail(r.error);
      if (r.moduleKind !== "[object WebAssembly.Module]") fail(`the .wasm import gave ${r.moduleKind}, not a WebAssembly.Module`);
      expectText("dist/core.js before init", r.preInit, NOT_INITIALISED);
      expectText("dist/core.js + .wasm import", r.core, EXPECTED);
      expectText("dist/core.js + .wasm import, compatibility date 2024-06-01", r.coreOldDate, EXPECTED);
      return [
        `miniflare ${version}: dist/core.js with init({ module }) from a .wasm import (CompiledWasm)`,
        `the same with compatibility date 2024-06-01 (${r.oldDateGlobals})`,
        `dist/index.js, static import (expected to fail, not required): ${r.staticImportMain}`,
        `dist/index.js, dynamic import in fetch (expected to fail, not required): ${r.dynamicImportMain}`,
        `core.init({ module: bytes }) in fetch (expected to fail, not required): ${r.coreInitFromBytes}`,
      ];
    },
  },
  {
    name: "chromium",
    async run() {
      const chromium = process.env.WASMGRAD_E2E_CHROMIUM || "/usr/bin/chromium";
      if (!existsSync(chromium)) fail(`${chromium} not found (Debian: apt-get install chromium; .ci/run installs it)`);
      try { require.resolve("playwright-core"); } catch { fail("playwright-core is not installed (run `npm run test:e2e`, which installs test/e2e/deps)"); }
      const r = await runForResult("chromium", process.execPath, [join(here, "browser.mjs")], { timeoutMs: 90_000 });
      expectNoError("chromium", r);
      expectText('page importing "wasmgrad" through an import map', r.main, EXPECTED);
      expectText("core page before init", r.preInit, NOT_INITIALISED);
      expectText('core page (compileStreaming(fetch("/build/wasmgrad.wasm")))', r.core, EXPECTED);
      if (r.consoleError) fail(`console page: ${r.consoleError}`);
      const { plain, custom } = r.console;
      expectText("console.log(t), default preview", `${plain.description} {${plain.firstFields}}`, "Tensor {shape: Array(2), _storage: Storage}");
      expectText("console.log(t), custom formatters on", JSON.stringify(custom.header), JSON.stringify(DEVTOOLS_HEADER));
      expectText("console.log(gradFn), custom formatters on", JSON.stringify(custom.nodeHeader), JSON.stringify(["span", { style: "white-space: pre" }, "<SumBackward0 object>"]));
      for (const part of ['"shape: "],"[2, 2]"', '"dtype: "],"float32"', '"requiresGrad: "],"true"']) {
        if (!custom.body?.includes(part)) fail(`console.log(t), custom formatter body: no ${part} in ${custom.body}`);
      }
      return [
        `${r.browser}: a page importing "wasmgrad" (an import map to /dist/index.js), and /dist/core.js with compileStreaming`,
        `console.log(t): "${plain.description} {${plain.firstFields}, …}"; with custom formatters on: PyTorch's text`,
      ];
    },
  },
  bundlerCheck("esbuild", 60_000, (r) => [
    `esm: "wasmgrad" with --format=esm; iife: "wasmgrad/core" in the default format, the .wasm as a URL (file loader) or bytes (binary loader)`,
    `the default format with "wasmgrad" (expected to fail, not required): ${r.defaultFormatMain}`,
    `sizes: ${r.sizes}`,
  ]),
  bundlerCheck("vite", 90_000, (r) => [`"wasmgrad"; "wasmgrad/core" with "wasmgrad/wasmgrad.wasm?url"; built sizes: ${r.sizes}`]),
  bundlerCheck("webpack", 180_000, (r) => [`"wasmgrad"; "wasmgrad/core" with the .wasm as type "asset/resource"; sizes: ${r.sizes}`]),
];

checks.push(examplesBrowserCheck({ runForResult, fail }));

// ---- main --------------------------------------------------------------------------------------

for (const f of ["dist/index.js", "dist/core.js", "build/wasmgrad.wasm"]) {
  if (!existsSync(join(root, f))) {
    console.error(`${f} is missing: run \`npm run build\` first (\`npm run test:e2e\` does)`);
  }
}

let passed = 0;
let failed = 0;
const started = Date.now();
for (const check of checks) {
  const t0 = Date.now();
  try {
    const notes = await check.run();
    passed++;
    console.log(`ok ${check.name}`);
    for (const n of notes ?? []) console.log(`    ${n}`);
  } catch (e) {
    failed++;
    const reason = e instanceof CheckError ? e.message : String(e && e.stack || e);
    console.log(`FAIL ${check.name}: ${reason.replace(/\s*\n\s*/g, " | ")}`);
  }
  console.log(`    (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
if (project) rmSync(project.tmp, { recursive: true, force: true });
console.log(`e2e: ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
