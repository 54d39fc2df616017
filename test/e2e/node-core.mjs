// Node: "wasmgrad/core" (not started). Ops must throw before init; init from the bytes of
// the exported "wasmgrad/wasmgrad.wasm" (resolved through package.json "exports"); a second
// init must be a no-op that keeps existing tensors and the same heap.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as core from "wasmgrad/core";
import { compute, thrownMessage, resultLine } from "./program.js";

const preInit = thrownMessage(() => core.ones(1));
const wasmPath = fileURLToPath(import.meta.resolve("wasmgrad/wasmgrad.wasm"));
const bytes = readFileSync(wasmPath);

await core.init({ module: bytes });
const kept = core.tensor([1, 2, 3]);
const heap = core.memory().wasmHeapBytes;
// Idempotent: again with the same bytes, with a compiled Module, and with no argument.
await core.init({ module: bytes });
await core.init({ module: await WebAssembly.compile(bytes) });
await core.init();
const problems = [];
if (core.memory().wasmHeapBytes !== heap) problems.push(`heap changed from ${heap} to ${core.memory().wasmHeapBytes}`);
if (String(kept) !== "tensor([1., 2., 3.])") problems.push(`tensor made before the second init reads ${String(kept)}`);
const idempotent = problems.length === 0 ? "ok" : problems.join("; ");

console.log(resultLine({ preInit, idempotent, core: compute(core) }));
