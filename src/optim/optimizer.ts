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
import { isDType, isFloating, typedArrayFor, type DType } from "../dtype.js";
import { allocTensor, scalarTensor } from "../ops/core.js";

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

/**
 * A tensor in the form `tensor.toJSON()` gives (`{ shape, dtype, data }`), which
 * {@link Optimizer.loadStateDict} accepts in place of a Tensor (what `JSON.parse(JSON.stringify(sd))`
 * gives back); `null` in `data` stands for NaN.
 */
export interface OptimizerTensorJSON {
  /** The tensor's shape. */
  shape: number[];
  /** `"float32"`, `"float64"`, `"int32"` or `"bool"`; when missing, the parameter's dtype. */
  dtype?: string;
  /** The elements in row-major order. */
  data: (number | boolean | null)[];
}

/**
 * One parameter group of an {@link OptimizerStateDict}: the group's options under PyTorch's names
 * (`lr`, `weight_decay`, `initial_lr`, ...) and `params`.
 */
export interface PackedParamGroup {
  /** An option's value, under PyTorch's name. */
  [option: string]: unknown;
  /** The indices of the group's parameters (positions across all groups, in order). */
  params: number[];
}

/**
 * An optimizer's state as PyTorch's `optimizer.state_dict()` lays it out, under PyTorch's names so
 * that it matches what PyTorch saves: `state` maps a parameter's index (its position across all
 * groups, in order) to its state (`step`, `exp_avg`, `momentum_buffer`, ...), and `param_groups`
 * lists each group's options (`lr`, `weight_decay`, ...) with `params` as those indices.
 */
export interface OptimizerStateDict {
  /** Per-parameter state, keyed by parameter index. */
  state: Record<number, Record<string, unknown>>;
  /** Each group's options under PyTorch's names, and `params`: the indices of its parameters. */
  param_groups: PackedParamGroup[];
}

/**
 * What {@link Optimizer.loadStateDict} accepts: an {@link OptimizerStateDict}, or its JSON round
 * trip (tensors as {@link OptimizerTensorJSON}, keys of `state` as strings).
 */
export type OptimizerStateDictInput = {
  /** Per-parameter state, keyed by parameter index. */
  state: Record<number | string, Record<string, unknown>>;
  /** Each group's options under PyTorch's names, and `params`: the indices of its parameters. */
  param_groups: PackedParamGroup[];
};

/** camelCase -> PyTorch's snake_case (`weightDecay` -> `weight_decay`, `expAvgSq` -> `exp_avg_sq`). */
export function snakeCase(name: string): string {
  return name.replace(/(?<=[a-z0-9])([A-Z])/g, (_, c: string) => `_${c.toLowerCase()}`);
}
/** PyTorch's snake_case -> camelCase (`initial_lr` -> `initialLr`). */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function isTensorJSON(v: unknown): v is OptimizerTensorJSON {
  return v !== null && typeof v === "object" && !(v instanceof Tensor) && Array.isArray((v as OptimizerTensorJSON).shape) && Array.isArray((v as OptimizerTensorJSON).data);
}

/** A copy of a state value (a Tensor or its JSON form) on `like`'s backend; floating values take
 *  `like`'s dtype when `cast` (PyTorch's load_state_dict casts all state but `step`). */
function stateTensor(v: Tensor | OptimizerTensorJSON, like: Tensor, cast: boolean): Tensor {
  const be = like._storage.backend;
  let dtype: DType;
  let t: Tensor;
  if (v instanceof Tensor) {
    dtype = v.dtype;
    t = allocTensor(be, dtype, v.shape.slice());
    noGrad(() => t.copy_(v));
  } else {
    dtype = isDType(v.dtype) ? v.dtype : like.dtype;
    const data = typedArrayFor(dtype, v.data.length);
    for (let i = 0; i < v.data.length; i++) {
      const x = v.data[i];
      data[i] = x === null ? NaN : typeof x === "boolean" ? (x ? 1 : 0) : (x as number);
    }
    t = allocTensor(be, dtype, v.shape.slice());
    if (data.length > 0) be.write(t._storage.handle, dtype, data, 0);
  }
  if (cast && isFloating(like.dtype) && dtype !== like.dtype) {
    const c = t.to(like.dtype);
    t.dispose();
    t = c;
  }
  return t;
}

/** A group's options under PyTorch's names, with PyTorch's implementation flags (not `params`). */
function packOptions(g: Record<string, unknown>, cls: { _pytorchFlags: Readonly<Record<string, unknown>> }): Record<string, unknown> {
  const packed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g)) {
    if (k === "params") continue;
    packed[snakeCase(k)] = Array.isArray(v) ? v.slice() : v;
  }
  for (const [k, v] of Object.entries(cls._pytorchFlags)) if (!(k in packed)) packed[k] = v;
  return packed;
}

/** A value as Python's `repr` spells it in an optimizer's printout. */
function pyRepr(v: unknown): string {
  if (v === true) return "True";
  if (v === false) return "False";
  if (v === null || v === undefined) return "None";
  if (typeof v === "number") return pyNum(v);
  if (typeof v === "string") return `'${v}'`;
  if (Array.isArray(v)) return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(", ")})`;
  return A.show(v);
}

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

  /**
   * PyTorch's options that select an implementation or a device (`foreach`, `capturable`,
   * `differentiable`, `fused`) and do nothing here: `stateDict()` lists them with PyTorch's
   * defaults so that it has PyTorch's keys, and `loadStateDict` ignores them.
   * @internal
   */
  static readonly _pytorchFlags: Readonly<Record<string, unknown>> = {};
  /**
   * Whether PyTorch keeps `state.step` as a tensor (Adam, AdamW, Adagrad) rather than a number
   * (RMSprop); it is a number here, and a scalar float32 tensor in `stateDict()`.
   * @internal
   */
  static readonly _stepIsTensor: boolean = false;

  /**
   * The optimizer's state as PyTorch's `state_dict()`: `{ state, param_groups }` under PyTorch's
   * names (`exp_avg`, `weight_decay`, `initial_lr`), parameters given by index (their position
   * across the groups, in order). The state's tensors are the optimizer's own (not copies, as in
   * PyTorch); `step` is a float32 scalar tensor where PyTorch keeps one (Adam, AdamW, Adagrad).
   * `JSON.stringify` gives a portable copy, which {@link Optimizer.loadStateDict} takes back.
   * @example
   * ```ts
   * const saved = JSON.stringify(opt.stateDict());
   * opt2.loadStateDict(JSON.parse(saved));
   * ```
   */
  stateDict(): OptimizerStateDict {
    const cls = this.constructor as typeof Optimizer;
    const index = new Map<Tensor, number>();
    let start = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const packed = packOptions(g as Record<string, unknown>, cls);
      // PyTorch's pack_group: indices run on across groups; a repeated parameter keeps its first
      g.params.forEach((p, i) => { if (!index.has(p)) index.set(p, start + i); });
      packed.params = g.params.map((p) => index.get(p)!);
      start += g.params.length;
      return packed as PackedParamGroup;
    });
    const state: Record<number, Record<string, unknown>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) {
        packed[snakeCase(k)] = k === "step" && cls._stepIsTensor && typeof v === "number"
          ? scalarTensor(v, "float32", p._storage.backend)
          : v;
      }
      state[i] = packed;
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Load state saved by {@link Optimizer.stateDict} (or by PyTorch, as its `load_state_dict`): the
   * groups' options are replaced by the saved ones (each group keeps its parameters), and the
   * per-parameter state by copies of the saved state, cast to the parameter's dtype (all but
   * `step`). Nothing changes when it throws.
   *
   * @param stateDict - What `stateDict()` returns, or its JSON round trip.
   * @throws PyTorch's `loaded state dict has a different number of parameter groups` and `loaded
   *   state dict contains a parameter group that doesn't match the size of optimizer's group`;
   *   `TypeError` for a state dict that is not laid out as PyTorch's, an option of the wrong kind,
   *   or a state entry that is not a tensor, its JSON form, a number, a boolean or `null`; an
   *   error for a state tensor whose shape is not its parameter's.
   */
  loadStateDict(stateDict: OptimizerStateDictInput): void {
    const site = `${this.constructor.name}.loadStateDict`;
    if (A.kindOf(stateDict) !== "dict") throw A.argError(site, "stateDict", 1, "a dict with 'state' and 'param_groups'", stateDict);
    const savedGroups: unknown = stateDict.param_groups;
    const savedState: unknown = stateDict.state;
    if (!Array.isArray(savedGroups)) throw new TypeError(`${site}(): the state dict's 'param_groups' must be a list, not ${A.kindOf(savedGroups)}`);
    if (A.kindOf(savedState) !== "dict") throw new TypeError(`${site}(): the state dict's 'state' must be a dict, not ${A.kindOf(savedState)}`);
    savedGroups.forEach((g: unknown, i) => {
      if (A.kindOf(g) !== "dict") throw new TypeError(`${site}(): param_groups[${i}] must be a dict, not ${A.kindOf(g)}`);
      const params = (g as { params?: unknown }).params;
      if (!Array.isArray(params) || !params.every((x) => Number.isInteger(x))) {
        throw new TypeError(`${site}(): param_groups[${i}]['params'] must be a list of parameter indices, not ${A.kindOf(params)}`);
      }
    });
    const groups = this.paramGroups;
    if (groups.length !== savedGroups.length) throw new Error("loaded state dict has a different number of parameter groups");
    if (groups.some((g, i) => g.params.length !== (savedGroups[i] as { params: number[] }).params.length)) {
      throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    }
    const cls = this.constructor as typeof Optimizer;
    const idMap = new Map<string, Tensor>();
    savedGroups.forEach((g: { params: number[] }, i) => g.params.forEach((id, j) => idMap.set(String(id), groups[i]!.params[j]!)));

    // new groups: the saved options in camelCase (PyTorch's implementation switches dropped),
    // options the saved group lacks from the defaults
    const newGroups = savedGroups.map((g: Record<string, unknown>, i): ParamGroup<O> => {
      const full: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) {
        if (k === "params" || k in cls._pytorchFlags) continue;
        full[camelCase(k)] = Array.isArray(v) ? v.slice() : v;
      }
      checkOptionKinds(site, full, this.optionKinds as Record<string, "number" | "bool" | "pair">);
      for (const [k, v] of Object.entries(this.defaults)) if (full[k] === undefined && v !== required) full[k] = v;
      full.params = groups[i]!.params;
      return full as ParamGroup<O>;
    });

    // check every state entry before copying any
    const entries: [Tensor, [string, unknown][]][] = [];
    for (const [id, s] of Object.entries(savedState as Record<string, unknown>)) {
      const p = idMap.get(id);
      if (p === undefined) continue; // PyTorch keeps state of unknown keys; nothing here would use it
      if (A.kindOf(s) !== "dict") throw new TypeError(`${site}(): state[${id}] must be a dict, not ${A.kindOf(s)}`);
      const list: [string, unknown][] = [];
      for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
        const what = `state[${id}]['${k}']`;
        if (v instanceof Tensor || isTensorJSON(v)) {
          if (v instanceof Tensor) v._assertLive();
          else {
            if (!v.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new TypeError(`${site}(): ${what}: its shape must be a list of non-negative integers`);
            const n = v.shape.reduce((a, b) => a * b, 1);
            if (v.data.length !== n) throw new Error(`${site}(): ${what}: its data has ${v.data.length} elements but its shape [${v.shape.join(", ")}] needs ${n}`);
            const bad = v.data.findIndex((x) => x !== null && typeof x !== "number" && typeof x !== "boolean");
            if (bad >= 0) throw new TypeError(`${site}(): ${what}: its data must hold numbers, booleans or null, but element ${bad} is ${A.kindOf(v.data[bad])}`);
          }
          const isStep = k === "step";
          if (isStep ? v.shape.length > 1 || v.shape.reduce((a, b) => a * b, 1) !== 1 : v.shape.length !== p.shape.length || v.shape.some((d, j) => d !== p.shape[j])) {
            throw new Error(`${site}(): ${what} has shape [${v.shape.join(", ")}], but its parameter has shape [${p.shape.join(", ")}]${isStep ? " (step is a number or a one-element tensor)" : ""}`);
          }
        } else if (v !== null && typeof v !== "number" && typeof v !== "boolean") {
          throw new TypeError(`${site}(): ${what} must be a Tensor, its JSON form, a number, a boolean or null, not ${A.kindOf(v)}`);
        }
        list.push([k, v]);
      }
      entries.push([p, list]);
    }

    const newState = new Map<Tensor, Record<string, any>>();
    noGrad(() => {
      for (const [p, list] of entries) {
        const s: Record<string, any> = {};
        for (const [k, v] of list) {
          const key = camelCase(k);
          if (k === "step") {
            // kept as a number here (PyTorch: a tensor for Adam, AdamW, Adagrad)
            s[key] = v instanceof Tensor ? Number(v.item()) : isTensorJSON(v) ? Number(v.data[0] ?? NaN) : v;
          } else if (v instanceof Tensor || isTensorJSON(v)) {
            s[key] = this.keep(stateTensor(v, p, true));
          } else {
            s[key] = v;
          }
        }
        newState.set(p, s);
      }
    });
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
    groups.splice(0, groups.length, ...newGroups);
  }

  /**
   * How PyTorch prints an optimizer: its class name and each group's options under PyTorch's
   * names, sorted, with Python's spelling of the values (`True`, `None`, `(0.9, 0.999)`, `1e-08`).
   */
  toString(): string {
    const lines = [`${this.constructor.name} (`];
    this.paramGroups.forEach((g, i) => {
      if (i > 0) lines.push(""); // PyTorch ends each group with a newline and starts the next with one
      lines.push(`Parameter Group ${i}`);
      const packed = packOptions(g as Record<string, unknown>, this.constructor as typeof Optimizer);
      for (const k of Object.keys(packed).sort()) lines.push(`    ${k}: ${pyRepr(packed[k])}`);
    });
    lines.push(")");
    return lines.join("\n");
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }
}
