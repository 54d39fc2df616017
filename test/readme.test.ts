/**
 * The README's code is a program a user can paste: every ```ts block, in order, goes into
 * one file of a fresh project that depends on the built package (test/support/sandbox.ts),
 * which must type-check under `tsc --strict` against dist/*.d.ts and run under node.
 *
 * What the README shows as output is checked too: on a line that calls `console.log`, a
 * trailing `// comment` is what that call prints; without one, the comment-only lines
 * directly under it are (multi-line output; one space after `//` is dropped). A
 * `console.log` with neither is run but not compared (values from random numbers).
 *
 * Fences:
 * - ```ts: part of the program above.
 * - ```ts check-only: type-checked as a module of its own, not run. Kept for the Worker of
 *   "Runtimes that forbid compiling Wasm from bytes", whose `.wasm` import only a bundler
 *   can give; use it for nothing that node can run.
 * - ```js: a CommonJS program of its own (`require`), run and compared the same way.
 * Other fences (sh, text, none) are not code.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, Sandbox, describeRun, type RunResult } from "./support/sandbox.js";

interface Line { text: string; readmeLine: number }
interface Block { lang: string; flags: string; readmeLine: number; lines: Line[] }
interface Expectation { readmeLine: number; code: string; text: string }
interface Printed { file: string; line: number; text: string }

function readmeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let open: Block | null = null;
  markdown.split("\n").forEach((text, i) => {
    const readmeLine = i + 1;
    if (open === null) {
      const m = /^```(\S*)\s*(.*)$/.exec(text);
      if (m) open = { lang: m[1]!, flags: m[2]!.trim(), readmeLine, lines: [] };
    } else if (/^```\s*$/.test(text)) {
      blocks.push(open);
      open = null;
    } else {
      open.lines.push({ text, readmeLine });
    }
  });
  if (open !== null) throw new Error(`README.md:${(open as Block).readmeLine}: code fence never closed`);
  return blocks;
}

/** A line split at its `//` comment (outside string literals); comment null when there is none. */
function splitComment(line: string): { code: string; comment: string | null } {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== null) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'" || ch === "`") {
      quote = ch;
    } else if (ch === "/" && line[i + 1] === "/") {
      return { code: line.slice(0, i), comment: line.slice(i + 2) };
    }
  }
  return { code: line, comment: null };
}

/** The outputs the README shows for its console.log lines (see the header). */
function expectations(lines: Line[]): Expectation[] {
  const out: Expectation[] = [];
  for (let i = 0; i < lines.length; i++) {
    const { code, comment } = splitComment(lines[i]!.text);
    if (!/\bconsole\.log\(/.test(code)) continue;
    const shown: string[] = comment === null ? [] : [comment.trim()];
    for (let j = i + 1; comment === null && j < lines.length; j++) {
      const next = splitComment(lines[j]!.text);
      if (next.code.trim() !== "" || next.comment === null) break;
      shown.push(next.comment.replace(/^ /, "").trimEnd());
    }
    if (shown.length > 0) out.push({ readmeLine: lines[i]!.readmeLine, code: code.trim(), text: shown.join("\n") });
  }
  return out;
}

// Preloaded with --require: records each console.log call's text and the file:line that
// made it (with --enable-source-maps the line is the .ts source's), written out at exit.
const HOOK = `
const { format } = require("node:util");
const { writeFileSync } = require("node:fs");
const printed = [];
const log = console.log;
console.log = function (...args) {
  const caller = String(new Error().stack).split("\\n")[2] || "";
  const m = /([^/\\\\(\\s]+):(\\d+):\\d+\\)?$/.exec(caller);
  printed.push({ file: m ? m[1] : caller, line: m ? Number(m[2]) : -1, text: format(...args) });
  return log.apply(this, args);
};
process.on("exit", () => writeFileSync(process.env.PRINTED_LOG, JSON.stringify(printed)));
`;

let sandbox: Sandbox;
let blocks: Block[];
/** README line of each line of src/readme.ts (index 0 is line 1). */
const tourLines: number[] = [];
let diagnostics = "";

/** Runs a program of the sandbox with the console.log recorder; returns the run and what it printed. */
function runRecorded(rel: string): { run: RunResult; printed: Printed[] } {
  const log = join(sandbox.dir, `${rel}.printed.json`);
  const run = sandbox.node(rel, { args: ["--require", "./print-hook.cjs"], env: { PRINTED_LOG: log } });
  let printed: Printed[] = [];
  try { printed = JSON.parse(readFileSync(log, "utf8")) as Printed[]; } catch { /* the run failed before exit; reported below */ }
  return { run, printed };
}

/** Each expectation against the one console.log call its line made. */
function compare(expected: Expectation[], printed: Printed[], lineOf: (p: Printed) => number | undefined): void {
  const byLine = new Map<number, string[]>();
  for (const p of printed) {
    const line = lineOf(p);
    if (line !== undefined) byLine.set(line, [...(byLine.get(line) ?? []), p.text]);
  }
  const problems: string[] = [];
  for (const e of expected) {
    const got = byLine.get(e.readmeLine);
    if (got === undefined) problems.push(`README.md:${e.readmeLine} \`${e.code}\` never printed (expected ${JSON.stringify(e.text)})`);
    else if (got.length !== 1) problems.push(`README.md:${e.readmeLine} \`${e.code}\` printed ${got.length} times: ${JSON.stringify(got)}`);
    else if (got[0] !== e.text) {
      problems.push(`README.md:${e.readmeLine} \`${e.code}\`\n  README shows ${JSON.stringify(e.text)}\n  it printed   ${JSON.stringify(got[0])}`);
    }
  }
  expect(problems.join("\n\n")).toBe("");
}

beforeAll(() => {
  blocks = readmeBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
  for (const b of blocks) {
    const known = (b.lang === "ts" && (b.flags === "" || b.flags === "check-only")) || (b.lang === "js" && b.flags === "");
    if ((b.lang === "ts" || b.lang === "js") && !known) {
      throw new Error(`README.md:${b.readmeLine}: unknown fence \`\`\`${b.lang} ${b.flags} (see test/readme.test.ts)`);
    }
  }
  sandbox = new Sandbox();
  const tour: string[] = [];
  for (const b of blocks.filter((b) => b.lang === "ts" && b.flags === "")) {
    for (const l of b.lines) { tour.push(l.text); tourLines.push(l.readmeLine); }
  }
  sandbox.write("src/readme.ts", tour.join("\n") + "\n");
  blocks.filter((b) => b.lang === "ts" && b.flags === "check-only").forEach((b, i) => {
    sandbox.write(`src/readme-check-only-${i + 1}.ts`, b.lines.map((l) => l.text).join("\n") + "\n");
  });
  blocks.filter((b) => b.lang === "js").forEach((b, i) => {
    sandbox.write(`readme-${i + 1}.cjs`, b.lines.map((l) => l.text).join("\n") + "\n");
  });
  sandbox.write("print-hook.cjs", HOOK);
  // tsc's positions in src/readme.ts, given as README lines
  diagnostics = sandbox.tsc().replace(/src\/readme\.ts\((\d+),(\d+)\)/g, (_, line: string, col: string) =>
    `README.md:${tourLines[Number(line) - 1] ?? `?(readme.ts line ${line})`}:${col}`);
});

afterAll(() => sandbox?.dispose());

describe("README.md", () => {
  test("has a tour of several ts blocks, a CommonJS js block and a check-only Worker", () => {
    expect(blocks.filter((b) => b.lang === "ts" && b.flags === "").length).toBeGreaterThanOrEqual(4);
    expect(blocks.filter((b) => b.lang === "ts" && b.flags === "check-only").length).toBe(1);
    expect(blocks.filter((b) => b.lang === "js").length).toBe(1);
  });

  test("its ts blocks, in order in one file, type-check with tsc --strict against the built declarations", () => {
    expect(diagnostics).toBe("");
  });

  test("that program runs, and prints what the README shows beside each console.log", () => {
    expect(diagnostics, "type errors (previous test)").toBe("");
    const { run, printed } = runRecorded("out/readme.js");
    expect(run.code, describeRun("node out/readme.js", run)).toBe(0);
    const expected = blocks.filter((b) => b.lang === "ts" && b.flags === "").flatMap((b) => expectations(b.lines));
    expect(expected.length).toBeGreaterThanOrEqual(15);
    compare(expected, printed, (p) => (p.file === "readme.ts" ? tourLines[p.line - 1] : undefined));
  });

  test("its js block runs as CommonJS and prints what it shows", () => {
    blocks.filter((b) => b.lang === "js").forEach((b, i) => {
      const file = `readme-${i + 1}.cjs`;
      const { run, printed } = runRecorded(file);
      expect(run.code, describeRun(`node ${file}`, run)).toBe(0);
      const expected = expectations(b.lines);
      expect(expected.length).toBeGreaterThan(0);
      compare(expected, printed, (p) => (p.file === file ? b.lines[p.line - 1]?.readmeLine : undefined));
    });
  });
});
