/**
 * torch.optim beyond the PyTorch cases (test/oracle: optim area): AdamW, RMSprop and Adagrad
 * against plain-JS arithmetic, state dicts through JSON and back, editing paramGroups, bad state
 * dicts, and memory (state lives with the optimizer, steps leave nothing behind). Both backends.
 */
import { beforeEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { errorOf, expectClose } from "./helpers/assert.js";
import { W0, jsGrad, runSteps } from "./helpers/optim_fixture.js";

const { nn, optim } = torch;
type Tensor = torch.Tensor;

const arr = (t: Tensor): number[] => Array.from(t.toArray() as ArrayLike<number>);


/** A Linear model's loss on fixed data, for training loops. */
function linearProblem(seed: number) {
  torch.manualSeed(seed);
  const model = new nn.Linear(3, 2);
  const x = torch.randn(6, 3), y = torch.randn(6, 2);
  const step = (opt: InstanceType<typeof optim.Optimizer>) => torch.tidy(() => {
    opt.zeroGrad();
    const loss = nn.functional.mseLoss(model.call(x), y);
    loss.backward();
    opt.step();
    return loss.item() as number;
  });
  return { model, step };
}

const OPTIMIZERS: [string, (ps: Tensor[]) => InstanceType<typeof optim.Optimizer>][] = [
  ["SGD", (ps) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true })],
  ["Adam", (ps) => new optim.Adam(ps, { lr: 0.05, amsgrad: true })],
  ["AdamW", (ps) => new optim.AdamW(ps, { lr: 0.05, weightDecay: 0.1 })],
  ["RMSprop", (ps) => new optim.RMSprop(ps, { lr: 0.01, momentum: 0.5, centered: true })],
  ["Adagrad", (ps) => new optim.Adagrad(ps, { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 })],
];

for (const backend of ["wasm", "js"] as const) {
  describe(`optim [${backend}]`, () => {
    beforeEach(() => {
      torch.setBackend(backend);
      torch.setGradEnabled(true);
    });

    test("AdamW: decoupled weight decay, 3 steps against JS arithmetic", () => {
      const w = torch.tensor(W0, { requiresGrad: true });
      const got = runSteps(new optim.AdamW([w], { lr: 0.1, weightDecay: 0.5 }), w, 3);
      let ww = W0.slice(), m = [0, 0, 0], v = [0, 0, 0];
      for (let t = 1; t <= 3; t++) {
        const g = jsGrad(ww);
        ww = ww.map((x) => x * (1 - 0.1 * 0.5));
        m = m.map((x, i) => 0.9 * x + 0.1 * g[i]!);
        v = v.map((x, i) => 0.999 * x + 0.001 * g[i]! * g[i]!);
        const bc1 = 1 - 0.9 ** t, bc2 = 1 - 0.999 ** t;
        ww = ww.map((x, i) => x - (0.1 / bc1) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(bc2) + 1e-8)));
        expectClose(got[t - 1]!, ww);
      }
      expect(new optim.AdamW([w]).paramGroups[0]!.weightDecay).toBe(1e-2); // PyTorch's default
    });

    test("RMSprop: centered with momentum and weight decay, 3 steps against JS arithmetic", () => {
      const w = torch.tensor(W0, { requiresGrad: true });
      const got = runSteps(new optim.RMSprop([w], { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true, weightDecay: 0.1 }), w, 3);
      let ww = W0.slice(), sq = [0, 0, 0], ga = [0, 0, 0], buf = [0, 0, 0];
      for (let t = 0; t < 3; t++) {
        const g = jsGrad(ww).map((x, i) => x + 0.1 * ww[i]!);
        sq = sq.map((x, i) => 0.9 * x + 0.1 * g[i]! * g[i]!);
        ga = ga.map((x, i) => 0.9 * x + 0.1 * g[i]!);
        const avg = sq.map((x, i) => Math.sqrt(x - ga[i]! * ga[i]!) + 1e-8);
        buf = buf.map((x, i) => 0.5 * x + g[i]! / avg[i]!);
        ww = ww.map((x, i) => x - 0.01 * buf[i]!);
        expectClose(got[t]!, ww, 1e-4, 1e-6);
      }
    });

    test("Adagrad: lr decay and initial accumulator, 3 steps against JS arithmetic", () => {
      const w = torch.tensor(W0, { requiresGrad: true });
      const got = runSteps(new optim.Adagrad([w], { lr: 0.5, lrDecay: 0.2, initialAccumulatorValue: 0.3 }), w, 3);
      let ww = W0.slice(), sum = [0.3, 0.3, 0.3];
      for (let t = 1; t <= 3; t++) {
        const g = jsGrad(ww);
        const clr = 0.5 / (1 + (t - 1) * 0.2);
        sum = sum.map((x, i) => x + g[i]! * g[i]!);
        ww = ww.map((x, i) => x - clr * g[i]! / (Math.sqrt(sum[i]!) + 1e-10));
        expectClose(got[t - 1]!, ww);
      }
    });

    test("defaults are PyTorch's", () => {
      const w = torch.ones([2], { requiresGrad: true });
      const { params: _a, ...adamw } = new optim.AdamW([w]).paramGroups[0]!;
      expect(adamw).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false });
      const { params: _r, ...rms } = new optim.RMSprop([w]).paramGroups[0]!;
      expect(rms).toEqual({ lr: 1e-2, momentum: 0, alpha: 0.99, eps: 1e-8, centered: false, weightDecay: 0, maximize: false });
      const { params: _g, ...ada } = new optim.Adagrad([w]).paramGroups[0]!;
      expect(ada).toEqual({ lr: 1e-2, lrDecay: 0, eps: 1e-10, weightDecay: 0, initialAccumulatorValue: 0, maximize: false });
    });

    test("paramGroups are live: a changed lr (or other option) takes effect at the next step", () => {
      const w = torch.tensor([1, 1], { requiresGrad: true });
      const opt = new optim.SGD([w], { lr: 0.1 });
      w.sum().backward();
      opt.step();
      expectClose(arr(w), [0.9, 0.9]);
      opt.paramGroups[0]!.lr = 0.5;
      opt.step(); // the same grad
      expectClose(arr(w), [0.4, 0.4]);
      opt.paramGroups[0]!.maximize = true;
      opt.step();
      expectClose(arr(w), [0.9, 0.9]);
    });

    for (const [name, make] of OPTIMIZERS) {
      test(`${name}: stateDict through JSON into a new optimizer continues the same training`, () => {
        const a = linearProblem(3), b = linearProblem(3);
        const optA = make(a.model.parameters()), optB = make(b.model.parameters());
        for (let i = 0; i < 3; i++) { a.step(optA); b.step(optB); }
        const saved = JSON.stringify(optA.stateDict());
        const optC = make(b.model.parameters());
        optC.paramGroups[0]!.lr = 123; // replaced by the saved options
        optC.loadStateDict(JSON.parse(saved));
        expect(optC.paramGroups[0]!.lr).toBe(optA.paramGroups[0]!.lr);
        for (let i = 0; i < 3; i++) expect(b.step(optC)).toBeCloseTo(a.step(optA), 6);
        for (const [p, q] of a.model.parameters().map((p, i) => [p, b.model.parameters()[i]!] as const)) expectClose(arr(q), arr(p));
      });
    }

    test("stateDict: PyTorch's layout, indices across groups, extra group keys under PyTorch's names", () => {
      const a = torch.ones([2], { requiresGrad: true }), b = torch.ones([3], { requiresGrad: true }), c = torch.ones([1], { requiresGrad: true });
      const opt = new optim.Adam([{ params: [a, b] }, { params: [c], lr: 0.5 }]);
      a.sum().add(c.sum()).backward();
      opt.step();
      // options a scheduler adds (camelCase here) appear under PyTorch's names
      Object.assign(opt.paramGroups[1]!, { initialLr: 0.5, lr: 0.25 });
      const sd = opt.stateDict();
      expect(sd.param_groups.map((g) => g.params)).toEqual([[0, 1], [2]]);
      expect(Object.keys(sd.state)).toEqual(["0", "2"]); // b has no grad: no state
      expect(Object.keys(sd.param_groups[1]!).sort()).toEqual(
        ["amsgrad", "betas", "capturable", "differentiable", "eps", "foreach", "fused", "initial_lr", "lr", "maximize", "params", "weight_decay"]);
      expect(sd.param_groups[1]!.initial_lr).toBe(0.5);
      expect(sd.param_groups[1]!.lr).toBe(0.25);
      const s0 = sd.state[0]!;
      expect(Object.keys(s0)).toEqual(["step", "exp_avg", "exp_avg_sq"]);
      expect((s0.step as Tensor).dtype).toBe("float32");
      expect((s0.step as Tensor).item()).toBe(1);
      expect(s0.exp_avg).toBe(opt.state.get(a)!.expAvg); // the optimizer's own tensors, as PyTorch
      // RMSprop keeps step as a number, SGD without momentum a null buffer
      const r = new optim.RMSprop([a]);
      const s = new optim.SGD([c], { lr: 0.1 });
      r.step();
      s.step();
      expect(r.stateDict().state[0]!.step).toBe(1);
      expect(s.stateDict().state).toEqual({ 0: { momentum_buffer: null } });
    });

    test("loadStateDict: casts state to the parameter's dtype, keeps step; JSON of a float64 state", () => {
      const w = torch.tensor([1, 2], { dtype: "float64", requiresGrad: true });
      const opt = new optim.Adam([w]);
      opt.loadStateDict({
        state: { 0: { step: torch.tensor(4), exp_avg: torch.tensor([0.5, 0.25]), exp_avg_sq: { shape: [2], dtype: "float32", data: [1, null] } } },
        param_groups: [{ lr: 0.01, betas: [0.5, 0.9], eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false, foreach: null, capturable: false, differentiable: false, fused: false, params: [0] }],
      });
      const st = opt.state.get(w)!;
      expect(st.step).toBe(4);
      expect((st.expAvg as Tensor).dtype).toBe("float64");
      expect(arr(st.expAvg as Tensor)).toEqual([0.5, 0.25]);
      expect(arr(st.expAvgSq as Tensor)[1]).toBeNaN();
      expect(opt.paramGroups[0]).toEqual({ lr: 0.01, betas: [0.5, 0.9], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [w] });
    });

    test("loadStateDict: clear errors for state dicts that are not PyTorch's layout; nothing changes", () => {
      const w = torch.ones([2], { requiresGrad: true });
      const opt = new optim.Adam([w], { lr: 0.1 });
      w.sum().backward();
      opt.step();
      const good = opt.stateDict();
      const before = JSON.stringify(good);
      const bad = (sd: unknown) => errorOf(() => opt.loadStateDict(sd as never));
      expect(bad(null)).toBe("Adam.loadStateDict(): argument 'stateDict' (position 1) must be a dict with 'state' and 'param_groups', not NoneType");
      expect(bad({ state: {} })).toContain("'param_groups' must be a list, not undefined");
      expect(bad({ state: [], param_groups: [] })).toContain("'state' must be a dict, not list");
      expect(bad({ state: {}, param_groups: [{ params: ["0"] }] })).toContain("param_groups[0]['params'] must be a list of parameter indices");
      expect(bad({ state: {}, param_groups: [] })).toBe("loaded state dict has a different number of parameter groups");
      expect(bad({ ...good, param_groups: [{ ...good.param_groups[0], lr: "x" }] })).toBe("Adam.loadStateDict(): argument 'lr' must be Number, not str");
      expect(bad({ ...good, state: { 0: { ...good.state[0], exp_avg: torch.ones(3) } } })).toContain("state[0]['exp_avg'] has shape [3], but its parameter has shape [2]");
      expect(bad({ ...good, state: { 0: { ...good.state[0], exp_avg: "x" } } })).toContain("state[0]['exp_avg'] must be a Tensor, its JSON form, a number, a boolean or null, not str");
      expect(bad({ ...good, state: { 0: { ...good.state[0], exp_avg: { shape: [2], data: [1] } } } })).toContain("its data has 1 elements but its shape [2] needs 2");
      expect(bad({ ...good, state: { 0: "x" } })).toContain("state[0] must be a dict, not str");
      expect(JSON.stringify(opt.stateDict())).toBe(before);
      expect(opt.paramGroups[0]!.lr).toBe(0.1);
    });

    test("state survives an enclosing tidy; steps leave nothing behind", () => {
      const lin = new nn.Linear(4, 2);
      for (const [, make] of OPTIMIZERS) {
        const opt = make(lin.parameters());
        const x = torch.randn(8, 4), t = torch.randn(8, 2);
        const once = () => torch.tidy(() => {
          opt.zeroGrad();
          nn.functional.mseLoss(lin.call(x), t).backward();
          opt.step();
        });
        once();
        once();
        const m0 = torch.memory();
        for (let i = 0; i < 4; i++) once();
        const m1 = torch.memory();
        expect(m1.tensors).toBe(m0.tensors);
        expect(m1.bytesInUse).toBe(m0.bytesInUse);
        // loading state inside a tidy keeps it too
        const sd = opt.stateDict();
        torch.tidy(() => opt.loadStateDict(sd));
        once();
      }
    });

    test("each optimizer trains a small model (the loss falls)", () => {
      for (const [, make] of OPTIMIZERS) {
        const p = linearProblem(11);
        const opt = make(p.model.parameters());
        const first = p.step(opt);
        let last = first;
        for (let i = 0; i < 30; i++) last = p.step(opt);
        expect(last).toBeLessThan(first);
      }
    });
  });
}
