/** The published type declarations: a strict user program (test/types/api-usage.ts) type-checks
 *  against dist/*.d.ts through package.json "exports" (`npm test` builds dist/ first). */
import { expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("the README's API usage type-checks against the built package's declarations", () => {
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
