/** The published type declarations: strict user programs (test/types/api-usage.ts for the ES module
 *  entries, test/types/cjs-usage.cts for `require`) type-check against dist/*.d.ts through
 *  package.json "exports", item() is typed as it behaves, and no internal member is left in them
 *  (`npm test` builds dist/ first). */
import { expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Sandbox, describeRun } from "./support/sandbox.js";

const root = fileURLToPath(new URL("..", import.meta.url));

test("API shapes the README does not show type-check against the built package's declarations (import and require)", () => {
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

test("no `_`-prefixed member is declared in dist/**/*.d.ts (internals carry @internal and are stripped)", () => {
  const dts = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? dts(join(dir, e.name)) : e.name.endsWith(".d.ts") ? [join(dir, e.name)] : []);
  const files = dts(join(root, "dist"));
  expect(files.length).toBeGreaterThan(10);
  // a member declaration: modifiers, then a name starting with "_", then what follows a name
  const member = /^\s*(?:(?:readonly|private|protected|public|static|get|set|declare|abstract)\s+)*_\w*\s*[(:?<;]/;
  const found: string[] = [];
  for (const f of files) {
    readFileSync(f, "utf8").split("\n").forEach((line, i) => {
      if (member.test(line)) found.push(`${relative(root, f)}:${i + 1}: ${line.trim()}`);
    });
  }
  expect(found).toEqual([]);
});
