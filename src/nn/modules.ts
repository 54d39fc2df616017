/**
 * torch.nn modules. A Module's parameters and submodules are its own enumerable
 * properties, found in assignment order (PyTorch's `__setattr__` registration):
 * a leaf Tensor that requires grad is a parameter, a Module is a submodule. A
 * (non-empty) array of Modules counts as a `ModuleList` and a (non-empty) plain
 * object whose values are all Modules as a `ModuleDict`: each is a child module
 * of that name (`layers`, `d`) whose children are the entries (`layers.0`, `d.b`),
 * so parameter names, `stateDict` keys, `train`/`eval`, `namedModules` and printing
 * are what PyTorch gives for `nn.ModuleList` / `nn.ModuleDict` (the container
 * module is made once per array or object, and reads it live). Names follow
 * PyTorch's: `fc1.weight`, `0.bias`, `d.b.weight`.
 */
import * as A from "../argcheck.js";
import { noGrad } from "../autograd/grad_mode.js";
import { isAsyncFunction, isThenable, refusePromise, syncOnlyError } from "../callbacks.js";
import { checkInt, checkOptions, kindOf, show } from "../argcheck.js";
import { isDType, typedArrayFor, type DType } from "../dtype.js";
import { rand } from "../creation.js";
import { Tensor } from "../tensor.js";
import { allocTensor } from "../ops/core.js";
import * as F from "./functional.js";
import type { Reduction } from "./functional.js";

/**
 * A tensor in the form `tensor.toJSON()` gives (`{ shape, dtype, data }`), which {@link
 * Module.loadStateDict} accepts in place of a Tensor; `null` in `data` stands for NaN (what
 * `JSON.stringify` writes for it).
 */
export interface TensorJSON {
  /** The tensor's shape. */
  shape: number[];
  /**
   * `"float32"`, `"float64"`, `"int32"` or `"bool"`; when missing or unknown, the dtype of the
   * tensor it is loaded into.
   */
  dtype?: string;
  /** The elements in row-major order. */
  data: (number | boolean | null)[];
}
/**
 * What {@link Module.stateDict} returns: one tensor per parameter and buffer, under PyTorch's
 * dotted names (`fc1.weight`, `0.bias`).
 */
export type StateDict = Record<string, Tensor>;
/**
 * What {@link Module.loadStateDict} accepts: a {@link StateDict}, or its JSON round trip
 * (`JSON.parse(JSON.stringify(sd))`).
 */
export type StateDictInput = Record<string, Tensor | TensorJSON>;

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

function sizeStr(shape: readonly number[]): string {
  return `torch.Size([${shape.join(", ")}])`;
}

function isTensorJSON(v: unknown): v is TensorJSON {
  return v !== null && typeof v === "object" && Array.isArray((v as TensorJSON).shape) && Array.isArray((v as TensorJSON).data);
}

/** A state_dict entry that is not a tensor, as PyTorch names it (`<class 'str'>`); an object that
 *  looks like a tensor's JSON but is not one says which part is wrong. */
function describeEntry(v: unknown): string {
  const kind = `<class '${kindOf(v)}'>`;
  if (v === null || typeof v !== "object" || !("shape" in v) || !("data" in v)) return kind;
  const { shape, data } = v as { shape: unknown; data: unknown };
  return `${kind} with shape ${Array.isArray(shape) ? "a list" : kindOf(shape)} and data ${Array.isArray(data) ? "a list" : kindOf(data)} (both must be arrays)`;
}

/**
 * Base class of neural network modules (PyTorch's `torch.nn.Module`).
 *
 * A subclass assigns its parameters and submodules to its own properties in the constructor and
 * defines `forward`. A property holding a leaf tensor that requires grad is a parameter; one
 * holding a Module is a submodule; a non-empty array of modules counts as a {@link ModuleList}, and
 * a plain object whose values are all modules as a {@link ModuleDict}. They are found in assignment
 * order and named as PyTorch names them (`fc1.weight`, `layers.0.bias`). Run a module with
 * `call(...)`.
 * @example
 * ```ts
 * class Net extends torch.nn.Module {
 *   fc1 = new torch.nn.Linear(4, 8);
 *   fc2 = new torch.nn.Linear(8, 1);
 *   override forward(x: torch.Tensor) { return this.fc2.call(this.fc1.call(x).relu()); }
 * }
 * const net = new Net();
 * net.namedParameters().map(([name]) => name); // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
 * ```
 */
export class Module {
  /** Whether the module is in training mode (set by `train()` and `eval()`; default true). */
  training = true;

  /** @internal Keys once found holding a parameter (so a frozen parameter stays one) and registered buffers. */
  declare private readonly _paramKeys: Set<string>;
  /** @internal */
  declare private readonly _bufferKeys: Set<string>;

  /** A module with no parameters yet: subclasses call `super()` and then assign their members. */
  constructor() {
    Object.defineProperty(this, "_paramKeys", { value: new Set<string>(), enumerable: false });
    Object.defineProperty(this, "_bufferKeys", { value: new Set<string>(), enumerable: false });
  }

  /**
   * The computation the module performs; override it in subclasses. Call the module with {@link
   * Module.call} rather than `forward` directly.
   *
   * @throws `Module [Name] is missing the required "forward" function` when not overridden.
   */
  forward(..._args: any[]): any {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /**
   * Run `forward` with these arguments and return its result (PyTorch's `module(...)`).
   *
   * @throws `TypeError` when `forward` is async or returns a Promise: as in PyTorch, a module's
   *   forward is synchronous (autograd uses its result at once, with the grad mode then on).
   */
  call(...args: Parameters<this["forward"]>): ReturnType<this["forward"]> {
    const forward = this.forward as (...a: unknown[]) => ReturnType<this["forward"]>;
    if (isAsyncFunction(forward)) throw syncOnlyError(`${this.constructor.name}.call()`, "forward", "async", "graph");
    const out = forward.apply(this, args);
    return isThenable(out) ? refusePromise(`${this.constructor.name}.call()`, "forward", out, "graph") : out;
  }

  // ---- registration -------------------------------------------------------------------------

  /**
   * Add (or replace) a parameter under `name` (PyTorch's `register_parameter`). `null` keeps the
   * slot empty, as for `bias=False`; a tensor registered this way stays a parameter even when it
   * stops requiring grad.
   *
   * @throws For a name that is empty or contains `.`, a value that is not a Tensor or `null`, or a
   *   non-leaf tensor.
   */
  registerParameter(name: string, param: Tensor | null): void {
    if (typeof name !== "string") throw new TypeError(`parameter name should be a string. Got ${A.kindOf(name)}`);
    if (name.includes(".")) throw new Error('parameter name can\'t contain "."');
    if (name === "") throw new Error('parameter name can\'t be empty string ""');
    if (param !== null && !(param instanceof Tensor)) throw new TypeError(`cannot assign '${A.kindOf(param)}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    if (param !== null && !param.isLeaf) {
      throw new Error(`Cannot assign non-leaf Tensor to parameter '${name}'. Model parameters must be created explicitly.`);
    }
    (this as Record<string, unknown>)[name] = param;
    this._paramKeys.add(name);
  }

  /**
   * Add a buffer under `name`: a tensor saved in `stateDict` and moved by `loadStateDict` that is
   * not a parameter (PyTorch's `register_buffer`), such as running statistics.
   *
   * @throws For a name that is empty or contains `.`, or a value that is not a Tensor or `null`.
   */
  registerBuffer(name: string, tensor: Tensor | null): void {
    if (typeof name !== "string") throw new TypeError(`buffer name should be a string. Got ${A.kindOf(name)}`);
    if (name.includes(".")) throw new Error('buffer name can\'t contain "."');
    if (name === "") throw new Error('buffer name can\'t be empty string ""');
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`cannot assign '${A.kindOf(tensor)}' object to buffer '${name}' (torch Tensor or None required)`);
    (this as Record<string, unknown>)[name] = tensor;
    this._bufferKeys.add(name);
  }

  /**
   * Add (or replace) a submodule under `name` (PyTorch's `add_module`); same as assigning the
   * property.
   *
   * @throws For a name that is empty or contains `.`, or a value that is not a Module or `null`.
   */
  addModule(name: string, module: Module | null): void {
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${A.kindOf(module)} is not a Module subclass`);
    if (typeof name !== "string") throw new TypeError(`module name should be a string. Got ${A.kindOf(name)}`);
    checkModuleName(name);
    (this as Record<string, unknown>)[name] = module;
  }

  /** @internal The `[name, value]` pairs registration looks at: own enumerable properties. */
  _entries(): [string, unknown][] {
    return Object.entries(this);
  }

  /** @internal This module's own parameters, buffers and children, in property order. */
  _own(): { params: [string, Tensor][]; buffers: [string, Tensor][]; children: [string, Module][] } {
    const params: [string, Tensor][] = [];
    const buffers: [string, Tensor][] = [];
    const children: [string, Module][] = [];
    for (const [key, v] of this._entries()) {
      if (v instanceof Module) children.push([key, v]);
      else if (v instanceof Tensor) {
        if (v.isDisposed) continue;
        if (this._bufferKeys.has(key)) buffers.push([key, v]);
        else if (this._paramKeys.has(key) || (v.isLeaf && v.requiresGrad)) {
          this._paramKeys.add(key);
          params.push([key, v]);
        }
      } else if (v !== null && typeof v === "object") {
        const container = containerOf(v);
        if (container !== null) children.push([key, container]);
      }
    }
    return { params, buffers, children };
  }

  // ---- traversal ----------------------------------------------------------------------------

  /** `[name, module]` for each direct submodule, each module once (PyTorch's `named_children`). */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return this._own().children.filter(([, m]) => (seen.has(m) ? false : (seen.add(m), true)));
  }

  /** The direct submodules, each once. */
  children(): Module[] { return this.namedChildren().map(([, m]) => m); }

  /**
   * `[name, module]` for every module in the tree, this one first (named `prefix`, default `""`),
   * each once (PyTorch's `named_modules`).
   */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [];
    const memo = new Set<Module>();
    const walk = (m: Module, p: string) => {
      if (memo.has(m)) return;
      memo.add(m);
      out.push([p, m]);
      for (const [name, c] of m._own().children) walk(c, p === "" ? name : `${p}.${name}`);
    };
    walk(this, prefix);
    return out;
  }

  /** Every module in the tree, this one first, each once. */
  modules(): Module[] { return this.namedModules().map(([, m]) => m); }

  /**
   * `[name, tensor]` for each parameter, each tensor once (a shared one under its first name)
   * (PyTorch's `named_parameters`).
   *
   * @param opts - `prefix`: prepended to every name; `recurse`: include submodules' parameters
   *   (default true).
   */
  namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    A.checkOptions("named_parameters", opts, { prefix: "string", recurse: "bool" });
    return this._namedMembers((m) => m._own().params, opts.prefix ?? "", opts.recurse ?? true);
  }

  /**
   * The parameters of this module and (by default) its submodules, each once: what an optimizer
   * takes.
   */
  parameters(opts: { recurse?: boolean } = {}): Tensor[] {
    A.checkOptions("parameters", opts, { recurse: "bool" });
    return this.namedParameters(opts).map(([, p]) => p);
  }

  /**
   * `[name, tensor]` for each buffer, each tensor once (PyTorch's `named_buffers`); options as
   * {@link Module.namedParameters}.
   */
  namedBuffers(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    A.checkOptions("named_buffers", opts, { prefix: "string", recurse: "bool" });
    return this._namedMembers((m) => m._own().buffers, opts.prefix ?? "", opts.recurse ?? true);
  }

  /** The buffers of this module and (by default) its submodules, each once. */
  buffers(opts: { recurse?: boolean } = {}): Tensor[] {
    A.checkOptions("buffers", opts, { recurse: "bool" });
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  /** @internal */
  private _namedMembers(get: (m: Module) => [string, Tensor][], prefix: string, recurse: boolean): [string, Tensor][] {
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const memo = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [p, m] of mods) {
      for (const [k, t] of get(m)) {
        if (memo.has(t)) continue;
        memo.add(t);
        out.push([p === "" ? k : `${p}.${k}`, t]);
      }
    }
    return out;
  }

  /**
   * Call `fn` on every submodule (children first, recursively) and then on this module; returns
   * this module.
   */
  apply(fn: (m: Module) => void): this {
    A.checkFunction("apply", "fn", 1, fn);
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ------------------------------------------------------------------

  /** Set training mode on this module and all submodules (`mode` default true); returns this module. */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new Error("training mode is expected to be boolean"); // PyTorch's ValueError
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }

  /** `train(false)`: evaluation mode. Returns this module. */
  eval(): this { return this.train(false); }

  /**
   * Set `requiresGrad` on every parameter (default true); returns this module. Use
   * `requiresGrad_(false)` to freeze a module.
   */
  requiresGrad_(flag = true): this {
    A.checkBool("requires_grad_", "requires_grad", 1, flag);
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /**
   * Reset the gradients of all parameters: to `null` (default, PyTorch's `set_to_none=True`), or
   * with `{ setToNone: false }` to zeros in place.
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    A.checkOptions("zero_grad", opts, { setToNone: "bool" });
    zeroGrads(this.parameters(), opts.setToNone ?? true);
  }

  // ---- state dict ---------------------------------------------------------------------------

  /**
   * `{ name: tensor }` for every parameter and buffer (PyTorch's `state_dict`): detached tensors
   * sharing storage with the module's. `JSON.stringify` gives a portable copy.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const walk = (m: Module, prefix: string) => {
      const own = m._own();
      for (const [k, t] of own.params) out[prefix + k] = t.detach();
      for (const [k, t] of own.buffers) out[prefix + k] = t.detach();
      for (const [k, c] of own.children) walk(c, `${prefix}${k}.`);
    };
    walk(this, "");
    return out;
  }

  /**
   * Copy values into the existing parameters and buffers, in place and without recording (PyTorch's
   * `load_state_dict`). Nothing is copied when it throws.
   *
   * @param stateDict - What {@link Module.stateDict} returns, or its JSON round trip.
   * @param strictOrOpts - `true` (default) or `{ strict: true }`: keys missing from `stateDict` and
   *   unexpected keys are errors; with `false` they are reported in the result.
   * @returns `{ missingKeys, unexpectedKeys }`.
   * @throws PyTorch's `Error(s) in loading state_dict for Name: ...` for missing or unexpected keys
   *   (when strict), size mismatches, or entries that are not tensors; `TypeError` when `stateDict`
   *   is not an object.
   * @example
   * ```ts
   * const saved = JSON.stringify(model.stateDict());
   * model.loadStateDict(JSON.parse(saved));
   * ```
   */
  loadStateDict(stateDict: StateDictInput, strictOrOpts: boolean | { strict?: boolean } = true): {
    /** Names of parameters and buffers that `stateDict` has no entry for. */
    missingKeys: string[];
    /** Keys of `stateDict` that name no parameter or buffer of this module. */
    unexpectedKeys: string[];
  } {
    if (stateDict === null || typeof stateDict !== "object" || Array.isArray(stateDict)) {
      throw new TypeError(`Expected state_dict to be dict-like, got ${stateDict === null ? "null" : Array.isArray(stateDict) ? "array" : typeof stateDict}.`);
    }
    if (typeof strictOrOpts !== "boolean") A.checkOptions("load_state_dict", strictOrOpts, { strict: "bool" });
    const strict = typeof strictOrOpts === "boolean" ? strictOrOpts : (strictOrOpts.strict ?? true);
    // PyTorch's load(): module by module (no de-duplication, as stateDict), each taking its own
    // parameters and buffers and listing the keys under its prefix whose next name is none of
    // its parameters, buffers or children as unexpected
    const keys = Object.keys(stateDict);
    const targets: [string, Tensor][] = [];
    const unexpectedKeys: string[] = [];
    const walk = (m: Module, prefix: string) => {
      const own = m._own();
      const local = new Set<string>();
      for (const [k, t] of own.params) { targets.push([prefix + k, t]); local.add(k); }
      for (const [k, t] of own.buffers) { targets.push([prefix + k, t]); local.add(k); }
      for (const [k] of own.children) local.add(k);
      for (const key of keys) {
        if (key.startsWith(prefix) && !local.has(key.slice(prefix.length).split(".", 1)[0]!)) unexpectedKeys.push(key);
      }
      for (const [k, c] of own.children) walk(c, `${prefix}${k}.`);
    };
    walk(this, "");
    const missingKeys: string[] = [];
    const errors: string[] = [];
    const copies: [Tensor, Tensor | TensorJSON][] = [];
    for (const [key, t] of targets) {
      if (!Object.prototype.hasOwnProperty.call(stateDict, key)) { missingKeys.push(key); continue; }
      const v = stateDict[key];
      if (!(v instanceof Tensor) && !isTensorJSON(v)) {
        errors.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${describeEntry(v)}`);
        continue;
      }
      if (!(v instanceof Tensor) && !v.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        errors.push(`While copying the parameter named "${key}": its shape must be an array of non-negative integers, got [${v.shape.map(show).join(", ")}]`);
        continue;
      }
      const shape = v.shape;
      if (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])) {
        errors.push(`size mismatch for ${key}: copying a param with shape ${sizeStr(shape)} from checkpoint, the shape in current model is ${sizeStr(t.shape)}.`);
        continue;
      }
      if (!(v instanceof Tensor)) {
        const n = shape.reduce((a, b) => a * b, 1);
        if (v.data.length !== n) {
          errors.push(`While copying the parameter named "${key}": its data has ${v.data.length} elements but its shape ${sizeStr(shape)} needs ${n}`);
          continue;
        }
        // a string (or anything else) in data would be stored as NaN without a word
        const bad = v.data.findIndex((x) => x !== null && typeof x !== "number" && typeof x !== "boolean");
        if (bad >= 0) {
          errors.push(`While copying the parameter named "${key}": its data must hold numbers, booleans or null, but element ${bad} is ${kindOf(v.data[bad])} ${show(v.data[bad])}`);
          continue;
        }
      }
      copies.push([t, v]);
    }
    if (strict) {
      if (unexpectedKeys.length > 0) errors.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}. `);
      if (missingKeys.length > 0) errors.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}. `);
    }
    if (errors.length > 0) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join("\n\t")}`);
    }
    noGrad(() => {
      for (const [t, v] of copies) {
        if (v instanceof Tensor) { t.copy_(v); continue; }
        const dtype: DType = isDType(v.dtype) ? v.dtype : t.dtype;
        const data = typedArrayFor(dtype, v.data.length);
        for (let i = 0; i < v.data.length; i++) {
          const x = v.data[i] as number | boolean | null; // i < length
          data[i] = x === null ? NaN : typeof x === "boolean" ? (x ? 1 : 0) : x;
        }
        const be = t._storage.backend;
        const src = allocTensor(be, dtype, v.shape.slice());
        if (data.length > 0) be.write(src._storage.handle, dtype, data, 0);
        try { t.copy_(src); } finally { src.dispose(); }
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- printing -----------------------------------------------------------------------------

  /**
   * Extra text inside the parentheses of this module's `toString()` (PyTorch's `extra_repr`);
   * override to describe a module's settings.
   */
  extraRepr(): string { return ""; }

  /**
   * How PyTorch prints the module: its class name with `extraRepr()` in parentheses, e.g.
   * `Linear(in_features=3, out_features=8, bias=True)`, and each submodule on an indented line
   * of its own, `(0): ...`.
   */
  toString(): string {
    const children = this._own().children;
    const name = this.constructor.name;
    const extra = this.extraRepr();
    if (children.length === 0) return `${name}(${extra})`;
    const lines: string[] = [];
    if (extra !== "") lines.push(...extra.split("\n"));
    for (const [k, c] of children) {
      const s = String(c).split("\n").join("\n  ");
      lines.push(`(${k}): ${s}`);
    }
    return `${name}(\n  ${lines.join("\n  ")}\n)`;
  }

  /** @internal What Node's `util.inspect` (and so `console.log`) prints: `toString()`. */
  [inspectSymbol](): string { return this.toString(); }
}

/** Shared by Module.zeroGrad and Optimizer.zeroGrad. */
export function zeroGrads(params: Iterable<Tensor>, setToNone: boolean): void {
  for (const p of params) {
    const g = p._liveGrad(); // internal read: zeroing does not hand the grad out
    if (g === null) continue;
    if (setToNone) { p.grad = null; continue; }
    if (g.gradFn !== null) g.detach_();
    else if (g.requiresGrad) g.requiresGrad_(false);
    noGrad(() => g.zero_());
  }
}

/** PyTorch's add_module name checks. */
function checkModuleName(name: string): void {
  if (typeof name !== "string") throw new TypeError(`module name should be a string. Got ${typeof name}`);
  if (name.includes(".")) throw new Error(`module name can't contain ".", got: ${name}`);
  if (name === "") throw new Error('module name can\'t be empty string ""');
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The ModuleList / ModuleDict standing for an array / plain object of modules held in a
 *  property (one per array or object, reading it live), or null when it is neither. */
const containers = new WeakMap<object, Module>();
function containerOf(v: object): Module | null {
  let list: Module[] | null = null, dict: Record<string, Module> | null = null;
  if (Array.isArray(v)) {
    if (v.length === 0 || !v.every((m) => m instanceof Module)) return null;
    list = v as Module[];
  } else if (isPlainObject(v)) {
    const values = Object.values(v);
    if (values.length === 0 || !values.every((m) => m instanceof Module)) return null;
    for (const k of Object.keys(v)) checkModuleName(k);
    dict = v as Record<string, Module>;
  } else {
    return null;
  }
  let c = containers.get(v);
  if (c === undefined) {
    c = list !== null ? new ModuleList() : new ModuleDict();
    Object.defineProperty(c, "_source", { value: list ?? dict, enumerable: false, configurable: true });
    containers.set(v, c);
  }
  return c;
}

/** U(-bound, bound) of `shape`, made with torch's `rand` (so `manualSeed` fixes it), as a parameter. */
export function uniformParam(shape: number[], bound: number, dtype: DType): Tensor {
  const u = rand(shape, { dtype });
  const p = noGrad(() => {
    const scaled = u.mul(2 * bound);
    const r = scaled.sub(bound);
    scaled.dispose();
    return r;
  });
  u.dispose();
  return p.requiresGrad_(true);
}

// ---- layers -----------------------------------------------------------------------------------

/**
 * A fully connected layer, `y = x @ weight.T + bias` (PyTorch's `nn.Linear`). `weight` has shape
 * `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, both drawn from U(-1/√inFeatures,
 * 1/√inFeatures) as PyTorch's default initialisation.
 * @example
 * ```ts
 * const fc = new torch.nn.Linear(3, 2);
 * fc.call(torch.randn(5, 3)).shape; // [5, 2]
 * ```
 */
export class Linear extends Module {
  /** The size of each input's last dimension. */
  readonly inFeatures: number;
  /** The size of each output's last dimension. */
  readonly outFeatures: number;
  /** The weights, `[outFeatures, inFeatures]`. */
  weight: Tensor;
  /** The bias, `[outFeatures]`, or `null` when made with `{ bias: false }`. */
  bias: Tensor | null;

  /**
   * @param inFeatures - The size of each input's last dimension.
   * @param outFeatures - The size of each output's last dimension.
   * @param opts - `bias`: add a learned bias (default true); `dtype`: of the parameters (default
   *   float32).
   * @throws `TypeError` for a size that is not an integer (`Linear(): argument 'inFeatures'
   *   (position 1) must be int, not str`) or a bad option; PyTorch's `Trying to create tensor with
   *   negative dimension -1: [2, -1]` for a negative size.
   */
  constructor(inFeatures: number, outFeatures: number, opts: { bias?: boolean; dtype?: DType } = {}) {
    super();
    checkInt("Linear", "inFeatures", 1, inFeatures);
    checkInt("Linear", "outFeatures", 2, outFeatures);
    checkOptions("Linear", opts, { bias: "bool", dtype: "dtype" });
    const negative = [outFeatures, inFeatures].find((n) => n < 0);
    if (negative !== undefined) {
      throw new Error(`Trying to create tensor with negative dimension ${negative}: [${outFeatures}, ${inFeatures}]`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const dtype = opts.dtype ?? "float32";
    // kaiming_uniform_(a=sqrt(5)) on [out, in] has bound sqrt(6 / ((1 + 5) * in)) = 1/sqrt(in)
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.weight = uniformParam([outFeatures, inFeatures], bound, dtype);
    this.bias = opts.bias === false ? null : uniformParam([outFeatures], bound, dtype);
    this.registerParameter("weight", this.weight);
    this.registerParameter("bias", this.bias);
  }

  /** `input @ weight.T + bias` over the last dimension of `input` (any leading dimensions). */
  override forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  /** `in_features=3, out_features=2, bias=True`. */
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? "True" : "False"}`;
  }
}

/** `max(x, 0)` elementwise, as a module (PyTorch's `nn.ReLU`). */
export class ReLU extends Module {
  /** `input.relu()`. */
  override forward(input: Tensor): Tensor { return input.relu(); }
}

/** The hyperbolic tangent, as a module (PyTorch's `nn.Tanh`). */
export class Tanh extends Module {
  /** `input.tanh()`. */
  override forward(input: Tensor): Tensor { return input.tanh(); }
}

/** The logistic sigmoid, as a module (PyTorch's `nn.Sigmoid`). */
export class Sigmoid extends Module {
  /** `input.sigmoid()`. */
  override forward(input: Tensor): Tensor { return input.sigmoid(); }
}

/** The module at `i` of a Sequential or ModuleList (negative counts from the end). */
function moduleAt(list: Module[], i: number): Module {
  const m = list[i < 0 ? i + list.length : i];
  if (m === undefined) throw new Error(`index ${i} is out of range`);
  return m;
}

/**
 * Modules run in order, each on the previous one's output (PyTorch's `nn.Sequential`). They are
 * named `0`, `1`, ...; index them with `at(i)` or `seq[i]`, iterate with `for...of`.
 * @example
 * ```ts
 * const model = new torch.nn.Sequential(new torch.nn.Linear(3, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 1));
 * model.call(torch.randn(4, 3)).shape; // [4, 1]
 * ```
 */
export class Sequential extends Module {
  /** The module at position `index`. */
  readonly [index: number]: Module;

  /**
   * @param modules - The modules, as separate arguments or one array.
   * @throws `TypeError` for an argument that is not a Module.
   */
  constructor(...modules: (Module | Module[])[]) {
    super();
    const list = modules.length === 1 && Array.isArray(modules[0]) ? modules[0] : (modules as Module[]);
    list.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      this.addModule(String(i), m);
    });
  }

  /** The number of modules. */
  get length(): number { return this._modulesList().length; }

  /** The module at position `i` (negative counts from the end). Throws `index i is out of range`. */
  at(i: number): Module { return moduleAt(this._modulesList(), i); }

  /** Iterates over the modules in order. */
  [Symbol.iterator](): Iterator<Module> { return this._modulesList()[Symbol.iterator](); }

  /** Add a module at the end (named by its position); returns this Sequential. */
  append(m: Module): this {
    this.addModule(String(this.length), m);
    return this;
  }

  /** @internal */
  private _modulesList(): Module[] {
    const out: Module[] = [];
    for (let i = 0; (this as Record<string, unknown>)[String(i)] instanceof Module; i++) out.push(this[i]!);
    return out;
  }

  /** Run each module on the previous one's output, starting with `input`. */
  override forward(input: any): any {
    let x = input;
    for (const m of this._modulesList()) x = m.call(x);
    return x;
  }
}

/**
 * Modules held in a list, named `0`, `1`, ... (PyTorch's `nn.ModuleList`); it has no `forward`. A
 * property holding a non-empty array of modules is registered as one of these automatically, over
 * that array.
 */
export class ModuleList extends Module {
  /** The module at position `index`. */
  readonly [index: number]: Module;
  /** @internal The array this list reads (a property's array of modules), or none: own properties. */
  declare readonly _source?: Module[];

  /** @param modules - The initial modules (default none). */
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  /** @internal */
  override _entries(): [string, unknown][] {
    return this._source !== undefined ? this._source.map((m, i) => [String(i), m]) : super._entries();
  }

  /** The number of modules. */
  get length(): number { return this._list().length; }

  /** The module at position `i` (negative counts from the end). Throws `index i is out of range`. */
  at(i: number): Module { return moduleAt(this._list(), i); }

  /** Iterates over the modules in order. */
  [Symbol.iterator](): Iterator<Module> { return this._list()[Symbol.iterator](); }

  /** Add a module at the end; returns this list. */
  append(module: Module): this {
    if (this._source !== undefined) {
      if (!(module instanceof Module)) throw new TypeError(`${typeof module} is not a Module subclass`);
      this._source.push(module);
    } else {
      this.addModule(String(this.length), module);
    }
    return this;
  }

  /**
   * Add each module of an iterable at the end; returns this list.
   *
   * @throws `TypeError` when `modules` is not iterable.
   */
  extend(modules: Iterable<Module>): this {
    if (modules === null || typeof (modules as Iterable<Module>)[Symbol.iterator] !== "function") {
      throw new TypeError(`ModuleList.extend should be called with an iterable, but got ${modules === null ? "null" : typeof modules}`);
    }
    for (const m of Array.from(modules)) this.append(m);
    return this;
  }

  /**
   * Insert `module` before position `index` (negative counts from the end; PyTorch's `insert`);
   * returns this list.
   */
  insert(index: number, module: Module): this {
    const list = this._list();
    const n = list.length;
    const at = Math.max(0, Math.min(n, index < 0 ? index + n : index));
    if (this._source !== undefined) {
      if (!(module instanceof Module)) throw new TypeError(`${typeof module} is not a Module subclass`);
      this._source.splice(at, 0, module);
      return this;
    }
    for (let i = n; i > at; i--) this.addModule(String(i), list[i - 1]!);
    this.addModule(String(at), module);
    return this;
  }

  /** @internal */
  private _list(): Module[] {
    return this._own().children.map(([, m]) => m);
  }
}

/**
 * Modules held by name, in insertion order (PyTorch's `nn.ModuleDict`); it has no `forward`. A
 * property holding a plain object whose values are all modules is registered as one of these
 * automatically, over that object.
 */
export class ModuleDict extends Module {
  /** @internal Where the entries live: a Map (in insertion order, as PyTorch's dict), or the
   *  plain object of modules a property holds. */
  declare readonly _source: Map<string, Module> | Record<string, Module>;

  /** @param modules - Initial entries: an object, or `[key, module]` pairs. */
  constructor(modules?: Record<string, Module> | Iterable<readonly [string, Module]>) {
    super();
    Object.defineProperty(this, "_source", { value: new Map<string, Module>(), enumerable: false, configurable: true });
    if (modules !== undefined && modules !== null) this.update(modules);
  }

  /** @internal */
  override _entries(): [string, unknown][] {
    const src = this._source;
    return src instanceof Map ? [...super._entries(), ...src] : Object.entries(src);
  }

  /** The number of entries. */
  get length(): number { return this.keys().length; }

  /** The module under `key`, or `undefined`. */
  get(key: string): Module | undefined {
    return this.items().find(([k]) => k === key)?.[1];
  }

  /** Whether there is a module under `key`. */
  has(key: string): boolean { return this.get(key) !== undefined; }

  /**
   * Add or replace the module under `key` (PyTorch's `d[key] = module`); returns this dict.
   *
   * @throws For a value that is not a Module, a key that is empty or contains `.`, or a key that
   *   names an existing property of the dict.
   */
  set(key: string, module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`${module === null ? "null" : typeof module} is not a Module subclass`);
    checkModuleName(key);
    const src = this._source;
    if (src instanceof Map) {
      if (key in this) throw new Error(`attribute '${key}' already exists`);
      src.set(key, module);
    } else {
      src[key] = module;
    }
    return this;
  }

  /**
   * Remove the module under `key` and return it (PyTorch's `pop`). Throws `KeyError: 'key'` when
   * there is none.
   */
  pop(key: string): Module {
    const m = this.get(key);
    if (m === undefined) throw new Error(`KeyError: '${key}'`);
    const src = this._source;
    if (src instanceof Map) src.delete(key);
    else delete src[key];
    return m;
  }

  /** Remove every entry. */
  clear(): void {
    for (const k of this.keys()) this.pop(k);
  }

  /** The keys, in insertion order. */
  keys(): string[] { return this.items().map(([k]) => k); }
  /** The modules, in insertion order. */
  values(): Module[] { return this.items().map(([, m]) => m); }
  /** `[key, module]` pairs, in insertion order. */
  items(): [string, Module][] { return this._own().children; }

  /** Iterates over the keys, as a Python dict does. */
  [Symbol.iterator](): Iterator<string> { return this.keys()[Symbol.iterator](); }

  /** Add entries from an object or from `[key, module]` pairs; returns this dict. */
  update(modules: Record<string, Module> | Iterable<readonly [string, Module]>): this {
    if (modules === null || typeof modules !== "object") {
      throw new TypeError(`ModuleDict.update should be called with an iterable of key/value pairs, but got ${modules === null ? "null" : typeof modules}`);
    }
    const entries: (readonly [string, Module])[] = typeof (modules as Iterable<unknown>)[Symbol.iterator] === "function"
      ? Array.from(modules as Iterable<readonly [string, Module]>)
      : Object.entries(modules as Record<string, Module>);
    entries.forEach((e, i) => {
      if (!Array.isArray(e)) throw new TypeError(`ModuleDict update sequence element #${i} should be Iterable; is ${typeof e}`);
      if (e.length !== 2) throw new Error(`ModuleDict update sequence element #${i} has length ${e.length}; 2 is required`);
      this.set(e[0], e[1]);
    });
    return this;
  }
}

// ---- losses -----------------------------------------------------------------------------------

/**
 * Mean squared error between input and target, as a module (PyTorch's `nn.MSELoss`); see {@link
 * functional.mseLoss}.
 * @example
 * ```ts
 * const loss = new torch.nn.MSELoss().call(prediction, target);
 * ```
 */
export class MSELoss extends Module {
  /** How the elementwise losses are combined: `"mean"` (default), `"sum"` or `"none"`. */
  reduction: Reduction;
  /** @param opts - `reduction` (default `"mean"`). */
  constructor(opts: { reduction?: Reduction } = {}) {
    A.checkOptions("MSELoss", opts, { reduction: "any" });
    super();
    this.reduction = opts.reduction ?? "mean";
  }
  /** The loss of `input` against `target` (same shape, or broadcastable). */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Cross entropy between logits and class-index targets, as a module (PyTorch's
 * `nn.CrossEntropyLoss`); see {@link functional.crossEntropy}.
 */
export class CrossEntropyLoss extends Module {
  /** How the per-sample losses are combined: `"mean"` (default), `"sum"` or `"none"`. */
  reduction: Reduction;
  /** Targets equal to this contribute nothing and are not counted by `"mean"` (default -100). */
  ignoreIndex: number;
  /** Per-class weights (a 1-D tensor of C entries), or `null`. A buffer: it is in `stateDict`. */
  weight: Tensor | null = null;
  /** The label smoothing in [0, 1] (default 0); see {@link functional.crossEntropy}. */
  labelSmoothing: number;
  /**
   * @param opts - `reduction` (default `"mean"`), `ignoreIndex` (default -100), `weight` (default
   *   none), `labelSmoothing` (default 0).
   */
  constructor(opts: { reduction?: Reduction; ignoreIndex?: number; weight?: Tensor | null; labelSmoothing?: number } = {}) {
    A.checkOptions("CrossEntropyLoss", opts, { reduction: "any", ignoreIndex: "int", weight: "tensor", labelSmoothing: "number" });
    super();
    this.reduction = opts.reduction ?? "mean";
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.labelSmoothing = opts.labelSmoothing ?? 0;
    this.registerBuffer("weight", opts.weight ?? null);
  }
  /**
   * The loss of logits `input` (`[N, C]`, `[C]` or `[N, C, ...]`) against class indices `target`
   * (`[N]`, `[]` or `[N, ...]`; int32, or float holding whole numbers), or class probabilities (a
   * float tensor of the input's shape).
   */
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { reduction: this.reduction, ignoreIndex: this.ignoreIndex, weight: this.weight, labelSmoothing: this.labelSmoothing });
  }
}
