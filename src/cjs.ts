/**
 * The CommonJS entry (`require("wasmgrad")` in Node): the same exports as the ES module
 * entry, started synchronously from the embedded binary, since `require` cannot wait for
 * a top-level await. A program that both imports and requires wasmgrad gets two separate
 * copies of the library (tensors of one are not `instanceof` the other's Tensor).
 */
import { installWasmBackend, isInitialised } from "./backend/registry.js";
import { WasmBackend } from "./backend/wasm/index.js";
import { instantiateSync } from "./backend/wasm/loader.js";
import { wasmBinary } from "./backend/wasm/binary.generated.js";

if (!isInitialised()) installWasmBackend(new WasmBackend(instantiateSync(wasmBinary)));

export * from "./core.js";
