/** The published type declarations: strict user programs type-check against dist/*.d.ts
 *  through package.json "exports" (`npm test` builds dist/ first). */
import { expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Sandbox, describeRun } from "./support/sandbox.js";

test("API shapes the README does not show type-check against the built package's declarations", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const tsc = fileURLToPath(new URL("../node_modules/.bin/tsc", import.meta.url));
  let output = "";
  try {
    execFileSync(tsc, ["-p", "test/types/tsconfig.json"], { cwd: root, encoding: "utf8", timeout: 60_000 });
  } catch (e) {
    output = String((e as { stdout?: string }).stdout ?? e);
  }
  expect(output).toBe("");
});

test("item() is a number on float tensors and a boolean on BoolTensors, in the types and at run time", () => {
  const sandbox = new Sandbox();
  try {
    sandbox.write("src/item.ts", readFileSync(new URL("./types/item.ts", import.meta.url), "utf8"));
    expect(sandbox.tsc()).toBe("");
    const run = sandbox.node("out/item.js");
    expect(run.code, describeRun("node out/item.js", run)).toBe(0);
    expect(run.stdout).toBe("item typing: ok\n");
  } finally {
    sandbox.dispose();
  }
});
