/**
 * Batch normalisation and embedding beyond the oracle cases: the kernels against a float64
 * reference on every SIMD path (channels in groups of four or two when each channel holds one
 * value per sample, runs along the spatial dims with tails), both backends; the errors that
 * name float32 and float64 apart (the oracle's float64 shadow run cannot check them); the
 * cumulative running average (momentum null) by hand; stateDict's JSON round trip.
 */
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

const F = torch.nn.functional;

/** Deterministic values in [-2, 2) without the library's generator. */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}

/** Batch normalisation in float64 by the textbook formula: y, and the gradients for output gradient g. */
function reference(x: number[], shape: number[], w: number[], b: number[], g: number[], eps: number) {
  const [n, c] = shape as [number, number];
  const s = shape.slice(2).reduce((a, d) => a * d, 1);
  const m = n * s;
  const at = (i: number, ch: number, j: number) => (i * c + ch) * s + j;
  const y = new Array<number>(x.length), gx = new Array<number>(x.length), gw: number[] = [], gb: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let mean = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) mean += x[at(i, ch, j)]!;
    mean /= m;
    let v = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) v += (x[at(i, ch, j)]! - mean) ** 2;
    const invstd = 1 / Math.sqrt(v / m + eps);
    let sg = 0, sgx = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) {
      const k = at(i, ch, j), xh = (x[k]! - mean) * invstd;
      y[k] = xh * w[ch]! + b[ch]!;
      sg += g[k]!; sgx += g[k]! * xh;
    }
    gw.push(sgx); gb.push(sg);
    for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) {
      const k = at(i, ch, j), xh = (x[k]! - mean) * invstd;
      gx[k] = w[ch]! * invstd * (g[k]! - sg / m - xh * sgx / m);
    }
  }
  return { y, gx, gw, gb };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!)));
  }
}

describe.each(["wasm", "js"] as const)("batchNorm kernels [%s]", (backend) => {
  const shapes = [[5, 1], [3, 2], [4, 3], [2, 4], [3, 5], [6, 7], [2, 8], [3, 9], [2, 3, 1], [3, 2, 2], [2, 3, 3], [4, 2, 4], [2, 5, 9], [2, 3, 4, 5]];
  test.each(shapes)("shape %j, float32 and float64: values and gradients as the float64 formula", (...shape: number[]) => {
    torch.setBackend(backend);
    const c = shape[1]!;
    const numel = shape.reduce((a, d) => a * d, 1);
    const xs = values(numel, numel * 31 + c), gs = values(numel, numel + 7);
    const ws = values(c, c + 3).map((v) => v + 2.5), bs = values(c, c + 5);
    const want = reference(xs, shape, ws, bs, gs, 1e-5);
    for (const dtype of ["float32", "float64"] as const) {
      const tol = dtype === "float32" ? 2e-4 : 1e-10;
      const x = torch.tensor(xs, { dtype }).reshape(shape).requiresGrad_();
      const w = torch.tensor(ws, { dtype, requiresGrad: true }), b = torch.tensor(bs, { dtype, requiresGrad: true });
      const y = F.batchNorm(x, null, null, w, b, { training: true });
      y.backward(torch.tensor(gs, { dtype }).reshape(shape));
      expectClose(y.toArray(), want.y, tol, `${dtype} y`);
      expectClose(x.grad!.toArray(), want.gx, tol * 10, `${dtype} x.grad`);
      expectClose(w.grad!.toArray(), want.gw, tol * 10, `${dtype} w.grad`);
      expectClose(b.grad!.toArray(), want.gb, tol, `${dtype} b.grad`);
    }
  });

  test("evaluation mode is the affine map of the running statistics, its gradient the same map", () => {
    torch.setBackend(backend);
    const x = torch.tensor(values(2 * 5 * 3, 9), { dtype: "float64" }).reshape([2, 5, 3]).requiresGrad_();
    const rm = torch.tensor(values(5, 1), { dtype: "float64" }), rv = torch.tensor(values(5, 2).map((v) => v + 2.5), { dtype: "float64" });
    const y = F.batchNorm(x, rm, rv, null, null, { eps: 0.01 });
    const want = x.detach().sub(rm.reshape([1, 5, 1])).div(rv.add(0.01).sqrt().reshape([1, 5, 1]));
    expectClose(y.toArray(), Array.from(want.toArray()), 1e-12, "y");
    y.sum().backward();
    expectClose(x.grad!.toArray(), Array.from(rv.add(0.01).rsqrt().reshape([1, 5, 1]).expand([2, 5, 3]).contiguous().toArray()), 1e-12, "x.grad");
  });
});

describe("batchNorm: dtype errors (PyTorch's CPU kernel)", () => {
  const x = () => torch.randn([4, 3]);
  test("a float32 input with a float64 parameter first", () => {
    expect(() => F.batchNorm(x(), torch.zeros(3), torch.ones(3), torch.ones([3], { dtype: "float64" })))
      .toThrow("mixed dtype (CPU): expect parameter to have scalar type of Float");
  });
  test("a float64 input with float32 statistics", () => {
    expect(() => F.batchNorm(x().double(), torch.zeros(3), torch.ones(3))).toThrow("mixed dtype (CPU): expect input to have scalar type of BFloat16");
  });
  test("a later parameter of another dtype than the first", () => {
    expect(() => F.batchNorm(x(), torch.zeros([3], { dtype: "float64" }), torch.ones(3), torch.ones(3)))
      .toThrow("expected scalar type Float but found Double");
  });
  test("missing running statistics", () => {
    expect(() => (F.batchNorm as (x: torch.Tensor) => torch.Tensor)(x())).toThrow("batch_norm() missing 2 required positional arguments: 'running_mean' and 'running_var'");
  });
});

describe("BatchNorm modules", () => {
  test("momentum null keeps the cumulative average of the batch statistics", () => {
    const bn = new torch.nn.BatchNorm1d(2, { momentum: null });
    const batches = [[[1, 2], [3, 6]], [[0, 0], [2, 4]], [[5, 1], [5, 3]]];
    const means: number[][] = [];
    for (const data of batches) {
      bn.call(torch.tensor(data));
      means.push([0, 1].map((ch) => (data[0]![ch]! + data[1]![ch]!) / 2));
    }
    const avg = [0, 1].map((ch) => means.reduce((a, m) => a + m[ch]!, 0) / means.length);
    expectClose(bn.runningMean!.toArray(), avg, 1e-6, "running mean");
    expect(bn.numBatchesTracked!.item()).toBe(3);
    expect(bn.numBatchesTracked!.dtype).toBe("int32");
  });

  test("stateDict survives a JSON round trip into a fresh module", () => {
    const a = new torch.nn.BatchNorm2d(3);
    a.call(torch.randn([4, 3, 2, 2]).mul(3).add(1));
    a.call(torch.randn([4, 3, 2, 2]));
    const b = new torch.nn.BatchNorm2d(3);
    const result = b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(Array.from(b.runningVar!.toArray())).toEqual(Array.from(a.runningVar!.toArray()));
    expect(b.numBatchesTracked!.item()).toBe(2);
    expect(b.namedBuffers().map(([k]) => k)).toEqual(["running_mean", "running_var", "num_batches_tracked"]);
    expect(() => b.loadStateDict({ weight: a.weight!, bias: a.bias! })).toThrow(
      'Missing key(s) in state_dict: "running_mean", "running_var", "num_batches_tracked".');
  });

  test("eval() normalises with the running statistics, train() with the batch's", () => {
    const bn = new torch.nn.BatchNorm1d(2, { momentum: 1 });
    const x = torch.tensor([[1, 10], [3, 30]]);
    bn.call(x); // momentum 1: the running statistics become the batch's (variance unbiased: 2 and 200)
    bn.eval();
    const y = bn.call(x);
    expectClose(y.toArray(), [-1 / Math.sqrt(2 + 1e-5), -10 / Math.sqrt(200 + 1e-5), 1 / Math.sqrt(2 + 1e-5), 10 / Math.sqrt(200 + 1e-5)], 1e-5, "eval");
    expect(bn.numBatchesTracked!.item()).toBe(1);
    bn.train();
    // the batch's biased variances 1 and 100: each column to about -1, 1
    expectClose(bn.call(x).toArray(), [-1, -1, 1, 1], 1e-4, "train");
  });
});

describe("embedding", () => {
  test("the gradient adds up repeated rows and leaves the padding row out, on both backends", () => {
    for (const backend of ["wasm", "js"] as const) {
      torch.setBackend(backend);
      const w = torch.tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
      const idx = torch.tensor([[2, 0, 2], [1, 2, 1]], { dtype: "int32" });
      F.embedding(idx, w, { paddingIdx: 1 }).mul(torch.tensor([1, 10])).sum().backward();
      expect(Array.from(w.grad!.toArray())).toEqual([1, 10, 0, 0, 3, 30]);
    }
  });
  test("nn.Embedding draws N(0, 1) and zeroes the padding row", () => {
    torch.manualSeed(3);
    const emb = new torch.nn.Embedding(500, 8, { paddingIdx: 7 });
    const w = emb.weight;
    expect(Array.from(w.select(0, 7).toArray())).toEqual(new Array(8).fill(0));
    expect(Math.abs(w.mean().item() as number)).toBeLessThan(0.06);
    expect(Math.abs((w.std().item() as number) - 1)).toBeLessThan(0.06);
    expect(emb.weight.requiresGrad && emb.weight.isLeaf).toBe(true);
  });
});
