/**
 * wasmgrad: PyTorch's tensors and autograd in TypeScript, with a WebAssembly numeric core.
 *
 * `import * as torch from "wasmgrad"` is ready to use: the embedded Wasm binary is started
 * with top-level await; it reads no file and needs no bare imports. `require("wasmgrad")`
 * gives the same exports, started synchronously. `"wasmgrad/core"` exports the same names
 * without starting: call {@link init} with the binary first (for runtimes that forbid
 * compiling Wasm from bytes, such as Cloudflare workerd).
 *
 * Names follow PyTorch 1.13 in camelCase (`requires_grad` → `requiresGrad`, `log_softmax` →
 * `logSoftmax`); a trailing `_` still marks an in-place method, and keyword arguments become
 * a trailing options object.
 *
 * @example
 * ```ts
 * import * as torch from "wasmgrad";
 * const x = torch.ones(2, 2, { requiresGrad: true });
 * const out = x.add(2).mul(3).mean();
 * out.backward();
 * console.log(String(x.grad)); // tensor([[0.7500, 0.7500],\n        [0.7500, 0.7500]])
 * ```
 * @packageDocumentation
 */
import { init } from "./core.js";
import { wasmBinary } from "./backend/wasm/binary.generated.js";

await init({ module: wasmBinary });

export * from "./core.js";
