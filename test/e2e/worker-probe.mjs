// workerd probe (reported, not required): what happens when the main entry is imported at
// request time, and when core.init is given bytes instead of a compiled Module.
import * as core from "../../dist/core.js";
import { wasmBinary } from "../../dist/backend/wasm/binary.generated.js";

async function outcome(fn) {
  try {
    await fn();
    return "ok";
  } catch (e) {
    return `${e && e.name || "Error"}: ${e && e.message || e}`;
  }
}

export default {
  async fetch() {
    return Response.json({
      dynamicImportMain: await outcome(() => import("../../dist/index.js")),
      coreInitFromBytes: await outcome(() => core.init({ module: wasmBinary })),
    });
  },
};
