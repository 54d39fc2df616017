// Vite: "wasmgrad/core" with the binary's URL from Vite's `?url` suffix (Vite has no
// loader that turns a plain .wasm import into a WebAssembly.Module).
import * as torch from "wasmgrad/core";
import wasmUrl from "wasmgrad/wasmgrad.wasm?url";
import { compute, thrownMessage } from "./program.js";
import { report } from "./report.js";

const preInit = thrownMessage(() => torch.ones(1));
await torch.init({ module: await WebAssembly.compileStreaming(fetch(wasmUrl)) });
report({ preInit, core: compute(torch), wasmImport: Object.prototype.toString.call(wasmUrl) });
