/**
 * torch.optim's Optimizer base: parameter groups, per-parameter state, zeroGrad.
 * As in PyTorch, a subclass checks its constructor options (the defaults) before
 * anything else; the options a param group sets itself are taken as given.
 * Updates run in place on the parameters without recording; temporaries made
 * during a step are freed when it ends, state tensors live with the optimizer
 * (they survive an enclosing `torch.tidy`).
 */
import * as A from "../argcheck.js";
import { dtypeName } from "../dtype.js";
import { enableGrad, noGrad } from "../autograd/grad_mode.js";
import { closeScope, openScope } from "../scopes.js";
import { Tensor } from "../tensor.js";
import { zeroGrads } from "../nn/modules.js";
import { argError, kindOf } from "../argcheck.js";
import { refuseAsync, refusePromise } from "../callbacks.js";

/** A number as Python's `str(float)` shows it in PyTorch's messages (`nan`, `inf`, `1e-05`). */
export function pyNum(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0 || Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const [mant, e] = x.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp >= -4 && exp < 16) return String(x);
  return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/**
 * Marks an option that has no default in {@link Optimizer}'s `defaults` (PyTorch's `required`, as
 * SGD's `lr`): a param group that does not set it is an error.
 */
export const required: unique symbol = Symbol("required");

/**
 * A parameter group as the optimizer keeps it (`optimizer.paramGroups[i]`): its parameters and
 * every option, filled in from the defaults. Changing an option here (e.g. `lr`) takes effect at
 * the next `step()`.
 */
export type ParamGroup<O> = O & {
  /** The group's parameters. */
  params: Tensor[];
};
/**
 * A parameter group as given to an optimizer: `params` plus any options that override the defaults
 * for these parameters (PyTorch's per-parameter options).
 */
export type ParamGroupInput<O> = Partial<O> & {
  /** The group's parameters: a tensor or an iterable of them. */
  params: Iterable<Tensor> | Tensor;
};
/**
 * What an optimizer's constructor takes: an iterable of tensors (`model.parameters()`), or of
 * parameter groups (`[{ params: a }, { params: b, lr: 0.01 }]`).
 */
export type ParamsInput<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** @inline */
type Defaults<O> = { [K in keyof O]: O[K] | typeof required };

/**
 * The kind of value each option takes (see {@link Optimizer}'s constructor): a number, a boolean,
 * or a pair of numbers (Adam's `betas`).
 */
export type OptionKinds<O> = { [K in keyof O]?: "number" | "bool" | "pair" };

/**
 * Throw a `TypeError` naming `site` (a function name, without parentheses) and the option when a
 * value set in `opts` is not of its kind (a string
 * learning rate would otherwise turn the parameters into NaN at the first step). `undefined`
 * stands for "not set".
 */
export function checkOptionKinds(site: string, opts: object, kinds: Readonly<Record<string, "number" | "bool" | "pair" | undefined>>): void {
  for (const [key, kind] of Object.entries(kinds)) {
    const v = (opts as Record<string, unknown>)[key];
    if (v === undefined || kind === undefined) continue;
    if (kind === "number" && typeof v !== "number") throw argError(site, key, undefined, "Number", v);
    if (kind === "bool" && typeof v !== "boolean") throw argError(site, key, undefined, "bool", v);
    if (kind === "pair") {
      if (!Array.isArray(v)) throw argError(site, key, undefined, "a pair of Numbers", v);
      if (v.length !== 2) throw new TypeError(`${site}(): argument '${key}' must be a pair of Numbers, not a list of ${v.length}`);
      v.forEach((x, i) => { if (typeof x !== "number") throw argError(site, `${key}[${i}]`, undefined, "Number", x); });
    }
  }
}


/**
 * Base class of optimizers (PyTorch's `torch.optim.Optimizer`): parameter groups, per-parameter
 * state, `zeroGrad` and `step`.
 *
 * Updates run in place on the parameters without recording. Tensors made during a step are freed
 * when it ends; state tensors live with the optimizer (they survive an enclosing `tidy`). A
 * subclass passes its defaults to the constructor and overrides `updateGroup`.
 */
export class Optimizer<O extends object = Record<string, unknown>> {
  /**
   * The default value of each option (or {@link required}), used for options a param group does not
   * set.
   */
  readonly defaults: Defaults<O>;
  /** The parameter groups, each with every option filled in (PyTorch's `param_groups`). */
  readonly paramGroups: ParamGroup<O>[] = [];
  /**
   * Per-parameter state (momentum buffers, moment estimates, step counts), keyed by the parameter
   * tensor (PyTorch's `state`).
   */
  readonly state = new Map<Tensor, Record<string, any>>();
  /** The kind of each option, checked in every param group. */
  private readonly optionKinds: OptionKinds<O>;

  /**
   * @param params - Tensors (`model.parameters()`) or parameter groups.
   * @param defaults - Each option's default value, or {@link required}.
   * @param kinds - The kind of each option (`"number"`, `"bool"` or `"pair"`): a param group
   *   setting an option to a value of another kind is a `TypeError` naming it.
   * @throws `TypeError` when `params` is a Tensor or not iterable; `optimizer got an empty
   *   parameter list`; and as {@link Optimizer.addParamGroup}.
   */
  constructor(params: ParamsInput<O>, defaults: Defaults<O>, kinds: OptionKinds<O> = {}) {
    if (A.kindOf(defaults) !== "dict") throw A.argError("Optimizer", "defaults", 2, "a dict of option defaults", defaults);
    if (A.kindOf(kinds) !== "dict") throw A.argError("Optimizer", "kinds", 3, "a dict of option kinds", kinds);
    this.defaults = defaults;
    this.optionKinds = kinds;
    if (params instanceof Tensor) {
      throw new TypeError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${dtypeName(params.dtype, "tensor")}`,
      );
    }
    if (params === null || params === undefined || typeof (params as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new TypeError(
        `params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${params === null ? "null" : (params as object)?.constructor?.name ?? typeof params}`,
      );
    }
    const list = Array.from(params as Iterable<Tensor | ParamGroupInput<O>>);
    if (list.length === 0) throw new Error("optimizer got an empty parameter list");
    const groups: ParamGroupInput<O>[] = A.kindOf(list[0]) !== "dict"
      ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>]
      : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /**
   * Add a parameter group (PyTorch's `add_param_group`), e.g. to train layers unfrozen later;
   * options it does not set come from the defaults.
   *
   * @throws For a parameter that is not a Tensor or is a non-leaf, a parameter already in another
   *   group, a missing required option, or an option of the wrong kind (`TypeError`).
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (A.kindOf(group) !== "dict") throw new TypeError(`param group must be a dict, not ${A.kindOf(group)}`);
    checkOptionKinds(`${this.constructor.name}.addParamGroup`, group, this.optionKinds as Record<string, "number" | "bool" | "pair">);
    const raw: unknown = group.params;
    if (!(raw instanceof Tensor) && (raw === null || typeof raw !== "object" || typeof (raw as Iterable<unknown>)[Symbol.iterator] !== "function")) {
      throw new TypeError(`param group's 'params' must be a Tensor or an iterable of Tensors, not ${A.kindOf(raw)}`);
    }
    const params: Tensor[] = raw instanceof Tensor ? [raw] : Array.from(raw as Iterable<Tensor>);
    for (const p of params) {
      if (!(p instanceof Tensor)) {
        throw new TypeError(`optimizer can only optimize Tensors, but one of the params is ${A.kindOf(p)}`);
      }
      if (!p.isLeaf && !p.retainsGrad) throw new Error("can't optimize a non-leaf Tensor");
    }
    const full: Record<string, unknown> = { ...group, params };
    for (const [k, v] of Object.entries(this.defaults)) {
      if (full[k] === undefined) {
        if (v === required) throw new Error(`parameter group didn't specify a value of required optimization parameter ${k}`);
        full[k] = v;
      }
    }
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    if (params.some((p) => seen.has(p))) throw new Error("some parameters appear in more than one parameter group");
    this.paramGroups.push(full as ParamGroup<O>);
  }

  /**
   * Reset the gradients of all parameters: to `null` (default, PyTorch's `set_to_none=True`), or
   * with `{ setToNone: false }` to zeros in place.
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    A.checkOptions("zero_grad", opts, { setToNone: "bool" });
    const setToNone = opts.setToNone ?? true;
    for (const g of this.paramGroups) zeroGrads(g.params, setToNone);
  }

  /**
   * Update the parameters from their `.grad` (parameters without a gradient are skipped).
   *
   * @param closure - Optional: re-evaluates the model and returns the loss; it runs with grad
   *   enabled before the update, and must be synchronous (an async closure, or one returning a
   *   Promise, is a `TypeError` and no parameter changes).
   * @returns The closure's loss, or `undefined` without a closure.
   * @example
   * ```ts
   * opt.zeroGrad();
   * lossFn.call(model.call(x), y).backward();
   * opt.step();
   * ```
   */
  step(closure?: () => Tensor): Tensor | undefined {
    let loss: Tensor | undefined;
    if (closure !== undefined) {
      if (typeof closure !== "function") throw new TypeError(`step(): the closure must be a function, not ${kindOf(closure)}`);
      // refused before any parameter changes (grad mode is restored by enableGrad)
      refuseAsync("step()", "the closure", closure, "gradMode");
      loss = enableGrad(() => refusePromise("step()", "the closure", closure(), "gradMode"));
    }
    noGrad(() => {
      openScope(true);
      try {
        for (const g of this.paramGroups) this.updateGroup(g);
      } finally {
        closeScope(new Set());
      }
    });
    return loss;
  }

  /**
   * Update one group's parameters; subclasses override it. Tensors made here are freed after the
   * step unless marked with {@link Optimizer.keep}.
   */
  protected updateGroup(_group: ParamGroup<O>): void {
    throw new Error(`${this.constructor.name}.step() is not implemented`);
  }

  /** Mark a tensor as optimizer state: it outlives the step and any enclosing `tidy`. Returns it. */
  protected keep(t: Tensor): Tensor {
    t._kept = true;
    return t;
  }

  /** The state record of one parameter, created empty on first use. */
  protected stateOf(p: Tensor): Record<string, any> {
    let s = this.state.get(p);
    if (s === undefined) this.state.set(p, (s = {}));
    return s;
  }

  /** How PyTorch prints an optimizer: its class name and each group's options. */
  toString(): string {
    const lines = [`${this.constructor.name} (`];
    this.paramGroups.forEach((g, i) => {
      lines.push(`Parameter Group ${i}`);
      for (const k of Object.keys(g).sort()) {
        if (k === "params") continue;
        lines.push(`    ${k}: ${JSON.stringify((g as Record<string, unknown>)[k])}`);
      }
    });
    lines.push(")");
    return lines.join("\n");
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}
