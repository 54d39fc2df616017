/**
 * The two sides of the Wasm ABI agree: the op and dtype codes generated for TypeScript
 * (src/backend/abi.generated.ts) are those of assembly/abi.ts.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderAbiModule } from "../scripts/gen-abi.mjs";
import * as abi from "../src/backend/abi.generated.js";
import { Bin, Red, Un } from "../src/backend/backend.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(root + path, "utf8");

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
});
