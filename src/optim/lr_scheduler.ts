/**
 * torch.optim.lr_scheduler: objects that set the learning rate of an optimizer's parameter groups
 * as training goes, as PyTorch 1.13's. Call `scheduler.step()` after `optimizer.step()`, once per
 * epoch (or per batch, for OneCycleLR).
 *
 * Each `step()` computes the new rates with PyTorch's chainable ("recursive") formulas from the
 * groups' current `lr`, as PyTorch does, so the floats are PyTorch's (its closed forms give
 * slightly different ones), up to the last bit of the JavaScript engine's `Math.cos`, which may
 * differ from C's `cos` by one unit in the last place; `step(epoch)` uses the closed form where
 * PyTorch has one, as its deprecated `step(epoch)` does.
 * @module
 * @category Neural networks
 */
import * as A from "../argcheck.js";
import { Optimizer, pyNum, type ParamGroup } from "./optimizer.js";

/** Python's `a % b` (the sign of `b`), which the schedulers' period tests use. */
function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/** Python's `'{:.4e}'.format(x)` (`1.0000e-01`), for verbose messages. */
function sci4(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const [m, e] = x.toExponential(4).split("e") as [string, string];
  const n = Number(e);
  return `${m}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
}

type Group = ParamGroup<Record<string, unknown>> & Record<string, any>;

/** A scheduler's state as PyTorch's `scheduler.state_dict()`: its attributes under PyTorch's names. */
export type SchedulerStateDict = Record<string, unknown>;

/** The options every scheduler takes. */
export interface SchedulerOptions {
  /**
   * The index of the last epoch (default -1: start). Another value resumes a schedule: each group
   * must then have `initialLr` (PyTorch's `initial_lr`), which a scheduler made earlier sets.
   */
  lastEpoch: number;
  /** Print each change of a learning rate, as PyTorch does (default false). */
  verbose: boolean;
}

const BASE_OPTIONS = { lastEpoch: "int", verbose: "bool" } as const;

function checkOptimizer(optimizer: unknown): asserts optimizer is Optimizer {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${A.kindOf(optimizer)} is not an Optimizer`);
}

/**
 * Base class of the learning-rate schedulers (PyTorch's `_LRScheduler`). A subclass sets its own
 * fields, then calls {@link LRScheduler.initialStep} at the end of its constructor (PyTorch's
 * `__init__` does it last), and overrides {@link LRScheduler.getLr}.
 */
export class LRScheduler {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  readonly optimizer: Optimizer<any>;
  /** Each group's initial learning rate (its `initialLr`), what the schedule scales. */
  baseLrs: number[];
  /** The index of the last epoch: how many times `step()` ran, less one. */
  lastEpoch: number;
  /** Whether each change is printed. */
  verbose: boolean;
  /** @internal How many times step() ran (PyTorch's `_step_count`). */
  _stepCount = 0;
  /** @internal */
  _lastLr: number[] = [];
  /** PyTorch's names of the subclass's own state (for stateDict), mapped to its fields. @internal */
  protected _stateFields: Record<string, string> = {};

  /**
   * @param optimizer - The optimizer to schedule.
   * @param opts - See {@link SchedulerOptions}.
   * @throws `TypeError` (`list is not an Optimizer`) for something else than an optimizer; `param
   *   'initial_lr' is not specified in param_groups[0] when resuming an optimizer` when resuming
   *   without one.
   */
  constructor(optimizer: Optimizer<any>, opts: Partial<SchedulerOptions> = {}) {
    checkOptimizer(optimizer);
    A.checkOptions("LRScheduler", opts, BASE_OPTIONS);
    const { lastEpoch = -1, verbose = false } = opts ?? {};
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups as Group[];
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    this.verbose = verbose;
  }

  /** Set the first learning rates (PyTorch's `_initial_step`): a subclass's constructor calls it last. */
  protected initialStep(): void {
    this._stepCount = 0;
    this.step();
  }

  /**
   * The learning rates after this step, from the chainable formula (PyTorch's `get_lr`; it reads
   * `lastEpoch`, already advanced). Use {@link LRScheduler.getLastLr} to read the current rates.
   */
  getLr(): number[] {
    throw new Error(`${this.constructor.name}.getLr() is not implemented`);
  }

  /** The closed-form rates at `lastEpoch`, for `step(epoch)`; `null` when there is none. @internal */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** The learning rate of each group as the last `step()` set it (PyTorch's `get_last_lr`). */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  /**
   * Advance the schedule by one and set each group's `lr`. Call it after `optimizer.step()`.
   *
   * @param epoch - Deprecated in PyTorch: jump to this epoch, with the closed-form rates where the
   *   scheduler has them.
   */
  step(epoch?: number): void {
    if (epoch !== undefined) A.checkNumber(`${this.constructor.name}.step`, "epoch", 1, epoch);
    this._stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch as number;
      values = this.closedFormLr() ?? this.getLr();
    }
    const groups = this.optimizer.paramGroups as Group[];
    groups.forEach((g, i) => {
      if (i >= values.length) return;
      g.lr = values[i]!;
      if (this.verbose) {
        if (epoch === undefined) console.log(`Adjusting learning rate of group ${i} to ${sci4(values[i]!)}.`);
        else {
          const e = Number.isInteger(epoch) ? String(epoch).padStart(5, "0") : (epoch as number).toFixed(2);
          console.log(`Epoch ${e}: adjusting learning rate of group ${i} to ${sci4(values[i]!)}.`);
        }
      }
    });
    this._lastLr = groups.map((g) => g.lr as number);
  }

  /**
   * The scheduler's state as PyTorch's `state_dict()`: its attributes under PyTorch's names
   * (`base_lrs`, `last_epoch`, `_step_count`, `_last_lr`, and the scheduler's own, e.g.
   * `step_size`, `gamma`). Functions (LambdaLR's) are not saved, as in PyTorch.
   */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [name, field] of Object.entries(this._stateFields)) out[name] = copyValue((this as unknown as Record<string, unknown>)[field]);
    Object.assign(out, {
      base_lrs: this.baseLrs.slice(),
      last_epoch: this.lastEpoch,
      verbose: this.verbose,
      _step_count: this._stepCount,
      _get_lr_called_within_step: false,
      _last_lr: this._lastLr.slice(),
    });
    return out;
  }

  /**
   * Restore state saved by {@link LRScheduler.stateDict} (or by PyTorch): each attribute it names
   * is set; keys this scheduler does not have are ignored.
   * @throws `TypeError` when `stateDict` is not an object, or an entry is not of its kind.
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    const site = `${this.constructor.name}.loadStateDict`;
    if (A.kindOf(stateDict) !== "dict") throw A.argError(site, "stateDict", 1, "a dict", stateDict);
    const sd = stateDict as Record<string, unknown>;
    const numbers = (k: string) => {
      const v = sd[k];
      if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) throw new TypeError(`${site}(): '${k}' must be a list of numbers, not ${A.kindOf(v)}`);
      return v.slice() as number[];
    };
    const updates: [string, unknown][] = [];
    if ("base_lrs" in sd) updates.push(["baseLrs", numbers("base_lrs")]);
    if ("_last_lr" in sd) updates.push(["_lastLr", numbers("_last_lr")]);
    for (const [k, field] of [["last_epoch", "lastEpoch"], ["_step_count", "_stepCount"]] as const) {
      if (k in sd) { A.checkInt(site, k, undefined, sd[k]); updates.push([field, sd[k]]); }
    }
    if ("verbose" in sd) { A.checkBool(site, "verbose", undefined, sd.verbose); updates.push(["verbose", sd.verbose]); }
    for (const [name, field] of Object.entries(this._stateFields)) {
      if (!(name in sd)) continue;
      const cur = (this as unknown as Record<string, unknown>)[field];
      const v = sd[name];
      // the same kind as the current value (a number, a list, a dict of numbers)
      if (A.kindOf(cur) !== A.kindOf(v) && !(typeof cur === "number" && typeof v === "number")) {
        throw new TypeError(`${site}(): '${name}' must be ${A.kindOf(cur)}, not ${A.kindOf(v)}`);
      }
      updates.push([field, copyValue(v)]);
    }
    for (const [field, v] of updates) (this as unknown as Record<string, unknown>)[field] = v;
  }

  /** `<ClassName object>`, as Python prints an object without a repr. */
  toString(): string {
    return `<torch.optim.lr_scheduler.${this.constructor.name} object>`;
  }
}

function copyValue<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyValue) as T;
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, copyValue(e)])) as T;
  return v;
}

const groupsOf = (s: LRScheduler) => s.optimizer.paramGroups as Group[];

// ---- StepLR -------------------------------------------------------------------------------------

/** Options of {@link StepLR}. */
export interface StepLROptions extends SchedulerOptions {
  /** The factor applied every `stepSize` epochs (default 0.1). */
  gamma: number;
}

/**
 * Multiply each group's learning rate by `gamma` every `stepSize` epochs (PyTorch's `StepLR`).
 * @example
 * ```ts
 * const sched = new torch.optim.lrScheduler.StepLR(opt, 30, { gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 * ```
 */
export class StepLR extends LRScheduler {
  /** The period of the decay, in epochs. */
  stepSize: number;
  /** The decay factor. */
  gamma: number;

  /**
   * @param optimizer - The optimizer to schedule.
   * @param stepSize - The period of the decay, in epochs.
   * @param opts - See {@link StepLROptions}.
   */
  constructor(optimizer: Optimizer<any>, stepSize: number, opts: Partial<StepLROptions> = {}) {
    checkOptimizer(optimizer);
    A.checkInt("StepLR", "stepSize", 2, stepSize);
    A.checkOptions("StepLR", opts, { ...BASE_OPTIONS, gamma: "number" });
    const { gamma = 0.1, ...base } = opts ?? {};
    super(optimizer, base);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this._stateFields = { step_size: "stepSize", gamma: "gamma" };
    this.initialStep();
  }

  override getLr(): number[] {
    if (this.stepSize === 0 && this.lastEpoch !== 0) throw new Error("integer division or modulo by zero"); // Python's ZeroDivisionError
    if (this.lastEpoch === 0 || pyMod(this.lastEpoch, this.stepSize) !== 0) return groupsOf(this).map((g) => g.lr as number);
    return groupsOf(this).map((g) => (g.lr as number) * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

// ---- MultiStepLR --------------------------------------------------------------------------------

/** Options of {@link MultiStepLR}. */
export interface MultiStepLROptions extends SchedulerOptions {
  /** The factor applied at each milestone (default 0.1). */
  gamma: number;
}

/**
 * Multiply each group's learning rate by `gamma` when the epoch reaches each milestone (a
 * milestone listed twice applies `gamma` twice), as PyTorch's `MultiStepLR`.
 * @example
 * ```ts
 * const sched = new torch.optim.lrScheduler.MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 * ```
 */
export class MultiStepLR extends LRScheduler {
  /** How many times each milestone epoch was given (PyTorch's `Counter`). */
  milestones: Record<number, number>;
  /** The decay factor. */
  gamma: number;

  /**
   * @param optimizer - The optimizer to schedule.
   * @param milestones - Epoch indices (increasing).
   * @param opts - See {@link MultiStepLROptions}.
   */
  constructor(optimizer: Optimizer<any>, milestones: number[], opts: Partial<MultiStepLROptions> = {}) {
    checkOptimizer(optimizer);
    if (!Array.isArray(milestones) || !milestones.every((m) => Number.isInteger(m))) {
      throw A.argError("MultiStepLR", "milestones", 2, "a list of ints", milestones);
    }
    A.checkOptions("MultiStepLR", opts, { ...BASE_OPTIONS, gamma: "number" });
    const { gamma = 0.1, ...base } = opts ?? {};
    super(optimizer, base);
    const counts: Record<number, number> = {};
    for (const m of milestones) counts[m] = (counts[m] ?? 0) + 1;
    this.milestones = counts;
    this.gamma = gamma;
    this._stateFields = { milestones: "milestones", gamma: "gamma" };
    this.initialStep();
  }

  override getLr(): number[] {
    const count = this.milestones[this.lastEpoch];
    if (count === undefined) return groupsOf(this).map((g) => g.lr as number);
    return groupsOf(this).map((g) => (g.lr as number) * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    // bisect_right over the sorted milestones, repeats included
    let passed = 0;
    for (const [m, n] of Object.entries(this.milestones)) if (Number(m) <= this.lastEpoch) passed += n;
    return this.baseLrs.map((b) => b * this.gamma ** passed);
  }
}

// ---- ExponentialLR ------------------------------------------------------------------------------

/**
 * Multiply each group's learning rate by `gamma` every epoch (PyTorch's `ExponentialLR`).
 * @example
 * ```ts
 * const sched = new torch.optim.lrScheduler.ExponentialLR(opt, 0.95);
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** The decay factor per epoch. */
  gamma: number;

  /**
   * @param optimizer - The optimizer to schedule.
   * @param gamma - The decay factor per epoch.
   * @param opts - See {@link SchedulerOptions}.
   */
  constructor(optimizer: Optimizer<any>, gamma: number, opts: Partial<SchedulerOptions> = {}) {
    checkOptimizer(optimizer);
    if (typeof gamma !== "number") throw A.argError("ExponentialLR", "gamma", 2, "Number", gamma);
    A.checkOptions("ExponentialLR", opts, BASE_OPTIONS);
    super(optimizer, opts);
    this.gamma = gamma;
    this._stateFields = { gamma: "gamma" };
    this.initialStep();
  }

  override getLr(): number[] {
    if (this.lastEpoch === 0) return groupsOf(this).map((g) => g.lr as number);
    return groupsOf(this).map((g) => (g.lr as number) * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

// ---- CosineAnnealingLR --------------------------------------------------------------------------

/** Options of {@link CosineAnnealingLR}. */
export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** The minimum learning rate (PyTorch's `eta_min`; default 0). */
  etaMin: number;
}

/**
 * Anneal each group's learning rate from its initial value to `etaMin` along half a cosine over
 * `tMax` epochs, then back up (PyTorch's `CosineAnnealingLR`, with its recursive formula).
 * @example
 * ```ts
 * const sched = new torch.optim.lrScheduler.CosineAnnealingLR(opt, 100, { etaMin: 1e-5 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half the cosine's period, in epochs (PyTorch's `T_max`). */
  tMax: number;
  /** The minimum learning rate. */
  etaMin: number;

  /**
   * @param optimizer - The optimizer to schedule.
   * @param tMax - Half the period, in epochs (PyTorch's `T_max`).
   * @param opts - See {@link CosineAnnealingLROptions}.
   */
  constructor(optimizer: Optimizer<any>, tMax: number, opts: Partial<CosineAnnealingLROptions> = {}) {
    checkOptimizer(optimizer);
    if (typeof tMax !== "number") throw A.argError("CosineAnnealingLR", "tMax", 2, "Number", tMax);
    A.checkOptions("CosineAnnealingLR", opts, { ...BASE_OPTIONS, etaMin: "number" });
    const { etaMin = 0, ...base } = opts ?? {};
    super(optimizer, base);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this._stateFields = { T_max: "tMax", eta_min: "etaMin" };
    this.initialStep();
  }

  override getLr(): number[] {
    const groups = groupsOf(this);
    const e = this.lastEpoch, T = this.tMax, etaMin = this.etaMin;
    if (e === 0) return groups.map((g) => g.lr as number);
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + (b - etaMin) * (1 + Math.cos((e * Math.PI) / T)) / 2);
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return groups.map((g, i) => (g.lr as number) + (this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / T)) / 2);
    }
    return groups.map((g) => (1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T)) * ((g.lr as number) - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax)) / 2);
  }
}

// ---- LambdaLR -----------------------------------------------------------------------------------

/**
 * Set each group's learning rate to its initial value times `lrLambda(epoch)` (PyTorch's
 * `LambdaLR`).
 * @example
 * ```ts
 * const sched = new torch.optim.lrScheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 * ```
 */
export class LambdaLR extends LRScheduler {
  /** One factor function per group. */
  lrLambdas: ((epoch: number) => number)[];

  /**
   * @param optimizer - The optimizer to schedule.
   * @param lrLambda - A function of the epoch giving the factor, or one per group.
   * @param opts - See {@link SchedulerOptions}.
   * @throws `Expected 2 lr_lambdas, but got 1` for an array of the wrong length; `TypeError` for a
   *   function that returns something else than a number.
   */
  constructor(optimizer: Optimizer<any>, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], opts: Partial<SchedulerOptions> = {}) {
    checkOptimizer(optimizer);
    const n = optimizer.paramGroups.length;
    let lambdas: ((epoch: number) => number)[];
    if (!Array.isArray(lrLambda)) {
      A.checkFunction("LambdaLR", "lrLambda", 2, lrLambda);
      lambdas = Array.from({ length: n }, () => lrLambda);
    } else {
      if (lrLambda.length !== n) throw new Error(`Expected ${n} lr_lambdas, but got ${lrLambda.length}`);
      lrLambda.forEach((f, i) => A.checkFunction("LambdaLR", `lrLambda[${i}]`, 2, f));
      lambdas = lrLambda.slice();
    }
    A.checkOptions("LambdaLR", opts, BASE_OPTIONS);
    super(optimizer, opts);
    this.lrLambdas = lambdas;
    this.initialStep();
  }

  override getLr(): number[] {
    return this.baseLrs.map((b, i) => {
      const f = this.lrLambdas[i]!(this.lastEpoch);
      if (typeof f !== "number") throw new TypeError(`LambdaLR: lrLambda(${this.lastEpoch}) returned ${A.kindOf(f)}, not a number`);
      return b * f;
    });
  }

  override stateDict(): SchedulerStateDict {
    // the functions are not saved (PyTorch saves only callable objects' attributes)
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }
}

// ---- LinearLR -----------------------------------------------------------------------------------

/** Options of {@link LinearLR}. */
export interface LinearLROptions extends SchedulerOptions {
  /** The factor at the first epoch (default 1/3), between 0 and 1. */
  startFactor: number;
  /** The factor at `totalIters` and after (default 1), between 0 and 1. */
  endFactor: number;
  /** The number of epochs over which the factor goes from `startFactor` to `endFactor` (default 5). */
  totalIters: number;
}

/**
 * Scale each group's learning rate by a factor that goes linearly from `startFactor` to
 * `endFactor` over `totalIters` epochs (PyTorch's `LinearLR`, a common warm-up).
 * @example
 * ```ts
 * const warmup = new torch.optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
 * ```
 */
export class LinearLR extends LRScheduler {
  /** The factor at the first epoch. */
  startFactor: number;
  /** The factor at `totalIters` and after. */
  endFactor: number;
  /** The length of the ramp, in epochs. */
  totalIters: number;

  /**
   * @param optimizer - The optimizer to schedule.
   * @param opts - See {@link LinearLROptions}.
   * @throws `Starting multiplicative factor expected to be between 0 and 1.` and the same for the
   *   ending factor.
   */
  constructor(optimizer: Optimizer<any>, opts: Partial<LinearLROptions> = {}) {
    A.checkOptions("LinearLR", opts, { ...BASE_OPTIONS, startFactor: "number", endFactor: "number", totalIters: "int" });
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5, ...base } = opts ?? {};
    if (startFactor > 1 || startFactor < 0) throw new Error("Starting multiplicative factor expected to be between 0 and 1.");
    if (endFactor > 1 || endFactor < 0) throw new Error("Ending multiplicative factor expected to be between 0 and 1.");
    checkOptimizer(optimizer);
    super(optimizer, base);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this._stateFields = { start_factor: "startFactor", end_factor: "endFactor", total_iters: "totalIters" };
    this.initialStep();
  }

  override getLr(): number[] {
    const groups = groupsOf(this);
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    if (this.lastEpoch === 0) return groups.map((g) => (g.lr as number) * s);
    if (this.lastEpoch > n) return groups.map((g) => g.lr as number);
    return groups.map((g) => (g.lr as number) * (1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + (e - s) * Math.min(n, this.lastEpoch) / n));
  }
}

// ---- OneCycleLR ---------------------------------------------------------------------------------

/** Options of {@link OneCycleLR}; give `totalSteps`, or `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions extends SchedulerOptions {
  /** The number of steps in the cycle. */
  totalSteps: number;
  /** With `stepsPerEpoch`: the cycle is `epochs * stepsPerEpoch` steps. */
  epochs: number;
  /** With `epochs`: the number of steps per epoch. */
  stepsPerEpoch: number;
  /** The fraction of the cycle spent increasing the learning rate (default 0.3). */
  pctStart: number;
  /** `"cos"` (default) or `"linear"` annealing. */
  annealStrategy: "cos" | "linear";
  /** Cycle the momentum (SGD's `momentum`, or Adam's first beta) inversely to the rate (default true). */
  cycleMomentum: boolean;
  /** The lowest momentum (default 0.85), or one per group. */
  baseMomentum: number | number[];
  /** The highest momentum (default 0.95), or one per group. */
  maxMomentum: number | number[];
  /** The initial rate is `maxLr / divFactor` (default 25). */
  divFactor: number;
  /** The final rate is the initial one divided by this (default 1e4). */
  finalDivFactor: number;
  /** Use a third phase that anneals to the final rate (fast.ai's schedule; default false). */
  threePhase: boolean;
}

interface Phase { end_step: number; start_lr: string; end_lr: string; start_momentum: string; end_momentum: string }
/** PyTorch's group keys in the phases -> the group fields here. */
const GROUP_FIELD: Record<string, string> = { initial_lr: "initialLr", max_lr: "maxLr", min_lr: "minLr", max_momentum: "maxMomentum", base_momentum: "baseMomentum" };

/**
 * The 1cycle policy (Smith & Topin): the learning rate rises from `maxLr / divFactor` to `maxLr`,
 * then falls far below the start, over a fixed number of steps, with the momentum cycled the
 * other way (PyTorch's `OneCycleLR`). Step it after every batch.
 * @example
 * ```ts
 * const sched = new torch.optim.lrScheduler.OneCycleLR(opt, 0.01, { epochs: 10, stepsPerEpoch: loader.length });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  /** The number of steps in the cycle. */
  totalSteps: number;
  /** Whether momentum is cycled. */
  cycleMomentum: boolean;
  /** Whether the cycled momentum is the first of Adam's `betas` (else `momentum`). */
  useBeta1: boolean;
  /** @internal */
  _schedulePhases: Phase[];
  /** @internal */
  private readonly annealFunc: (start: number, end: number, pct: number) => number;

  /**
   * @param optimizer - The optimizer to schedule.
   * @param maxLr - The peak learning rate, or one per group.
   * @param opts - See {@link OneCycleLROptions}.
   * @throws PyTorch's messages: `You must define either total_steps OR (epochs AND
   *   steps_per_epoch)`, `Expected positive integer total_steps, but got 0`, `Expected float
   *   between 0 and 1 pct_start, but got 2`, `anneal_strategy must by one of 'cos' or 'linear',
   *   instead got x`, `optimizer must support momentum with `cycle_momentum` option enabled`,
   *   `expected 2 values for max_lr, got 1`; `Tried to step 11 times. The specified number of
   *   total steps is 10` from `step()`.
   */
  constructor(optimizer: Optimizer<any>, maxLr: number | number[], opts: Partial<OneCycleLROptions> = {}) {
    checkOptimizer(optimizer);
    if (typeof maxLr !== "number" && !(Array.isArray(maxLr) && maxLr.every((x) => typeof x === "number"))) {
      throw A.argError("OneCycleLR", "maxLr", 2, "a Number or a list of Numbers", maxLr);
    }
    A.checkOptions("OneCycleLR", opts, {
      ...BASE_OPTIONS, totalSteps: "any", epochs: "any", stepsPerEpoch: "any", pctStart: "number", annealStrategy: "string",
      cycleMomentum: "bool", baseMomentum: "any", maxMomentum: "any", divFactor: "number", finalDivFactor: "number", threePhase: "bool",
    });
    const {
      totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = "cos", cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false, ...base
    } = opts ?? {};
    const shown = (v: unknown) => (v === undefined || v === null ? "None" : typeof v === "number" ? pyNum(v) : A.show(v));
    let total: number;
    if (totalSteps === undefined && epochs === undefined && stepsPerEpoch === undefined) {
      throw new Error("You must define either total_steps OR (epochs AND steps_per_epoch)");
    } else if (totalSteps !== undefined) {
      if (!Number.isInteger(totalSteps) || (totalSteps as number) <= 0) throw new Error(`Expected positive integer total_steps, but got ${shown(totalSteps)}`);
      total = totalSteps as number;
    } else {
      if (!Number.isInteger(epochs) || (epochs as number) <= 0) throw new Error(`Expected positive integer epochs, but got ${shown(epochs)}`);
      if (!Number.isInteger(stepsPerEpoch) || (stepsPerEpoch as number) <= 0) throw new Error(`Expected positive integer steps_per_epoch, but got ${shown(stepsPerEpoch)}`);
      total = (epochs as number) * (stepsPerEpoch as number);
    }
    const phases: Phase[] = threePhase
      ? [
        { end_step: pctStart * total - 1, start_lr: "initial_lr", end_lr: "max_lr", start_momentum: "max_momentum", end_momentum: "base_momentum" },
        { end_step: 2 * pctStart * total - 2, start_lr: "max_lr", end_lr: "initial_lr", start_momentum: "base_momentum", end_momentum: "max_momentum" },
        { end_step: total - 1, start_lr: "initial_lr", end_lr: "min_lr", start_momentum: "max_momentum", end_momentum: "max_momentum" },
      ]
      : [
        { end_step: pctStart * total - 1, start_lr: "initial_lr", end_lr: "max_lr", start_momentum: "max_momentum", end_momentum: "base_momentum" },
        { end_step: total - 1, start_lr: "max_lr", end_lr: "min_lr", start_momentum: "base_momentum", end_momentum: "max_momentum" },
      ];
    if (!(pctStart >= 0 && pctStart <= 1)) throw new Error(`Expected float between 0 and 1 pct_start, but got ${pyNum(pctStart)}`);
    if (annealStrategy !== "cos" && annealStrategy !== "linear") throw new Error(`anneal_strategy must by one of 'cos' or 'linear', instead got ${annealStrategy}`);
    const groups = optimizer.paramGroups as Group[];
    const format = (name: string, v: number | number[]): number[] => {
      if (Array.isArray(v)) {
        if (v.length !== groups.length) throw new Error(`expected ${groups.length} values for ${name}, got ${v.length}`);
        return v;
      }
      if (typeof v !== "number") throw A.argError("OneCycleLR", name, undefined, "a Number or a list of Numbers", v);
      return groups.map(() => v);
    };
    const maxLrs = format("max_lr", maxLr);
    const lastEpoch = base.lastEpoch ?? -1;
    let useBeta1 = false;
    let maxMomentums: number[] = [], baseMomentums: number[] = [];
    if (cycleMomentum) {
      if (!("momentum" in optimizer.defaults) && !("betas" in optimizer.defaults)) {
        throw new Error("optimizer must support momentum with `cycle_momentum` option enabled");
      }
      useBeta1 = "betas" in optimizer.defaults;
      maxMomentums = format("max_momentum", maxMomentum);
      baseMomentums = format("base_momentum", baseMomentum);
    }
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    }
    if (cycleMomentum && lastEpoch === -1) {
      groups.forEach((g, i) => {
        if (useBeta1) g.betas = [maxMomentums[i]!, ...(g.betas as number[]).slice(1)];
        else g.momentum = maxMomentums[i]!;
        g.maxMomentum = maxMomentums[i]!;
        g.baseMomentum = baseMomentums[i]!;
      });
    }
    super(optimizer, base);
    this.totalSteps = total;
    this._schedulePhases = phases;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.annealFunc = annealStrategy === "cos"
      ? (start, end, pct) => end + (start - end) / 2 * (Math.cos(Math.PI * pct) + 1)
      : (start, end, pct) => (end - start) * pct + start;
    this._stateFields = { total_steps: "totalSteps", _schedule_phases: "_schedulePhases", cycle_momentum: "cycleMomentum", use_beta1: "useBeta1" };
    this.initialStep();
  }

  override getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) throw new Error(`Tried to step ${step + 1} times. The specified number of total steps is ${this.totalSteps}`);
    const phases = this._schedulePhases;
    return groupsOf(this).map((g) => {
      let start = 0;
      let lr = NaN, momentum = NaN;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i]!;
        const end = phase.end_step;
        if (step <= end || i === phases.length - 1) {
          if (end - start === 0) throw new Error("float division by zero"); // Python's ZeroDivisionError
          const pct = (step - start) / (end - start);
          lr = this.annealFunc(g[GROUP_FIELD[phase.start_lr]!] as number, g[GROUP_FIELD[phase.end_lr]!] as number, pct);
          if (this.cycleMomentum) momentum = this.annealFunc(g[GROUP_FIELD[phase.start_momentum]!] as number, g[GROUP_FIELD[phase.end_momentum]!] as number, pct);
          break;
        }
        start = phase.end_step;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}
