/**
 * The two sides of the Wasm ABI agree: the op and dtype codes generated for TypeScript
 * (src/backend/abi.generated.ts) are those of assembly/abi.ts, and the hand-written
 * WasmExports interface (src/backend/wasm/loader.ts) names the functions and parameters of
 * the module's exports, as the .d.ts that asc writes (build/wasmgrad.d.ts) lists them.
 * `npm test` builds first (pretest), so both generated files are fresh.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderAbiModule } from "../scripts/gen-abi.mjs";
import * as abi from "../src/backend/abi.generated.js";
import { Bin, Red, Un } from "../src/backend/backend.js";
import { wasmBinary } from "../src/backend/wasm/binary.generated.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(root + path, "utf8");
const stripComments = (s: string) => s.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");

/** name -> "param: type, ...) => result" for each function; "memory" -> its type. */
function signatures(body: string, fnPattern: RegExp, constPattern: RegExp): Map<string, string> {
  const flat = stripComments(body).replace(/\s+/g, " ");
  const out = new Map<string, string>();
  for (const [, name, params, result] of flat.matchAll(fnPattern)) {
    const list = params!.split(",").map((p) => p.trim()).filter((p) => p !== "")
      .map((p) => p.replace(/:\s*boolean$/, ": number")); // a raw bool parameter is an i32
    out.set(name!, `(${list.join(", ")}) => ${result!.trim()}`);
  }
  for (const [, name, type] of flat.matchAll(constPattern)) out.set(name!, type!.trim());
  return out;
}

describe("Wasm ABI", () => {
  test("src/backend/abi.generated.ts is what scripts/gen-abi.mjs makes of assembly/abi.ts", () => {
    expect(read("src/backend/abi.generated.ts")).toBe(renderAbiModule(read("assembly/abi.ts")));
    expect(Un).toBe(abi.Un);
    expect(Bin).toBe(abi.Bin);
    expect(Red).toBe(abi.Red);
    // the generator read the values, not only the names
    expect([Un.NEG, Un.SIGN, Bin.ADD, Bin.GE, Red.SUM, Red.ARGMIN]).toEqual([0, 10, 0, 12, 0, 5]);
    expect(abi.DT).toEqual({ F32: 0, F64: 1, I32: 2, BOOL: 3 });
    expect(abi.MAX_DIMS).toBe(64);
  });

  test("WasmExports matches build/wasmgrad.d.ts and the module's exports", () => {
    const loader = read("src/backend/wasm/loader.ts");
    const start = loader.indexOf("export interface WasmExports {");
    expect(start).toBeGreaterThanOrEqual(0);
    const iface = loader.slice(start, loader.indexOf("\n}\n", start));
    const handWritten = signatures(
      iface.slice(iface.indexOf("{") + 1),
      /(\w+)\(([^)]*)\): ([^;]+);/g,
      /readonly (\w+): ([^;]+);/g,
    );
    const dts = read("build/wasmgrad.d.ts");
    const generated = signatures(
      dts.slice(dts.indexOf("declare namespace __AdaptedExports {"), dts.indexOf("\n}\n")),
      /export function (\w+)\(([^)]*)\): ([^;]+);/g,
      /export const (\w+): ([^;]+);/g,
    );
    expect(generated.size).toBeGreaterThan(20);
    expect(Object.fromEntries(handWritten)).toEqual(Object.fromEntries(generated));

    const wasmExports = WebAssembly.Module.exports(new WebAssembly.Module(wasmBinary));
    expect(wasmExports.map((e) => e.name).sort()).toEqual([...handWritten.keys()].sort());
  });
});
