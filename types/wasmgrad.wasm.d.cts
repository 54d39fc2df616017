/**
 * `wasmgrad/wasmgrad.wasm` from CommonJS (a bundler compiling `require`): see
 * wasmgrad.wasm.d.ts. The value is the module itself, as a bundler's `require` gives it.
 */
declare const wasm: WebAssembly.Module | Uint8Array | string;
export = wasm;
