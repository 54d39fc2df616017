// A bundled app using "wasmgrad/core": no top-level await anywhere, so it also bundles as a
// classic script (esbuild's default iife format). What the .wasm import gives depends on the
// bundler's loader: a URL (esbuild --loader:.wasm=file, webpack type "asset/resource") to
// fetch and compile, or the bytes (esbuild --loader:.wasm=binary) to pass as they are.
import * as torch from "wasmgrad/core";
import wasm from "wasmgrad/wasmgrad.wasm";
import { compute, thrownMessage } from "./program.js";
import { report } from "./report.js";

async function start() {
  const preInit = thrownMessage(() => torch.ones(1));
  await torch.init({ module: typeof wasm === "string" ? await WebAssembly.compileStreaming(fetch(wasm)) : wasm });
  report({ preInit, core: compute(torch), wasmImport: Object.prototype.toString.call(wasm) });
}

start().catch((e) => report({ error: String(e && e.stack || e) }));
