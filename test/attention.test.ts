/**
 * What the oracle cannot record for layer norm, dropout, softmax and attention: dropout's
 * stream-dependent draws (fraction kept, scaling, gradient, determinism under manualSeed, the
 * same mask on both backends), dtype errors PyTorch's float64 shadow run cannot check, the
 * encoder's independent copies, training versus eval, and the kernels' non-finite rows.
 */
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

const F = torch.nn.functional;
const nn = torch.nn;
const BACKENDS = ["wasm", "js"] as const;

describe("dropout", () => {
  for (const backend of BACKENDS) {
    test(`${backend}: keeps about 1 - p of the elements, scaled by 1 / (1 - p); the gradient is the same mask`, () => {
      torch.setBackend(backend);
      torch.manualSeed(1);
      const n = 20000, p = 0.3;
      const x = torch.ones(n, { requiresGrad: true });
      const y = F.dropout(x, { p });
      const values = Array.from(y.toArray() as Float32Array);
      const scale = Math.fround(1 / Math.fround(1 - p));
      expect(values.every((v) => v === 0 || v === scale)).toBe(true);
      const kept = values.filter((v) => v !== 0).length / n;
      // binomial standard deviation sqrt(p (1 - p) / n) = 0.0032: 5 of them
      expect(Math.abs(kept - (1 - p))).toBeLessThan(0.017);
      const g = torch.randn(n);
      y.backward(g);
      const gx = x.grad!.toArray(), gv = g.toArray();
      for (let i = 0; i < n; i++) expect(gx[i]).toBe(Math.fround(gv[i]! * values[i]!));
    });

    test(`${backend}: float64 scales by 1 / (1 - p) in float64`, () => {
      torch.setBackend(backend);
      torch.manualSeed(2);
      const y = F.dropout(torch.ones(1000, { dtype: "float64" }), { p: 0.1 });
      const values = Array.from(y.toArray() as Float64Array);
      expect(values.every((v) => v === 0 || v === 1 / 0.9)).toBe(true);
      expect(values.some((v) => v === 0)).toBe(true);
    });

    test(`${backend}: inplace changes the input`, () => {
      torch.setBackend(backend);
      torch.manualSeed(3);
      const x = torch.ones(100);
      const y = F.dropout(x, { p: 0.5, inplace: true });
      expect(y).toBe(x);
      expect(Array.from(x.toArray()).every((v) => v === 0 || v === 2)).toBe(true);
    });
  }

  test("the same seed gives the same mask, on both backends; another seed another", () => {
    const draw = (backend: "wasm" | "js", seed: number) => {
      torch.setBackend(backend);
      torch.manualSeed(seed);
      return Array.from(F.dropout(torch.ones(500), { p: 0.5 }).toArray());
    };
    const a = draw("wasm", 7), b = draw("js", 7), c = draw("wasm", 7), d = draw("wasm", 8);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(d).not.toEqual(a);
  });

  test("nn.Dropout follows train() and eval(); the identity cases return the input itself", () => {
    torch.setBackend("wasm");
    const x = torch.randn(4, 5);
    const m = new nn.Dropout({ p: 0.5 });
    torch.manualSeed(4);
    const y = m.call(x);
    expect(y).not.toBe(x);
    m.eval();
    expect(m.call(x)).toBe(x);
    expect(F.dropout(x, { p: 0 })).toBe(x);
    expect(F.dropout(x, { training: false })).toBe(x);
    expect(() => new nn.Dropout({ p: -1 })).toThrow("dropout probability has to be between 0 and 1, but got -1");
    expect(() => F.dropout(x, { q: 1 } as never)).toThrow("dropout() got an unexpected keyword argument 'q'");
  });
});

describe("layer norm", () => {
  for (const backend of BACKENDS) {
    test(`${backend}: rows of mean 0 and variance 1; weight and bias of another dtype are refused`, () => {
      torch.setBackend(backend);
      torch.manualSeed(5);
      const x = torch.randn(6, 33).mul(3).add(7);
      const y = F.layerNorm(x, [33]);
      const mean = y.mean(1).abs().max().item();
      const variance = y.mul(y).mean(1).sub(1).abs().max().item();
      expect(mean).toBeLessThan(1e-5);
      expect(variance).toBeLessThan(1e-4);
      expect(() => F.layerNorm(x, [33], torch.ones(33, { dtype: "float64" }))).toThrow("expected scalar type Float but found Double");
      expect(() => F.layerNorm(x.double(), [33], null, torch.ones(33))).toThrow("expected scalar type Double but found Float");
      expect(() => F.layerNorm(x, [33], null, null, "1" as never)).toThrow("layer_norm(): argument 'eps' (position 5) must be Number, not str");
    });
  }

  test("both backends give the same values and gradients", () => {
    const run = (backend: "wasm" | "js") => {
      torch.setBackend(backend);
      const x = torch.tensor(Array.from({ length: 3 }, (_, r) => Array.from({ length: 19 }, (_, i) => Math.sin(r * 19 + i) * (1 + i))), { requiresGrad: true });
      const w = torch.tensor(Array.from({ length: 19 }, (_, i) => 1 + 0.1 * i), { requiresGrad: true });
      const b = torch.tensor(Array.from({ length: 19 }, (_, i) => 0.05 * i), { requiresGrad: true });
      const y = F.layerNorm(x, [19], w, b);
      y.mul(y).sum().backward();
      return [y, x.grad!, w.grad!, b.grad!].map((t) => Array.from(t.toArray()));
    };
    const a = run("wasm"), j = run("js");
    for (let k = 0; k < a.length; k++) {
      for (let i = 0; i < a[k]!.length; i++) expect(Math.abs(a[k]![i]! - j[k]![i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(j[k]![i]!)));
    }
  });
});

describe("softmax kernels on non-finite rows", () => {
  for (const backend of BACKENDS) {
    test(`${backend}: -inf entries get 0, an all -inf or NaN row gives NaN, along any dim`, () => {
      torch.setBackend(backend);
      const x = torch.tensor([[0, -Infinity, 1, -Infinity, 2], [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity], [1, NaN, 0, 0, 0]]);
      for (const [y, yt] of [[x.softmax(1), x.t().softmax(0).t()], [x.logSoftmax(1), x.t().logSoftmax(0).t()]] as const) {
        for (const t of [y, yt]) {
          const v = t.toArray();
          expect(Number.isNaN(v[5]!) && Number.isNaN(v[9]!) && Number.isNaN(v[10]!) && Number.isNaN(v[14]!)).toBe(true);
        }
      }
      const s = x.softmax(1).toArray();
      expect(s[1]).toBe(0);
      expect(s[0]! + s[2]! + s[4]!).toBeCloseTo(1, 6);
    });
  }
});

describe("attention and the encoder", () => {
  test("the encoder's layers are independent copies of the layer", () => {
    torch.setBackend("wasm");
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const enc = new nn.TransformerEncoder(layer, 2);
    const [l0, l1] = enc.layers as [torch.nn.TransformerEncoderLayer, torch.nn.TransformerEncoderLayer];
    expect(l0).not.toBe(layer);
    expect(l0.linear1.weight).not.toBe(l1.linear1.weight);
    expect(Array.from(l0.linear1.weight.toArray())).toEqual(Array.from(layer.linear1.weight.toArray()));
    expect(l0.selfAttn.outProj).toBeInstanceOf(nn.NonDynamicallyQuantizableLinear);
    expect(l0.linear1.weight.isLeaf && l0.linear1.weight.requiresGrad).toBe(true);
    torch.noGrad(() => l0.linear1.weight.fill_(0));
    expect(l1.linear1.weight.abs().sum().item()).toBeGreaterThan(0);
    expect(layer.linear1.weight.abs().sum().item()).toBeGreaterThan(0);
    // 2 layers x (in_proj w, b, out_proj w, b, linear1 w, b, linear2 w, b, norm1 w, b, norm2 w, b)
    expect(enc.parameters().length).toBe(24);
    expect(Object.keys(enc.stateDict())[0]).toBe("layers.0.self_attn.in_proj_weight");
  });

  test("dropout in attention acts in training only", () => {
    torch.setBackend("wasm");
    torch.manualSeed(9);
    const mha = new nn.MultiheadAttention(8, 2, { dropout: 0.5 });
    const x = torch.randn(5, 1, 8);
    mha.eval();
    const [, w1] = mha.call(x, x, x, { averageAttnWeights: false });
    const rows = w1!.sum(-1);
    expect(rows.sub(1).abs().max().item()).toBeLessThan(1e-5);
    mha.train();
    const [, w2] = mha.call(x, x, x, { averageAttnWeights: false });
    const v = Array.from(w2!.toArray());
    expect(v.some((e) => e === 0)).toBe(true);
  });

  test("needWeights false gives null weights; custom activations and nn.Transformer", () => {
    torch.setBackend("js");
    const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true });
    const x = torch.randn(2, 3, 4);
    const [o, w] = mha.call(x, x, x, { needWeights: false });
    expect(w).toBeNull();
    expect(o.shape).toEqual([2, 3, 4]);
    const tanhLayer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, activation: (t) => t.tanh(), dropout: 0 });
    expect(tanhLayer.call(x).shape).toEqual([2, 3, 4]);
    const moduleLayer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8, activation: new nn.Tanh() });
    expect(moduleLayer.namedChildren().map(([k]) => k)).toContain("activation");
    expect(() => new nn.Transformer()).toThrow("nn.Transformer is not supported by wasmgrad yet");
    expect(() => mha.call(x, x, x, { attnMask: "x" } as never)).toThrow("must be Tensor");
    expect(() => mha.call(x, x, x, { attnMask: torch.zeros(3, 3), keyPaddingMask: torch.zeros(2, 3) }))
      .toThrow("a float key_padding_mask cannot be combined with a float attn_mask");
  });
});
