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

// Each builder returns { result, pages }: pages maps a page name to its path under the
// built folder (or a full URL) and what its .wasm import should give ("-" for the main entry).
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
    // ... and the defaults (iife, a classic script) with "wasmgrad/core" and a loader for .wasm
    for (const loader of ["file", "binary"]) {
      await esbuild.build({ entryPoints: [join(src, "core.js")], bundle: true, loader: { ".wasm": loader }, outdir: join(out, loader), logLevel: "error" });
      writeFileSync(join(out, loader, "index.html"), html(`<script src="core.js"></script>`));
    }
    result.sizes = `--format=esm: ${sizes(join(out, "esm"))}; iife + core, file loader: ${sizes(join(out, "file"))}; binary loader: ${sizes(join(out, "binary"))}`;
    return {
      result,
      pages: {
        "esm": { path: "/esm/index.html", wasmImport: "-" },
        "iife, --loader:.wasm=file": { path: "/file/index.html", wasmImport: "[object String]" },
        "iife, --loader:.wasm=binary": { path: "/binary/index.html", wasmImport: "[object Uint8Array]" },
      },
    };
  },

  async vite(out) {
    const { build, createServer } = await load("vite");
    writeFileSync(join(project, "main.html"), html(`<script type="module" src="/src/main.js"></script>`));
    writeFileSync(join(project, "core.html"), html(`<script type="module" src="/src/core-vite.js"></script>`));
    const common = { root: project, configFile: false, logLevel: "error", cacheDir: join(project, ".vite-cache") };
    await build({
      ...common,
      build: {
        outDir: out,
        emptyOutDir: true,
        rolldownOptions: { input: { main: join(project, "main.html"), core: join(project, "core.html") } },
      },
    });
    // the dev server too: it pre-bundles wasmgrad (its dependency optimizer) and serves /src as is
    const dev = await createServer({ ...common, server: { host: "127.0.0.1", port: 0, strictPort: false, hmr: false, watch: null } });
    await dev.listen();
    const origin = dev.resolvedUrls?.local?.[0]?.replace(/\/$/, "");
    if (!origin) throw new Error("vite dev server gave no local URL");
    return {
      result: { sizes: sizes(join(out, "assets")) },
      pages: {
        "build": { path: "/main.html", wasmImport: "-" },
        "build, core + ?url": { path: "/core.html", wasmImport: "[object String]" },
        "dev server": { url: `${origin}/main.html`, wasmImport: "-" },
        "dev server, core + ?url": { url: `${origin}/core.html`, wasmImport: "[object String]" },
      },
      close: () => dev.close(),
    };
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
      // terser takes 10-30 s on this 2-core machine and is not what this checks (webpack's
      // handling of the top-level await and of the .wasm asset is)
      optimization: { minimize: false },
    }, (err, s) => (err ? fail(err) : ok(s))));
    if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }).trim().split("\n").slice(0, 3).join(" | "));
    writeFileSync(join(out, "main.html"), html(`<script src="main.js"></script>`));
    writeFileSync(join(out, "core.html"), html(`<script src="core.js"></script>`));
    return {
      result: { sizes: sizes(out) },
      pages: {
        "production, unminified": { path: "/main.html", wasmImport: "-" },
        "production, unminified, core + asset/resource": { path: "/core.html", wasmImport: "[object String]" },
      },
    };
  },
};

const result = { bundler, pages: {} };
let server;
let built;
try {
  if (!builders[bundler]) throw new Error(`unknown bundler ${JSON.stringify(bundler)}: expected ${Object.keys(builders).join(", ")}`);
  result.version = deps(`${bundler}/package.json`).version;
  const out = join(project, `out-${bundler}`);
  mkdirSync(out, { recursive: true });
  const t0 = Date.now();
  built = await builders[bundler](out);
  result.buildMs = Date.now() - t0;
  Object.assign(result, built.result);
  server = await startServer(out, ["."]);
  await withChromium(async (context, version) => {
    result.browser = version;
    for (const [name, page] of Object.entries(built.pages)) {
      const got = await runPage(context, page.url ?? server.origin + page.path);
      result.pages[name] = { ...got, expectImport: page.wasmImport };
    }
  });
} catch (e) {
  result.error = String(e && e.message || e).split("\n")[0];
} finally {
  await server?.close();
  await built?.close?.();
}
console.log(resultLine(result));
