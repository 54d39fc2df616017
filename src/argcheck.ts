/**
 * The argument checks at the public boundary. Every exported function and Tensor method checks
 * its arguments here once, before any op runs, so an op never sees a value of the wrong kind:
 * a bad argument is a TypeError that names the function, the argument and what it got, in
 * PyTorch's words where PyTorch has them (`exp(): argument 'input' (position 1) must be Tensor,
 * not list`). Ops inside the library call each other without these checks.
 * @module
 */
import { isDType, type DType } from "./dtype.js";
import { Tensor } from "./tensor.js";

/** A value's kind as PyTorch's messages name it (Python's names where JS has the same kind). */
export function kindOf(x: unknown): string {
  if (x instanceof Tensor) return "Tensor";
  switch (typeof x) {
    case "number": return Number.isInteger(x) ? "int" : "float";
    case "boolean": return "bool";
    case "string": return "str";
    case "undefined": return "undefined";
    case "bigint": return "bigint";
    case "symbol": return "symbol";
    case "function": return "function";
  }
  if (x === null) return "NoneType";
  if (Array.isArray(x)) return "list";
  if (typeof (x as { then?: unknown }).then === "function") return "Promise";
  const proto = Object.getPrototypeOf(x) as { constructor?: { name?: string } } | null;
  if (proto === null || proto === Object.prototype) return "dict";
  return proto.constructor?.name || "object";
}

/** A value as an error message shows it: short, never `[object Object]`, never throwing. */
export function show(x: unknown): string {
  if (typeof x === "number") return Object.is(x, -0) ? "-0" : String(x);
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
  if (typeof x === "boolean" || x === null || x === undefined || typeof x === "bigint") return String(x);
  return kindOf(x);
}

function where(fn: string, name: string, position?: number): string {
  return `${fn}(): argument '${name}'${position === undefined ? "" : ` (position ${position})`}`;
}

/** `fn(): argument 'name' (position p) must be <what>, not <kind>`. */
export function argError(fn: string, name: string, position: number | undefined, what: string, got: unknown): TypeError {
  return new TypeError(`${where(fn, name, position)} must be ${what}, not ${kindOf(got)}`);
}

export function checkTensor(fn: string, name: string, position: number | undefined, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw argError(fn, name, position, "Tensor", x);
}

/** A Tensor, a number or a boolean (PyTorch's `Tensor or Number`). */
export function checkTensorOrScalar(fn: string, name: string, position: number | undefined, x: unknown): void {
  if (x instanceof Tensor || typeof x === "number" || typeof x === "boolean") return;
  throw argError(fn, name, position, "Tensor or Number", x);
}

/** A number or boolean (PyTorch's `Number`). */
export function checkNumber(fn: string, name: string, position: number | undefined, x: unknown): asserts x is number | boolean {
  if (typeof x !== "number" && typeof x !== "boolean") throw argError(fn, name, position, "Number", x);
}

/** An integer (a boolean is not one here, unlike Python). */
export function checkInt(fn: string, name: string, position: number | undefined, x: unknown): asserts x is number {
  if (typeof x !== "number" || !Number.isInteger(x)) throw argError(fn, name, position, "int", x);
}

export function checkBool(fn: string, name: string, position: number | undefined, x: unknown): asserts x is boolean {
  if (typeof x !== "boolean") throw argError(fn, name, position, "bool", x);
}

/** A number written into an int32 tensor must fit (int32 stands in for PyTorch's int64: no wrapping). */
export function checkFitsInt32(v: number, name = "int32"): void {
  if (!(v >= -2147483648 && v < 2147483648)) throw new Error(`value cannot be converted to type ${name} without overflow`);
}

/** `undefined` or an integer dim. */
export function checkOptionalDim(fn: string, x: unknown, position = 1): asserts x is number | undefined {
  if (x !== undefined) checkInt(fn, "dim", position, x);
}

/** `undefined`, `null`, an integer dim or an array of them (`sum`, `mean`, `var` ...). */
export function checkDims(fn: string, x: unknown, position = 1): void {
  if (x === undefined || x === null) return;
  if (typeof x === "number") { checkInt(fn, "dim", position, x); return; }
  if (Array.isArray(x) && x.every((d) => typeof d === "number" && Number.isInteger(d))) return;
  throw argError(fn, "dim", position, "int or list of ints", x);
}

/** `undefined` or a boolean (`keepdim` and other optional flags). */
export function checkOptionalBool(fn: string, name: string, position: number | undefined, x: unknown): void {
  if (x !== undefined) checkBool(fn, name, position, x);
}

/** `undefined`, `null` or a number (`clamp`'s bounds). */
export function checkOptionalNumber(fn: string, name: string, position: number | undefined, x: unknown): void {
  if (x !== undefined && x !== null && typeof x !== "number") throw argError(fn, name, position, "Number or null", x);
}

export function checkDType(fn: string, x: unknown): asserts x is DType {
  if (!isDType(x)) {
    throw new TypeError(`${fn}(): argument 'dtype' must be one of "float32", "float64", "int32", "bool", not ${show(x)}`);
  }
}

/** A callback that returns a value synchronously: a Promise is refused (grad mode and scopes are global). */
export function checkFunction(fn: string, name: string, position: number | undefined, x: unknown): asserts x is (...args: never[]) => unknown {
  if (typeof x !== "function") throw argError(fn, name, position, "a function", x);
}

type OptionKind = "bool" | "number" | "int" | "string" | "dtype" | "tensor" | "tensors" | "any";

/**
 * An options object: `undefined`, or a plain object whose keys are all in `kinds` with values of
 * their kind (`undefined` allowed for each). An unknown key is PyTorch's unexpected keyword.
 */
export function checkOptions(fn: string, opts: unknown, kinds: Readonly<Record<string, OptionKind>>): void {
  if (opts === undefined) return;
  if (kindOf(opts) !== "dict") {
    throw new TypeError(`${fn}(): the options must be an object, not ${kindOf(opts)}`);
  }
  for (const key of Object.keys(opts as object)) {
    const kind = kinds[key];
    if (kind === undefined) throw new TypeError(`${fn}() got an unexpected keyword argument '${key}'`);
    const v = (opts as Record<string, unknown>)[key];
    if (v === undefined || kind === "any") continue;
    switch (kind) {
      case "bool": checkBool(fn, key, undefined, v); break;
      case "number": if (typeof v !== "number") throw argError(fn, key, undefined, "Number", v); break;
      case "int": checkInt(fn, key, undefined, v); break;
      case "string": if (typeof v !== "string") throw argError(fn, key, undefined, "str", v); break;
      case "dtype": checkDType(fn, v); break;
      case "tensor": if (v !== null) checkTensor(fn, key, undefined, v); break;
      case "tensors": checkTensorList(fn, key, undefined, v); break;
    }
  }
}

/** An array of Tensors (PyTorch: `expected Tensor as element i in argument p, but got X`). */
export function checkTensorList(fn: string, name: string, position: number | undefined, x: unknown): asserts x is Tensor[] {
  if (!Array.isArray(x)) throw argError(fn, name, position, "an array of Tensors", x);
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] instanceof Tensor)) {
      throw new TypeError(`expected Tensor as element ${i} in argument ${(position ?? 1) - 1}, but got ${kindOf(x[i])}`);
    }
  }
}
