// A bundled app using "wasmgrad/core": no top-level await anywhere, so it also bundles as a
// classic script (esbuild's default iife format). The .wasm import gives a URL when the
// bundler copies the file (esbuild --loader:.wasm=file, webpack type "asset/resource").
import * as torch from "wasmgrad/core";
import wasmUrl from "wasmgrad/wasmgrad.wasm";
import { compute, thrownMessage } from "./program.js";
import { report } from "./report.js";

async function start() {
  const preInit = thrownMessage(() => torch.ones(1));
  await torch.init({ module: await WebAssembly.compileStreaming(fetch(wasmUrl)) });
  report({ preInit, core: compute(torch), wasmImport: typeof wasmUrl });
}

start().catch((e) => report({ error: String(e && e.stack || e) }));
