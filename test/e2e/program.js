// The program every e2e runtime check runs: plain ESM, no imports, no runtime-specific
// globals, so Node, Deno, Bun, workerd and Chromium all run the very same text.
// `torch` is the namespace of either entry ("wasmgrad" or "wasmgrad/core" after init).
// The expected output lives in run.mjs, not here, so this file cannot agree with itself.

/** @param {any} torch @returns {string} */
export function compute(torch) {
  const lines = [];
  lines.push(`backend ${torch.getBackend()}`);
  lines.push(`wasmHeapBytes>0 ${torch.memory().wasmHeapBytes > 0}`);
  const before = torch.getBackend();
  try {
    for (const backend of ["wasm", "js"]) {
      torch.setBackend(backend);
      const x = torch.ones(2, 2, { requiresGrad: true });
      const out = x.add(2).mul(x.add(2)).mul(3).mean();
      out.backward();
      lines.push(`[${backend}] ${String(out)}`);
      lines.push(`[${backend}] ${String(x.grad)}`);
    }
  } finally {
    torch.setBackend(before);
  }
  return lines.join("\n");
}

/** Runs `fn` and returns the message it throws (or a note that it did not throw). */
export function thrownMessage(fn) {
  try {
    fn();
  } catch (e) {
    return e && typeof e === "object" && "message" in e ? String(e.message) : String(e);
  }
  return "(did not throw)";
}

/** One line that run.mjs picks out of a child's stdout, whatever else the runtime prints. */
export function resultLine(obj) {
  return "E2E-RESULT " + JSON.stringify(obj);
}
