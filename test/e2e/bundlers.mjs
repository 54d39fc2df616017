// Bundlers: builds the apps in test/e2e/apps with esbuild, Vite or webpack (from test/e2e/deps)
// against wasmgrad installed from the packed tarball, then opens each built page in Chromium.
//   node bundlers.mjs <esbuild|vite|webpack> <project dir prepared by run.mjs>
// The project dir holds node_modules/wasmgrad (the extracted `npm pack` tarball) and src/
// (test/e2e/apps plus program.js). Prints one E2E-RESULT line with each page's result, the
// sizes of what was built and, for esbuild, what its default (iife) format says of the
// main entry.
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { resultLine } from "./program.js";
import { runPage, startServer, withChromium } from "./chromium.mjs";

const [bundler, project] = process.argv.slice(2);
const deps = createRequire(new URL("./deps/package.json", import.meta.url));
const load = async (name) => {
  const mod = await import(pathToFileURL(deps.resolve(name)).href);
  return mod.default ?? mod;
};
const html = (script) => `<!doctype html>
<html><head><meta charset="utf-8"><title>wasmgrad bundled</title></head>
<body><pre id="out"></pre>${script}</body></html>
`;
/** Sizes of the built files, largest first: "main.js 310 kB, ...". */
const sizes = (dir) => readdirSync(dir, { recursive: true })
  .map((f) => ({ f: String(f), n: statSync(join(dir, String(f))).size }))
  .filter(({ f, n }) => n > 0 && !statSync(join(dir, f)).isDirectory() && !f.endsWith(".html"))
  .sort((a, b) => b.n - a.n)
  .map(({ f, n }) => `${f.replace(/.*\//, "")} ${(n / 1000).toFixed(0)} kB`).join(", ");

const builders = {
  async esbuild(out) {
    const esbuild = await load("esbuild");
    const src = join(project, "src");
    const result = {};
    // esbuild's defaults (format iife for a browser bundle) refuse the main entry's top-level await
    try {
      await esbuild.build({ entryPoints: [join(src, "main.js")], bundle: true, write: false, logLevel: "silent" });
      result.defaultFormatMain = "ok";
    } catch (e) {
      result.defaultFormatMain = e.errors?.[0]?.text ?? String(e.message).split("\n")[0];
    }
    // docs/guides/esbuild.md: --format=esm for the main entry ...
    await esbuild.build({ entryPoints: [join(src, "main.js")], bundle: true, format: "esm", outdir: join(out, "esm"), logLevel: "error" });
    writeFileSync(join(out, "esm", "index.html"), html(`<script type="module" src="main.js"></script>`));
    // ... and the defaults (iife, a classic script) with "wasmgrad/core" and --loader:.wasm=file
    await esbuild.build({ entryPoints: [join(src, "core.js")], bundle: true, loader: { ".wasm": "file" }, outdir: join(out, "iife"), logLevel: "error" });
    writeFileSync(join(out, "iife", "index.html"), html(`<script src="core.js"></script>`));
    result.sizes = `--format=esm: ${sizes(join(out, "esm"))}; iife + core: ${sizes(join(out, "iife"))}`;
    return { result, pages: { main: "/esm/index.html", core: "/iife/index.html" } };
  },

  async vite(out) {
    const { build } = await load("vite");
    writeFileSync(join(project, "main.html"), html(`<script type="module" src="/src/main.js"></script>`));
    writeFileSync(join(project, "core.html"), html(`<script type="module" src="/src/core-vite.js"></script>`));
    await build({
      root: project,
      configFile: false,
      logLevel: "error",
      cacheDir: join(project, ".vite-cache"),
      build: {
        outDir: out,
        emptyOutDir: true,
        rolldownOptions: { input: { main: join(project, "main.html"), core: join(project, "core.html") } },
      },
    });
    return { result: { sizes: sizes(join(out, "assets")) }, pages: { main: "/main.html", core: "/core.html" } };
  },

  async webpack(out) {
    const webpack = await load("webpack");
    const stats = await new Promise((ok, fail) => webpack({
      mode: "production",
      context: project,
      entry: { main: "./src/main.js", core: "./src/core.js" },
      output: { path: out, clean: true },
      // a plain .wasm import gives the file's URL (webpack's own .wasm handling would
      // instantiate it itself, without the imports wasmgrad.wasm needs)
      module: { rules: [{ test: /\.wasm$/, type: "asset/resource" }] },
      performance: { hints: false },
    }, (err, s) => (err ? fail(err) : ok(s))));
    if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }).trim().split("\n").slice(0, 3).join(" | "));
    writeFileSync(join(out, "main.html"), html(`<script src="main.js"></script>`));
    writeFileSync(join(out, "core.html"), html(`<script src="core.js"></script>`));
    return { result: { sizes: sizes(out) }, pages: { main: "/main.html", core: "/core.html" } };
  },
};

const result = { bundler };
let server;
try {
  if (!builders[bundler]) throw new Error(`unknown bundler ${JSON.stringify(bundler)}: expected ${Object.keys(builders).join(", ")}`);
  result.version = deps(`${bundler}/package.json`).version;
  const out = join(project, `out-${bundler}`);
  mkdirSync(out, { recursive: true });
  const t0 = Date.now();
  const built = await builders[bundler](out);
  result.buildMs = Date.now() - t0;
  Object.assign(result, built.result);
  server = await startServer(out, ["."]);
  await withChromium(async (context, version) => {
    result.browser = version;
    for (const [name, path] of Object.entries(built.pages)) {
      const got = await runPage(context, server.origin + path);
      if (got.error) result[`${name}Error`] = got.error;
      else Object.assign(result, got);
    }
  });
} catch (e) {
  result.error = String(e && e.message || e).split("\n")[0];
} finally {
  await server?.close();
}
console.log(resultLine(result));
