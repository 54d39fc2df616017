/**
 * torch.nn modules. A Module's parameters and submodules are its own enumerable
 * properties, found in assignment order (PyTorch's `__setattr__` registration):
 * a leaf Tensor that requires grad is a parameter, a Module is a submodule, an
 * array of Modules is a list of submodules (`layers.0`, `layers.1`, ...). Names
 * follow PyTorch's: `fc1.weight`, `0.bias`.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { isDType, typedArrayFor, type DType } from "../dtype.js";
import { rand } from "../creation.js";
import { Tensor } from "../tensor.js";
import { allocTensor } from "../ops/core.js";
import * as F from "./functional.js";
import type { Reduction } from "./functional.js";

/** What `loadStateDict` accepts per key: a Tensor, or a Tensor's `toJSON()` form. */
export interface TensorJSON { shape: number[]; dtype?: string; data: (number | boolean | null)[] }
export type StateDict = Record<string, Tensor>;
export type StateDictInput = Record<string, Tensor | TensorJSON>;

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

function sizeStr(shape: readonly number[]): string {
  return `torch.Size([${shape.join(", ")}])`;
}

function isTensorJSON(v: unknown): v is TensorJSON {
  return v !== null && typeof v === "object" && Array.isArray((v as TensorJSON).shape) && Array.isArray((v as TensorJSON).data);
}

export class Module {
  /** Training mode flag (`train()` / `eval()`). */
  training = true;

  /** Keys once found holding a parameter (so a frozen parameter stays one) and registered buffers. */
  declare private readonly _paramKeys: Set<string>;
  declare private readonly _bufferKeys: Set<string>;

  constructor() {
    Object.defineProperty(this, "_paramKeys", { value: new Set<string>(), enumerable: false });
    Object.defineProperty(this, "_bufferKeys", { value: new Set<string>(), enumerable: false });
  }

  /** Override in subclasses. */
  forward(..._args: any[]): any {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /** Runs `forward` (PyTorch's `module(...)`). */
  call(...args: Parameters<this["forward"]>): ReturnType<this["forward"]> {
    return (this.forward as (...a: unknown[]) => ReturnType<this["forward"]>)(...args);
  }

  // ---- registration -------------------------------------------------------------------------

  /** Add (or replace) a parameter under `name`; `null` keeps the slot empty (like `bias=False`). */
  registerParameter(name: string, param: Tensor | null): void {
    if (name.includes(".")) throw new Error('parameter name can\'t contain "."');
    if (name === "") throw new Error('parameter name can\'t be empty string ""');
    if (param !== null && !(param instanceof Tensor)) throw new TypeError(`cannot assign '${typeof param}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    if (param !== null && !param.isLeaf) {
      throw new Error(`Cannot assign non-leaf Tensor to parameter '${name}'. Model parameters must be created explicitly.`);
    }
    (this as Record<string, unknown>)[name] = param;
    this._paramKeys.add(name);
  }

  /** Add a buffer: a tensor saved in `stateDict` that is not a parameter. */
  registerBuffer(name: string, tensor: Tensor | null): void {
    if (name.includes(".")) throw new Error('buffer name can\'t contain "."');
    if (name === "") throw new Error('buffer name can\'t be empty string ""');
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`cannot assign '${typeof tensor}' object to buffer '${name}' (torch Tensor or None required)`);
    (this as Record<string, unknown>)[name] = tensor;
    this._bufferKeys.add(name);
  }

  addModule(name: string, module: Module | null): void {
    if (module !== null && !(module instanceof Module)) throw new TypeError(`${typeof module} is not a Module subclass`);
    if (name.includes(".")) throw new Error(`module name can't contain ".", got: ${name}`);
    (this as Record<string, unknown>)[name] = module;
  }

  /** This module's own parameters, buffers and children, in property order. */
  private _own(): { params: [string, Tensor][]; buffers: [string, Tensor][]; children: [string, Module][] } {
    const params: [string, Tensor][] = [];
    const buffers: [string, Tensor][] = [];
    const children: [string, Module][] = [];
    for (const [key, v] of Object.entries(this)) {
      if (v instanceof Module) children.push([key, v]);
      else if (v instanceof Tensor) {
        if (v.isDisposed) continue;
        if (this._bufferKeys.has(key)) buffers.push([key, v]);
        else if (this._paramKeys.has(key) || (v.isLeaf && v.requiresGrad)) {
          this._paramKeys.add(key);
          params.push([key, v]);
        }
      } else if (Array.isArray(v) && v.length > 0 && v.every((m) => m instanceof Module)) {
        v.forEach((m: Module, i) => children.push([`${key}.${i}`, m]));
      }
    }
    return { params, buffers, children };
  }

  // ---- traversal ----------------------------------------------------------------------------

  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return this._own().children.filter(([, m]) => (seen.has(m) ? false : (seen.add(m), true)));
  }

  children(): Module[] { return this.namedChildren().map(([, m]) => m); }

  /** Every module in the tree (this one first), each once. */
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

  modules(): Module[] { return this.namedModules().map(([, m]) => m); }

  /** `[name, tensor]` for each parameter, each tensor once (a shared one under its first name). */
  namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    return this._namedMembers((m) => m._own().params, opts.prefix ?? "", opts.recurse ?? true);
  }

  parameters(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }

  namedBuffers(opts: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    return this._namedMembers((m) => m._own().buffers, opts.prefix ?? "", opts.recurse ?? true);
  }

  buffers(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

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

  /** Apply `fn` to every submodule (children first) and then this one. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients ------------------------------------------------------------------

  train(mode = true): this {
    this.training = !!mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }

  eval(): this { return this.train(false); }

  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /** Grads to `null` (default), or with `{ setToNone: false }` filled with zeros in place. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    zeroGrads(this.parameters(), opts.setToNone ?? true);
  }

  // ---- state dict ---------------------------------------------------------------------------

  /** `{ name: tensor }` for every parameter and buffer (detached, sharing storage). */
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
   * Copy values into the existing parameters and buffers (in place, without recording).
   * Takes `stateDict()`'s result or its JSON round trip. Throws PyTorch's
   * `Error(s) in loading state_dict for ...` for missing / unexpected keys (when `strict`)
   * and size mismatches; nothing is copied when it throws.
   */
  loadStateDict(stateDict: StateDictInput, strictOrOpts: boolean | { strict?: boolean } = true): { missingKeys: string[]; unexpectedKeys: string[] } {
    if (stateDict === null || typeof stateDict !== "object" || Array.isArray(stateDict)) {
      throw new TypeError(`Expected state_dict to be dict-like, got ${stateDict === null ? "null" : Array.isArray(stateDict) ? "array" : typeof stateDict}.`);
    }
    const strict = typeof strictOrOpts === "boolean" ? strictOrOpts : (strictOrOpts.strict ?? true);
    const targets: [string, Tensor][] = [];
    const walk = (m: Module, prefix: string) => {
      const own = m._own();
      for (const [k, t] of own.params) targets.push([prefix + k, t]);
      for (const [k, t] of own.buffers) targets.push([prefix + k, t]);
      for (const [k, c] of own.children) walk(c, `${prefix}${k}.`);
    };
    walk(this, "");
    const expected = new Set(targets.map(([k]) => k));
    const missingKeys: string[] = [];
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !expected.has(k));
    const errors: string[] = [];
    const copies: [Tensor, Tensor | TensorJSON][] = [];
    for (const [key, t] of targets) {
      if (!Object.prototype.hasOwnProperty.call(stateDict, key)) { missingKeys.push(key); continue; }
      const v = stateDict[key];
      if (!(v instanceof Tensor) && !isTensorJSON(v)) {
        errors.push(`While copying the parameter named "${key}", expected torch.Tensor or Tensor-like object from checkpoint but received ${v === null ? "null" : typeof v}`);
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
          const x = v.data[i];
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

  /** Extra text inside the parentheses of this module's repr (PyTorch's `extra_repr`). */
  extraRepr(): string { return ""; }

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

  [inspectSymbol](): string { return this.toString(); }
}

/** Shared by Module.zeroGrad and Optimizer.zeroGrad. */
export function zeroGrads(params: Iterable<Tensor>, setToNone: boolean): void {
  for (const p of params) {
    const g = p._grad; // internal read: zeroing does not hand the grad out
    if (g === null) continue;
    if (setToNone) { p.grad = null; continue; }
    if (g.gradFn !== null) g.detach_();
    else if (g.requiresGrad) g.requiresGrad_(false);
    noGrad(() => g.zero_());
  }
}

/** U(-bound, bound) of `shape`, made with torch's `rand` (so `manualSeed` fixes it), as a parameter. */
function uniformParam(shape: number[], bound: number, dtype: DType): Tensor {
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

/** `y = x @ weight.T + bias`, weight [out, in] and bias [out] ~ U(-1/sqrt(in), 1/sqrt(in)). */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, opts: { bias?: boolean; dtype?: DType } = {}) {
    super();
    if (!Number.isInteger(inFeatures) || inFeatures < 0 || !Number.isInteger(outFeatures) || outFeatures < 0) {
      throw new Error(`Linear(inFeatures, outFeatures): expected non-negative integers, got (${inFeatures}, ${outFeatures})`);
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

  override forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null ? "True" : "False"}`;
  }
}

export class ReLU extends Module {
  override forward(input: Tensor): Tensor { return input.relu(); }
}

export class Tanh extends Module {
  override forward(input: Tensor): Tensor { return input.tanh(); }
}

export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor { return input.sigmoid(); }
}

/** Modules run in order, each on the previous one's output; named `0`, `1`, ... */
export class Sequential extends Module {
  readonly [index: number]: Module;

  constructor(...modules: (Module | Module[])[]) {
    super();
    const list = modules.length === 1 && Array.isArray(modules[0]) ? modules[0] : (modules as Module[]);
    list.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      this.addModule(String(i), m);
    });
  }

  get length(): number { return this._modulesList().length; }

  at(i: number): Module {
    const list = this._modulesList();
    const j = i < 0 ? i + list.length : i;
    const m = list[j];
    if (m === undefined) throw new Error(`index ${i} is out of range`);
    return m;
  }

  [Symbol.iterator](): Iterator<Module> { return this._modulesList()[Symbol.iterator](); }

  /** Append a module at the end (named by its position). */
  append(m: Module): this {
    this.addModule(String(this.length), m);
    return this;
  }

  private _modulesList(): Module[] {
    const out: Module[] = [];
    for (let i = 0; (this as Record<string, unknown>)[String(i)] instanceof Module; i++) out.push(this[i]!);
    return out;
  }

  override forward(input: any): any {
    let x = input;
    for (const m of this._modulesList()) x = m.call(x);
    return x;
  }
}

// ---- losses -----------------------------------------------------------------------------------

export class MSELoss extends Module {
  reduction: Reduction;
  constructor(opts: { reduction?: Reduction } = {}) {
    super();
    this.reduction = opts.reduction ?? "mean";
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

export class CrossEntropyLoss extends Module {
  reduction: Reduction;
  ignoreIndex: number;
  weight: Tensor | null = null;
  constructor(opts: { reduction?: Reduction; ignoreIndex?: number; weight?: Tensor | null } = {}) {
    super();
    this.reduction = opts.reduction ?? "mean";
    this.ignoreIndex = opts.ignoreIndex ?? -100;
    this.registerBuffer("weight", opts.weight ?? null);
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { reduction: this.reduction, ignoreIndex: this.ignoreIndex, weight: this.weight });
  }
}
