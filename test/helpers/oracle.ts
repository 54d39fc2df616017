/**
 * Where the PyTorch 1.13.1 conformance cases are: the repository's own copy,
 * test/oracle/cases.json (format: test/oracle/README.md), or WASMGRAD_ORACLE (a
 * cases.json, or the directory holding one) to run another set.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export function oraclePath(): string {
  const env = process.env.WASMGRAD_ORACLE;
  if (env) {
    const p = resolve(env);
    return existsSync(p) && statSync(p).isDirectory() ? resolve(p, "cases.json") : p;
  }
  return fileURLToPath(new URL("../oracle/cases.json", import.meta.url));
}
