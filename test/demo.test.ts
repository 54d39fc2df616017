/**
 * Golden test for demo/walkthrough.js (PyTorch's autograd tutorial, replayed).
 *
 * Runs `node demo/walkthrough.js` against the built package (dist/, made by
 * `npm run build`, which `npm test` runs first as `pretest`) and compares each
 * backend section with test/golden/walkthrough.txt, which was written by hand
 * from PyTorch's own output. Lines that depend on randn values are
 * `{{random:NAME}}` in the golden and are checked numerically here instead.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GOLDEN = fileURLToPath(new URL("./golden/walkthrough.txt", import.meta.url));
const HEADER = /^=== wasmgrad autograd walkthrough: backend (\S+) ===$/;
const BACKENDS = ["wasm", "js"] as const;
/** v of the tutorial, `torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)`, as float32. */
const V = [0.1, 1.0, 0.0001].map(Math.fround);

let sections: Map<string, string[]>;

function runDemo(): string {
  if (!existsSync(`${ROOT}/dist/index.js`)) {
    throw new Error("dist/index.js is missing: run `npm run build` first (`npm test` does it via pretest)");
  }
  try {
    return execFileSync(process.execPath, ["demo/walkthrough.js"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string; message: string };
    throw new Error(
      `node demo/walkthrough.js failed (exit ${err.status}): ${err.message}\n--- stdout ---\n${err.stdout ?? ""}\n--- stderr ---\n${err.stderr ?? ""}`,
    );
  }
}

function splitSections(out: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let cur: string[] | null = null;
  for (const line of out.replace(/\r\n/g, "\n").split("\n")) {
    const m = HEADER.exec(line);
    if (m) {
      if (map.has(m[1])) throw new Error(`backend section "${m[1]}" printed twice`);
      cur = [];
      map.set(m[1], cur);
      continue;
    }
    if (cur === null) {
      if (line.trim() !== "") throw new Error(`output before the first backend header: ${JSON.stringify(line)}`);
      continue;
    }
    cur.push(line);
  }
  for (const lines of map.values()) while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  return map;
}

/** The golden's transcript lines (comments dropped), each with its line number in the file. */
function goldenLines(): { text: string; line: number }[] {
  const lines = readFileSync(GOLDEN, "utf8")
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((text, i) => ({ text, line: i + 1 }))
    .filter(({ text }) => !(text === "#" || text.startsWith("# ")));
  while (lines.length > 0 && lines[lines.length - 1].text.trim() === "") lines.pop();
  return lines;
}

/** Numbers inside `tensor([...], ...)`. */
function parseVector(block: string, re: RegExp, what: string): number[] {
  const m = re.exec(block);
  if (!m) throw new Error(`${what}: ${JSON.stringify(block)} does not match ${re}`);
  const xs = m[1].split(",").map((s) => Number(s.trim()));
  if (xs.length !== 3 || xs.some((x) => !Number.isFinite(x))) {
    throw new Error(`${what}: expected 3 finite numbers in ${JSON.stringify(block)}, got ${JSON.stringify(xs)}`);
  }
  return xs;
}

const relClose = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b);

/**
 * Compares one backend section with the golden: literal lines must be equal;
 * each `{{random:NAME}}` takes one printed value (its first line and any
 * indented continuation lines) for the numeric checks.
 */
function checkSection(backend: string, actual: string[]): void {
  const golden = goldenLines();
  const random = new Map<string, string>();
  let j = 0;
  for (let i = 0; i < golden.length; i++) {
    const { text: g, line } = golden[i];
    const ph = /^\{\{random:(.+)\}\}$/.exec(g);
    if (j >= actual.length) {
      throw new Error(`[${backend}] output ended early: golden line ${line} ${JSON.stringify(g)} has no counterpart`);
    }
    if (ph) {
      let block = actual[j++];
      while (j < actual.length && /^\s+\S/.test(actual[j])) block += `\n${actual[j++]}`;
      random.set(ph[1], block);
      continue;
    }
    if (actual[j] !== g) {
      throw new Error(
        `[${backend}] output line ${j + 1} differs from walkthrough.txt line ${line}\n  expected ${JSON.stringify(g)}\n  actual   ${JSON.stringify(actual[j])}` +
          `\n--- section output ---\n${actual.join("\n")}`,
      );
    }
    j++;
  }
  if (j !== actual.length) {
    throw new Error(`[${backend}] ${actual.length - j} extra output line(s) after the golden transcript: ${JSON.stringify(actual.slice(j))}`);
  }

  // print(y) after `y = x * 2; while y.data.norm() < 1000: y = y * 2`
  const yBlock = random.get("y");
  const gBlock = random.get("x.grad");
  if (yBlock === undefined || gBlock === undefined) throw new Error("golden lacks {{random:y}} or {{random:x.grad}}");
  const y = parseVector(yBlock, /^tensor\(\[([^\]]*)\],\s*grad_fn=<MulBackward0>\)$/, `[${backend}] print(y)`);
  // print(x.grad) after y.backward(v): x.grad = v * 2**k, k = number of doublings (k >= 1)
  const g = parseVector(gBlock, /^tensor\(\[([^\]]*)\]\)$/, `[${backend}] print(x.grad)`);
  const k = Math.round(Math.log2(g[1] / V[1]));
  expect(k, `[${backend}] k = log2(x.grad[1] / v[1]) from ${gBlock}`).toBeGreaterThanOrEqual(1);
  for (let i = 0; i < 3; i++) {
    const want = V[i] * 2 ** k;
    expect(relClose(g[i], want, 1e-3), `[${backend}] x.grad[${i}] = ${g[i]}, expected v[${i}] * 2**${k} = ${want}`).toBe(true);
  }
  // The loop stopped at the first y with norm >= 1000, so norm(y) >= 1000 > norm(y / 2) (unless k == 1).
  const norm = Math.hypot(...y);
  expect(norm, `[${backend}] norm of printed y ${yBlock}`).toBeGreaterThanOrEqual(1000 * (1 - 1e-4));
  if (k > 1) expect(norm / 2, `[${backend}] y was doubled once too often (norm ${norm}, k ${k})`).toBeLessThan(1000 * (1 + 1e-4));
}

describe("demo/walkthrough.js", () => {
  beforeAll(() => {
    sections = splitSections(runDemo());
  });

  test("prints one section per backend, wasm then js", () => {
    expect([...sections.keys()]).toEqual([...BACKENDS]);
  });

  test.each(BACKENDS)("[%s] matches test/golden/walkthrough.txt", (backend) => {
    const lines = sections.get(backend);
    if (lines === undefined) throw new Error(`no "${backend}" section in the demo output (sections: ${[...sections.keys()].join(", ")})`);
    checkSection(backend, lines);
  });
});
