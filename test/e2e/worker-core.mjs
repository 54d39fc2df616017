// workerd module worker: "wasmgrad/core" (dist/core.js) with the Module from a .wasm import
// (miniflare's CompiledWasm rule, as wrangler's bundler gives it), then init({ module }).
import * as torch from "../../dist/core.js";
import wasm from "../../build/wasmgrad.wasm";
import { compute, thrownMessage } from "./program.js";

export default {
  async fetch() {
    const result = {
      moduleKind: Object.prototype.toString.call(wasm),
      globals: `FinalizationRegistry ${typeof FinalizationRegistry}, WeakRef ${typeof WeakRef}`,
    };
    try {
      result.preInit = thrownMessage(() => torch.ones(1));
      await torch.init({ module: wasm });
      await torch.init({ module: wasm }); // idempotent
      result.core = compute(torch);
    } catch (e) {
      result.error = String(e && e.stack || e);
    }
    return Response.json(result);
  },
};
