/**
 * torch.optim.lrScheduler beyond the PyTorch cases (test/oracle: lr_scheduler area): the
 * chainable formulas against closed forms computed here, state dicts through JSON, verbose
 * messages in PyTorch's format, argument checks, and the optimizer's groups as schedulers leave
 * them. The schedulers hold no tensors, so one backend is enough.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import * as torch from "../src/index.js";
import { errorOf } from "./helpers/assert.js";

const { optim } = torch;
const { lrScheduler } = optim;

const sgd = (lr = 0.1, extra: Record<string, number> = {}) => new optim.SGD([torch.zeros(2, { requiresGrad: true })], { lr, ...extra });

/** The lr after each of n steps (the first entry: after construction). */
function run(s: InstanceType<typeof lrScheduler.LRScheduler>, n: number): number[] {
  const out = [s.getLastLr()[0]!];
  for (let i = 0; i < n; i++) {
    s.step();
    out.push(s.getLastLr()[0]!);
  }
  return out;
}

function expectNear(actual: number[], expected: number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)))) throw new Error(`step ${i}: expected ${expected[i]}, got ${a}`);
  });
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

afterEach(() => { vi.restoreAllMocks(); });

describe("lrScheduler: the chainable forms follow the closed forms", () => {
  test("StepLR, MultiStepLR, ExponentialLR", () => {
    expectNear(run(new lrScheduler.StepLR(sgd(), 3, { gamma: 0.5 }), 10), range(11).map((e) => 0.1 * 0.5 ** Math.floor(e / 3)));
    expectNear(run(new lrScheduler.MultiStepLR(sgd(), [2, 5, 5]), 7), range(8).map((e) => 0.1 * 0.1 ** ((e >= 2 ? 1 : 0) + (e >= 5 ? 2 : 0))));
    expectNear(run(new lrScheduler.ExponentialLR(sgd(), 0.9), 10), range(11).map((e) => 0.1 * 0.9 ** e));
  });

  test("CosineAnnealingLR over two periods, LinearLR, LambdaLR", () => {
    expectNear(run(new lrScheduler.CosineAnnealingLR(sgd(), 4, { etaMin: 0.01 }), 16), range(17).map((e) => 0.01 + 0.09 * (1 + Math.cos(Math.PI * e / 4)) / 2));
    expectNear(run(new lrScheduler.LinearLR(sgd(), { startFactor: 0.25, totalIters: 4 }), 8), range(9).map((e) => 0.1 * (0.25 + 0.75 * Math.min(e, 4) / 4)));
    expectNear(run(new lrScheduler.LambdaLR(sgd(), (e) => 1 / (1 + e)), 5), range(6).map((e) => 0.1 / (1 + e)));
  });

  test("OneCycleLR: PyTorch's endpoints (maxLr / divFactor up to maxLr, down to initial / finalDivFactor)", () => {
    const opt = sgd(0.1, { momentum: 0.9 });
    const lrs = run(new lrScheduler.OneCycleLR(opt, 1, { totalSteps: 10, pctStart: 0.3 }), 9);
    expect(lrs[0]).toBeCloseTo(1 / 25, 12);
    expect(Math.max(...lrs)).toBeCloseTo(1, 12);
    expect(lrs[9]).toBeCloseTo(1 / 25 / 1e4, 12);
    expect(opt.paramGroups[0]!.momentum).toBeCloseTo(0.95, 12); // back to maxMomentum at the end
    expect(errorOf(() => new lrScheduler.OneCycleLR(sgd(0.1, { momentum: 0.9 }), 1, { totalSteps: 10, pctStart: 0.1 }))).toBe("float division by zero");
  });

  test("step(epoch) jumps with the closed form", () => {
    const s = new lrScheduler.StepLR(sgd(), 2, { gamma: 0.5 });
    s.step(7);
    expect(s.lastEpoch).toBe(7);
    expect(s.getLastLr()[0]).toBeCloseTo(0.1 * 0.5 ** 3, 15);
    s.step();
    expect(s.getLastLr()[0]).toBeCloseTo(0.1 * 0.5 ** 4, 15);
  });
});

describe("lrScheduler: groups, state dicts, messages", () => {
  test("the scheduler sets each group's lr (and initialLr); the optimizer steps with it", () => {
    const w = torch.tensor([1], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 1 });
    const s = new lrScheduler.StepLR(opt, 1, { gamma: 0.5 });
    expect(opt.paramGroups[0]).toMatchObject({ lr: 1, initialLr: 1 });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      w.sum().backward();
      opt.step();
      s.step();
      seen.push(w.item() as number);
    }
    expectNear(seen, [0, -0.5, -0.75]);
    expect(opt.stateDict().param_groups[0]!.initial_lr).toBe(1);
  });

  test("stateDict through JSON resumes the same sequence", () => {
    const makers = [
      (o: InstanceType<typeof optim.SGD>) => new lrScheduler.CosineAnnealingLR(o, 5, { etaMin: 0.001 }),
      (o: InstanceType<typeof optim.SGD>) => new lrScheduler.MultiStepLR(o, [2, 4, 4], { gamma: 0.5 }),
      (o: InstanceType<typeof optim.SGD>) => new lrScheduler.OneCycleLR(o, 0.5, { totalSteps: 12 }),
      (o: InstanceType<typeof optim.SGD>) => new lrScheduler.LinearLR(o, { totalIters: 6 }),
    ];
    for (const make of makers) {
      const optA = sgd(0.1, { momentum: 0.9 }), a = make(optA);
      run(a, 4);
      const saved = JSON.parse(JSON.stringify(a.stateDict()));
      const optSaved = JSON.parse(JSON.stringify(optA.stateDict()));
      const optB = sgd(0.3, { momentum: 0.9 }), b = make(optB);
      optB.loadStateDict(optSaved);
      b.loadStateDict(saved);
      expect(b.getLastLr()).toEqual(a.getLastLr());
      expect(run(b, 5)).toEqual(run(a, 5));
    }
  });

  test("stateDict keys are PyTorch's", () => {
    expect(Object.keys(new lrScheduler.CosineAnnealingLR(sgd(), 5).stateDict()).sort()).toEqual(
      ["T_max", "_get_lr_called_within_step", "_last_lr", "_step_count", "base_lrs", "eta_min", "last_epoch", "verbose"]);
    expect(new lrScheduler.LambdaLR(sgd(), (e) => e).stateDict().lr_lambdas).toEqual([null]);
    const s = new lrScheduler.StepLR(sgd(), 2);
    expect(errorOf(() => s.loadStateDict({ gamma: "x" }))).toBe("StepLR.loadStateDict(): 'gamma' must be float, not str");
    expect(errorOf(() => s.loadStateDict({ base_lrs: 1 }))).toBe("StepLR.loadStateDict(): 'base_lrs' must be a list of numbers, not int");
    expect(s.stateDict().gamma).toBe(0.1); // nothing changed
  });

  test("verbose prints PyTorch's messages", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const s = new lrScheduler.ExponentialLR(sgd(), 0.5, { verbose: true });
    s.step();
    s.step(3);
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      "Adjusting learning rate of group 0 to 1.0000e-01.",
      "Adjusting learning rate of group 0 to 5.0000e-02.",
      "Epoch 00003: adjusting learning rate of group 0 to 1.2500e-02.",
    ]);
  });

  test("argument checks name the scheduler and argument", () => {
    expect(errorOf(() => new lrScheduler.StepLR(sgd(), 1.5))).toBe("StepLR(): argument 'stepSize' (position 2) must be int, not float");
    expect(errorOf(() => new lrScheduler.StepLR(sgd(), 2, { gamma: "x" } as never))).toBe("StepLR(): argument 'gamma' must be Number, not str");
    expect(errorOf(() => new lrScheduler.StepLR(sgd(), 2, { step: 1 } as never))).toBe("StepLR() got an unexpected keyword argument 'step'");
    expect(errorOf(() => new lrScheduler.MultiStepLR(sgd(), 3 as never))).toBe("MultiStepLR(): argument 'milestones' (position 2) must be a list of ints, not int");
    expect(errorOf(() => new lrScheduler.ExponentialLR(null as never, 0.5))).toBe("NoneType is not an Optimizer");
    expect(errorOf(() => new lrScheduler.LambdaLR(sgd(), 0.5 as never))).toBe("LambdaLR(): argument 'lrLambda' (position 2) must be a function, not float");
    expect(errorOf(() => new lrScheduler.LambdaLR(sgd(), (() => "x") as never))).toBe("LambdaLR: lrLambda(0) returned str, not a number");
    const s = new lrScheduler.StepLR(sgd(), 2);
    expect(errorOf(() => s.step("x" as never))).toBe("StepLR.step(): argument 'epoch' (position 1) must be Number, not str");
    expect(errorOf(() => { const z = new lrScheduler.StepLR(sgd(), 0); z.step(); })).toBe("integer division or modulo by zero");
    expect(String(s)).toBe("<torch.optim.lr_scheduler.StepLR object>");
  });
});
