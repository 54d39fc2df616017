/**
 * wasmgrad, ready to use: the embedded Wasm binary is started with top-level await.
 * Reads no file, needs no bare imports. For runtimes that forbid compiling Wasm from
 * bytes (Cloudflare workerd), import "wasmgrad/core" and call init({ module }).
 */
import { init } from "./core.js";
import { wasmBinary } from "./backend/wasm/binary.generated.js";

await init({ module: wasmBinary });

export * from "./core.js";
