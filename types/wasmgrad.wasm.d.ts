/**
 * `wasmgrad/wasmgrad.wasm`: the compiled AssemblyScript core. Bundlers and runtimes that
 * import `.wasm` files as modules (Cloudflare workerd, esbuild/wrangler) give a compiled
 * `WebAssembly.Module`; pass it to `init({ module })` from `wasmgrad/core`.
 */
declare const wasmModule: WebAssembly.Module;
export default wasmModule;
