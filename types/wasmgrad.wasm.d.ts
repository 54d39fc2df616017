/**
 * `wasmgrad/wasmgrad.wasm`: the compiled AssemblyScript core, for `init({ module })` of
 * `wasmgrad/core`. What importing it gives depends on the tool that loads it, so the type
 * is all of them; narrow it before calling `init` (docs/guides/):
 * - workerd (wrangler, miniflare's "CompiledWasm" rule): a compiled `WebAssembly.Module`;
 * - esbuild `--loader:.wasm=file`, webpack `type: "asset/resource"`: the file's URL;
 *   Bun: the file's path; either way a string to fetch or read;
 * - esbuild `--loader:.wasm=binary`: the file's bytes (a `Uint8Array`);
 * - Vite: no value without a suffix; `wasmgrad/wasmgrad.wasm?url` is the URL, typed by
 *   `vite/client`;
 * - Node and Deno do not import it this way: read the file at
 *   `import.meta.resolve("wasmgrad/wasmgrad.wasm")` and pass its bytes.
 *
 * @example
 * import wasm from "wasmgrad/wasmgrad.wasm";
 * await torch.init({ module: typeof wasm === "string" ? await WebAssembly.compileStreaming(fetch(wasm)) : wasm });
 */
declare const wasm: WebAssembly.Module | Uint8Array | string;
export default wasm;
