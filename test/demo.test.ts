/**
 * demo/walkthrough.js, what `npm start` runs, checked by its structure (run without a
 * terminal, as `npm test` runs it; nothing here depends on timings):
 * - the tour: every line of code is printed with what it gave as a `// comment` beside
 *   it (continued on indented `//` lines), except the calls that give nothing; the
 *   tutorial's values are PyTorch's; none of them is written in the demo's source;
 * - training: one line per epoch on each backend, the loss falls, both backends agree;
 * - timing: the median step time of each backend and their ratio, consistent with each other.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEMO = "demo/walkthrough.js";
const TRAINING_HEADING = /^── Training/;
/** v of the tutorial, `torch.tensor([0.1, 1.0, 0.0001])`, as float32. */
const V = [0.1, 1.0, 0.0001].map(Math.fround);

interface Shown { code: string; output: string | null }
interface Epoch { backend: string; epoch: number; epochs: number; loss: number; accuracy: number }

let output: string;
let lines: string[];

function runDemo(): string {
  if (!existsSync(`${ROOT}/dist/index.js`)) {
    throw new Error("dist/index.js is missing: run `npm run build` first (`npm test` does it via pretest)");
  }
  try {
    return execFileSync(process.execPath, [DEMO], {
      cwd: ROOT, encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string; message: string };
    throw new Error(`node ${DEMO} failed (exit ${err.status}): ${err.message}\n--- stdout ---\n${err.stdout ?? ""}\n--- stderr ---\n${err.stderr ?? ""}`);
  }
}

/** The tour's code lines, each with the output shown beside it (null for none). */
function tourLines(): Shown[] {
  const start = lines.findIndex((l) => l.startsWith("── "));
  const end = lines.findIndex((l) => TRAINING_HEADING.test(l));
  if (start < 0 || end < start) throw new Error(`no tour heading, or no training heading after it, in the demo's output:\n${output}`);
  const shown: Shown[] = [];
  for (const line of lines.slice(start, end)) {
    if (line.trim() === "" || line.startsWith("── ") || !/^\S/.test(line)) {
      const more = /^\s+\/\/ (.*)$/.exec(line);
      if (more) {
        const last = shown[shown.length - 1];
        if (last === undefined || last.output === null) throw new Error(`output line with no code before it: ${JSON.stringify(line)}`);
        last.output += `\n${more[1]}`;
      }
      continue;
    }
    const m = /^(.*?\S)\s+\/\/ (.*)$/.exec(line);
    shown.push(m ? { code: m[1]!, output: m[2]! } : { code: line, output: null });
  }
  return shown;
}

const outputOf = (code: string): string => {
  const found = tourLines().find((s) => s.code === code);
  if (found === undefined) throw new Error(`the tour shows no line ${JSON.stringify(code)}`);
  if (found.output === null) throw new Error(`the tour shows no output for ${JSON.stringify(code)}`);
  return found.output;
};

function numbers(text: string, re: RegExp, what: string): number[] {
  const m = re.exec(text);
  if (!m) throw new Error(`${what}: ${JSON.stringify(text)} does not match ${re}`);
  return m[1]!.split(",").map((s) => Number(s.trim()));
}

function epochs(): Epoch[] {
  return lines.flatMap((l) => {
    const m = /^(wasm|js)\s+epoch\s+(\d+)\/(\d+)\s+loss (\d+\.\d+)\s+accuracy (\d+\.\d)%$/.exec(l);
    return m ? [{ backend: m[1]!, epoch: Number(m[2]), epochs: Number(m[3]), loss: Number(m[4]), accuracy: Number(m[5]) / 100 }] : [];
  });
}

describe(DEMO, () => {
  beforeAll(() => {
    output = runDemo();
    lines = output.split("\n");
  });

  test("without a terminal it prints plain lines: no progress bar, no colours", () => {
    expect(output).not.toMatch(/[\r\x1b]/);
  });

  test("the tour shows every line of code beside what it gives; only calls that return nothing show none", () => {
    const shown = tourLines();
    expect(shown.length).toBeGreaterThanOrEqual(20);
    const silent = shown.filter((s) => s.output === null).map((s) => s.code);
    for (const code of silent) expect(code, "a tour line printed without output").toMatch(/^(\w+\.backward\(.*\)|torch\.manualSeed\(\d+\));$/);
    expect(silent.length).toBeLessThanOrEqual(3);
    // every kind of tour line: declarations show their variable, expressions their value
    expect(outputOf("const x = torch.ones(2, 2, { requiresGrad: true });")).toBe("tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)");
    expect(outputOf("a.shape;")).toBe("[ 2, 2 ]");
    expect(outputOf("a.sum().item();")).toBe("10");
    expect(outputOf("a.gt(2).any().item();")).toBe("true");
  });

  test("the autograd tour prints what PyTorch prints for the tutorial", () => {
    expect(outputOf("const y = x.add(2);")).toBe("tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)");
    expect(outputOf("y.gradFn;")).toBe("<AddBackward0 object>");
    expect(outputOf("const z = y.mul(y).mul(3);")).toBe("tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)");
    expect(outputOf("const out = z.mean();")).toBe("tensor(27., grad_fn=<MeanBackward0>)");
    expect(outputOf("x.grad;")).toBe("tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])");
    expect(outputOf("w.pow(2).requiresGrad;")).toBe("true");
    expect(outputOf("torch.noGrad(() => w.pow(2).requiresGrad);")).toBe("false");
    expect(outputOf("d.requiresGrad;")).toBe("false");
    expect(outputOf("w.eq(d).all();")).toBe("tensor(True)");
  });

  test("the vector-Jacobian product: b = w * 2**k with the loop's stopping rule, w.grad = v * 2**k", () => {
    const b = numbers(outputOf("while (b.data.norm().item() < 1000) b = b.mul(2);"), /^tensor\(\[([^\]]*)\],\s*grad_fn=<MulBackward0>\)$/, "b");
    const g = numbers(outputOf("w.grad;"), /^tensor\(\[([^\]]*)\]\)$/, "w.grad");
    const k = Math.round(Math.log2(g[1]! / V[1]!));
    expect(k).toBeGreaterThanOrEqual(1);
    g.forEach((gi, i) => expect(Math.abs(gi - V[i]! * 2 ** k)).toBeLessThanOrEqual(1e-3 * V[i]! * 2 ** k));
    const norm = Math.hypot(...b);
    expect(norm).toBeGreaterThanOrEqual(1000 * (1 - 1e-4));
    if (k > 1) expect(norm / 2).toBeLessThan(1000 * (1 + 1e-4));
  });

  test("the tour's outputs are computed, not written in the demo", () => {
    const source = readFileSync(`${ROOT}/${DEMO}`, "utf8");
    for (const printed of ["4.5000", "AddBackward0", "requires_grad=True", "tensor(True)", "[ 2, 2 ]"]) {
      expect(source, `demo source contains ${printed}`).not.toContain(printed);
    }
  });

  test("training prints one line per epoch on wasm then js; the loss falls and both backends agree", () => {
    const all = epochs();
    const wasm = all.filter((e) => e.backend === "wasm");
    const js = all.filter((e) => e.backend === "js");
    expect(wasm.length).toBeGreaterThanOrEqual(5);
    expect(js.length).toBe(wasm.length);
    expect(all.map((e) => e.backend)).toEqual([...wasm.map(() => "wasm"), ...js.map(() => "js")]);
    for (const run of [wasm, js]) {
      expect(run.map((e) => e.epoch)).toEqual(run.map((_, i) => i + 1));
      expect(run.every((e) => e.epochs === run.length)).toBe(true);
      expect(run[run.length - 1]!.loss).toBeLessThan(run[0]!.loss / 2);
      expect(run[run.length - 1]!.accuracy).toBeGreaterThan(run[0]!.accuracy);
    }
    wasm.forEach((e, i) => expect(Math.abs(e.loss - js[i]!.loss), `epoch ${e.epoch}`).toBeLessThanOrEqual(1e-3));
  });

  test("it prints the median step time of each backend and their ratio (no timing is asserted)", () => {
    const ms = (backend: string): number => {
      const m = new RegExp(`^\\s+${backend}\\s+(\\d+\\.\\d+) ms$`).exec(lines.find((l) => new RegExp(`^\\s+${backend}\\s+\\d`).test(l)) ?? "");
      if (!m) throw new Error(`no median step time line for ${backend} in:\n${output}`);
      return Number(m[1]);
    };
    const wasmMs = ms("wasm");
    const jsMs = ms("js");
    const ratioLine = lines.find((l) => /^wasm is \d+\.\dx faster than js/.test(l));
    expect(ratioLine, `no ratio line in:\n${output}`).toBeDefined();
    const ratio = Number(/^wasm is (\d+\.\d)x/.exec(ratioLine!)![1]);
    expect(wasmMs).toBeGreaterThan(0);
    expect(jsMs).toBeGreaterThan(0);
    // the printed ratio is the printed times' (both rounded)
    expect(Math.abs(ratio - jsMs / wasmMs)).toBeLessThanOrEqual(0.05 + 0.01 * ratio);
  });
});
