/** Which backend new tensors are made on. Tensors remember theirs (storage.backend). */
import type { Backend } from "./backend.js";
import { jsBackend } from "./js/index.js";

/**
 * A backend: `"wasm"` (AssemblyScript kernels in WebAssembly, SIMD) or `"js"` (plain TypeScript
 * loops on typed arrays). Both give the same results, float rounding aside.
 * @category Backends
 */
export type BackendName = "wasm" | "js";

let wasm: Backend | null = null;
let currentName: BackendName = "wasm";

export function installWasmBackend(be: Backend): void { wasm = be; }
export function isInitialised(): boolean { return wasm !== null; }

/**
 * Choose the backend that tensors made from now on live on (default `"wasm"`). Existing tensors
 * stay on theirs; an op whose operands live on different backends moves the other operand's data to
 * the first operand's backend.
 *
 * Async code: the backend is global, like grad mode. A switch made before an `await` is still in
 * force for every piece of code that runs during it, and a switch made by other code during it is
 * in force after it. Code that must make tensors on one backend across an `await` should set it
 * again after each `await` (or move tensors with the op's first operand, as above).
 *
 * @throws For a name other than `"wasm"` or `"js"`.
 * @category Backends
 */
export function setBackend(name: BackendName): void {
  if (name !== "wasm" && name !== "js") throw new Error(`unknown backend "${String(name)}": expected "wasm" or "js"`);
  currentName = name;
}

/**
 * The backend new tensors are made on.
 * @category Backends
 */
export function getBackend(): BackendName { return currentName; }

export function backendByName(name: BackendName): Backend {
  if (name === "js") return jsBackend;
  if (wasm === null) throw new Error("wasmgrad is not initialised: call init() first");
  return wasm;
}

/** The backend new tensors are made on. */
export function currentBackend(): Backend {
  return currentName === "js" ? jsBackend : backendByName("wasm");
}
