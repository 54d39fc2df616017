/**
 * test/oracle/cases.json is recorded from the programs in test/oracle/programs/ by
 * `npm run oracle` (scripts/oracle/, needs PyTorch, so not run here). This checks,
 * without PyTorch, that the committed cases are those programs' recording: every
 * program is a case with the same id, tags, inputs, steps and backward, records the
 * listed keys in order (or expects the same error), and the cases keep the programs' order.
 * Programs built by Python suites (scripts/oracle/suites/) are only checked by
 * `npm run oracle:check`.
 */
import { describe, expect, test } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Program = { id: string; tags: string[]; expect?: string[]; expectError?: string; [k: string]: Json | undefined };
type Case = { id: string; expect?: Record<string, Json>; expectError?: string; [k: string]: Json | undefined };

const dir = fileURLToPath(new URL("./oracle/programs/", import.meta.url));
const cases: Case[] = JSON.parse(readFileSync(fileURLToPath(new URL("./oracle/cases.json", import.meta.url)), "utf8")).cases;
const caseIndex = new Map(cases.map((c, i) => [c.id, i]));
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const RERECORD = "re-record with `npm run oracle` (see test/oracle/README.md)";

describe("cases.json is the recording of test/oracle/programs/", () => {
  test("there are program files", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    test(file, () => {
      const programs: Program[] = JSON.parse(readFileSync(dir + file, "utf8"));
      let previous = -1;
      for (const p of programs) {
        const at = caseIndex.get(p.id);
        expect(at, `${file}: program ${p.id} has no case in cases.json; ${RERECORD}`).not.toBeUndefined();
        const c = cases[at as number];
        for (const field of ["tags", "inputs", "steps", "backward"]) {
          expect(c[field], `${p.id}: ${field} differs from the program; ${RERECORD}`).toEqual(p[field]);
        }
        if (p.expect !== undefined) {
          expect(Object.keys(c.expect ?? {}), `${p.id}: recorded keys differ from the program's expect; ${RERECORD}`).toEqual(p.expect);
        } else {
          expect(c.expectError, `${p.id}: expectError differs from the program; ${RERECORD}`).toBe(p.expectError);
        }
        expect(at as number, `${p.id} is out of the programs' order in cases.json; ${RERECORD}`).toBeGreaterThan(previous);
        previous = at as number;
      }
    });
  }
});
