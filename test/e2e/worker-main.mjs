// workerd module worker importing the main entry (dist/index.js), which compiles its
// embedded bytes with top-level await. workerd forbids compiling Wasm from bytes, so this
// is expected to fail; run.mjs reports what happens without requiring either outcome.
import * as torch from "../../dist/index.js";
import { compute } from "./program.js";

export default {
  async fetch() {
    try {
      return Response.json({ main: compute(torch) });
    } catch (e) {
      return Response.json({ error: String(e && e.stack || e) });
    }
  },
};
