/**
 * Property tests over the whole public surface (every Tensor method, every torch.X function,
 * every nn.functional function), on both backends, with fast-check:
 *
 * 1. Garbage in: random arguments (tensors of every dtype and small shape, integers, fractions,
 *    NaN, infinities, huge sizes, strings, null, undefined, arrays, objects, functions,
 *    Promises, BigInts, Symbols, Maps, typed arrays). Each call either returns a usable result
 *    (a valid shape, dtype and data, printable) or throws an Error whose message is not one of
 *    JavaScript's own (`is not a function`, `Cannot read properties`, `Invalid typed array
 *    length`, ...). The same call on the other backend gives the same result or the same error.
 *    Nothing the call made is left behind (it runs in `tidy`; the live tensor count comes back)
 *    and the library still computes correctly afterwards.
 * 2. Wrong kinds: each argument of a valid call, replaced by a value of a kind no parameter
 *    takes (a string, a Symbol, a function, a BigInt, a Map), makes the call throw; it never
 *    returns (so a non-number can never become NaN).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

const BACKENDS = ["wasm", "js"] as const;
type BackendName = (typeof BACKENDS)[number];

/** Messages JavaScript itself produces: a user must never see one of these from the library. */
const JS_INTERNAL = /is not a function|Cannot read propert|Cannot set propert|Invalid typed array length|Invalid array length|Maximum call stack|is not iterable|Cannot convert|is not a constructor|unreachable|memory access out of bounds|Array buffer allocation|\[object Object\]|is not defined|Cannot mix BigInt|Cannot access .* before initialization/;

// ---- argument specs: data, materialised per backend -----------------------------------------------

type DType = "float32" | "float64" | "int32" | "bool";
interface TensorSpec { kind: "tensor"; dtype: DType; shape: number[]; requiresGrad: boolean; seed: number }
type Spec = TensorSpec | { kind: "value"; value: unknown } | { kind: "special"; name: keyof typeof SPECIAL };

const SPECIAL = {
  fn: () => (g: unknown) => g,
  asyncFn: () => async () => 1,
  promise: () => Promise.resolve(1),
  bigint: () => 1n,
  symbol: () => Symbol("s"),
  map: () => new Map([[1, 2]]),
  set: () => new Set([1]),
  uint8: () => new Uint8Array([1, 0, 1]),
  float32s: () => new Float32Array([1, 2, 3, 4, 5, 6]),
  selfList: () => { const a: unknown[] = [1]; a[0] = a; return a; },
  classIndices: () => torch.tensor([0, 2], { dtype: "int32" }),
  params: () => [torch.zeros([2], { requiresGrad: true })],
  optimizer: () => new torch.optim.SGD([torch.zeros([2], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 }),
  adam: () => new torch.optim.Adam([torch.zeros([2], { requiresGrad: true })]),
  dataset: () => new torch.utils.data.TensorDataset(torch.zeros([4, 2]), torch.ones([4])),
  index23: () => torch.tensor([[0, 2, 1], [1, 1, 0]], { dtype: "int32" }),
  probs: () => torch.tensor([0.2, 0.3, 0.5]),
};

function makeTensor(s: TensorSpec): torch.Tensor {
  const n = s.shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => ((i * 7 + s.seed) % 11) / 2 - 2.5);
  const t = torch.tensor(data, { dtype: "float64" }).reshape(s.shape).to(s.dtype);
  if (s.requiresGrad && (s.dtype === "float32" || s.dtype === "float64")) t.requiresGrad = true;
  return t;
}

function materialise(spec: Spec): unknown {
  if (spec.kind === "tensor") return makeTensor(spec);
  if (spec.kind === "special") return SPECIAL[spec.name]();
  return spec.value;
}

const tensorSpec: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constant("tensor" as const),
  dtype: fc.constantFrom<DType>("float32", "float64", "int32", "bool"),
  shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  requiresGrad: fc.boolean(),
  seed: fc.nat(10),
});
const valueSpec = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<Spec> => arb.map((value) => ({ kind: "value" as const, value }));
const garbage: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 5, arbitrary: tensorSpec },
  { weight: 5, arbitrary: valueSpec(fc.oneof(fc.integer({ min: -4, max: 4 }), fc.constantFrom(0.5, -0.5, 1.5, NaN, Infinity, -Infinity, -0, 1e12, -1e12, 2 ** 31, 3e9, 1e-7))) },
  { weight: 1, arbitrary: valueSpec(fc.boolean()) },
  { weight: 1, arbitrary: valueSpec(fc.constantFrom("x", "3", "float32", "float16", "", "sum", "none")) },
  { weight: 1, arbitrary: valueSpec(fc.constantFrom(null, undefined)) },
  { weight: 2, arbitrary: valueSpec(fc.constantFrom([1, 2, 3], [[1], [2]], [], [0], [-1], [2, 2], [1.5], ["a"], [null], [0, 2], [0, 2, 1], [1, 0, -1])) },
  { weight: 1, arbitrary: valueSpec(fc.constantFrom({}, { dtype: "x" }, { alpha: "x" }, { dtype: "float64" }, { requiresGrad: "yes" }, { keepdim: true }, { reduction: "x" }, { alpha: 2 })) },
  { weight: 1, arbitrary: fc.constantFrom(...(Object.keys(SPECIAL) as (keyof typeof SPECIAL)[])).map((name) => ({ kind: "special" as const, name })) },
);

// ---- the surface ----------------------------------------------------------------------------------

type Call = (receiver: unknown, args: unknown[]) => unknown;
/** What a method is called on: a tensor (from a spec), a Linear(3, 2), an SGD over one, or a StepLR of such an SGD. */
type Receiver = "tensor" | "module" | "optimizer" | "scheduler" | null;
interface Entry { name: string; call: Call; receiver: Receiver }

type Fn = (...x: unknown[]) => unknown;
const publicNames = (o: object) => Object.getOwnPropertyNames(o).filter((k) => !k.startsWith("_") && k !== "constructor" && typeof Object.getOwnPropertyDescriptor(o, k)?.value === "function");
const methodsOf = (prefix: string, proto: object, receiver: Receiver, skip: ReadonlySet<string> = new Set()): Entry[] =>
  publicNames(proto).filter((m) => !skip.has(m)).map((m) => ({ name: `${prefix}.${m}`, receiver, call: ((r: unknown, a: unknown[]) => (r as Record<string, Fn>)[m]!(...a)) as Call }));
const functionsOf = (prefix: string, ns: object, skip: ReadonlySet<string> = new Set()): Entry[] =>
  Object.entries(ns).filter(([k, f]) => typeof f === "function" && !/^[A-Z]/.test(k) && !skip.has(k))
    .map(([k]) => ({ name: `${prefix}.${k}`, receiver: null, call: ((_: unknown, a: unknown[]) => (ns as Record<string, Fn>)[k]!(...a)) as Call }));
const constructorsOf = (prefix: string, ns: object): Entry[] =>
  Object.entries(ns).filter(([k, c]) => typeof c === "function" && /^[A-Z]/.test(k))
    .map(([k, c]) => ({ name: `new ${prefix}.${k}`, receiver: null, call: ((_: unknown, a: unknown[]) => new (c as new (...x: unknown[]) => unknown)(...a)) as Call }));

// module functions that change global state are covered by their own tests
const NOT_CALLED = new Set(["init", "setBackend", "setGradEnabled", "manualSeed", "setMemoryBudget", "tidy", "noGrad", "enableGrad"]);

const SURFACE: Entry[] = [
  ...methodsOf("Tensor", torch.Tensor.prototype, "tensor"),
  ...functionsOf("torch", torch, NOT_CALLED),
  ...functionsOf("F", torch.nn.functional),
  ...functionsOf("autograd", torch.autograd, new Set(["detectAnomaly"])),
  ...functionsOf("autograd.functional", torch.autograd.functional),
  ...functionsOf("utils", torch.utils),
  ...functionsOf("viz", torch.viz),
  ...constructorsOf("nn", torch.nn),
  ...constructorsOf("optim", torch.optim),
  ...methodsOf("Module", torch.nn.Module.prototype, "module"),
  // updateGroup, keep and stateOf are protected: the API of optimizer subclasses, not of users
  ...methodsOf("Optimizer", torch.optim.Optimizer.prototype, "optimizer", new Set(["updateGroup", "keep", "stateOf"])),
  ...constructorsOf("lrScheduler", torch.optim.lrScheduler),
  ...functionsOf("init", torch.nn.init),
  ...functionsOf("nn.utils", torch.nn.utils),
  ...constructorsOf("data", torch.utils.data),
  ...functionsOf("data", torch.utils.data),
  // initialStep and closedFormLr are protected: the API of scheduler subclasses
  ...methodsOf("LRScheduler", torch.optim.lrScheduler.LRScheduler.prototype, "scheduler", new Set(["initialStep", "closedFormLr"])),
];

function makeReceiver(kind: Receiver, spec: Spec | null): unknown {
  switch (kind) {
    case "tensor": return materialise(spec!);
    case "module": return new torch.nn.Linear(3, 2);
    case "optimizer": return new torch.optim.SGD(new torch.nn.Linear(3, 2).parameters(), { lr: 0.1 });
    case "scheduler": return new torch.optim.lrScheduler.StepLR(new torch.optim.SGD(new torch.nn.Linear(3, 2).parameters(), { lr: 0.1 }), 2);
    case null: return undefined;
  }
}

// ---- outcomes -------------------------------------------------------------------------------------

type Outcome =
  | { threw: string }
  | { returned: "tensors"; parts: { shape: number[]; dtype: string; data: number[] | null; text: string }[] }
  | { returned: "other"; kind: string };

/** What a result is, as data both backends can be compared on; throws if the result is unusable. */
function describeResult(res: unknown): Outcome {
  if (res !== null && typeof res === "object" && typeof (res as { then?: unknown }).then === "function") {
    throw new Error("returned a Promise");
  }
  const tensors = res instanceof torch.Tensor ? [res]
    : res !== null && typeof res === "object" && (res as { values?: unknown }).values instanceof torch.Tensor
      ? [(res as { values: torch.Tensor }).values, (res as { indices: torch.Tensor }).indices] : null;
  if (tensors === null) return { returned: "other", kind: typeof res };
  return {
    returned: "tensors",
    parts: tensors.map((t) => {
      if (!t.shape.every((s) => Number.isInteger(s) && s >= 0)) throw new Error(`bad shape [${t.shape.join(", ")}]`);
      if (!["float32", "float64", "int32", "bool"].includes(t.dtype)) throw new Error(`bad dtype ${t.dtype}`);
      const n = t.numel();
      let data: number[] | null = null;
      if (n <= 4096) {
        const arr = t.toArray();
        if (arr.length !== n) throw new Error(`toArray() has ${arr.length} elements, numel() ${n}`);
        data = Array.from(arr, Number);
      }
      return { shape: t.shape.slice(), dtype: t.dtype, data, text: n <= 4096 ? String(t) : "" };
    }),
  };
}

/** Constructors whose result keeps tensors alive beyond tidy on purpose. */
const KEEPS_STATE = new Set(["new optim.Adagrad"]);

function run(backend: BackendName, entry: Entry, receiver: Spec | null, args: Spec[]): Outcome {
  torch.setBackend(backend);
  torch.setGradEnabled(true);
  torch.manualSeed(7);
  const live = torch.memory().tensors;
  let outcome: Outcome;
  try {
    outcome = torch.tidy(() => {
      const r = makeReceiver(entry.receiver, receiver);
      const a = args.map(materialise);
      let res: unknown;
      try { res = entry.call(r, a); } catch (e) {
        if (!(e instanceof Error)) throw new Error(`threw a non-Error: ${String(e)}`);
        return { threw: e.message };
      }
      return describeResult(res);
    });
  } finally {
    torch.setGradEnabled(true);
    torch.autograd.setDetectAnomaly(false);
  }
  // nothing the call made is left behind, and the library still works
  // Adagrad makes its state (the accumulators) in its constructor, as PyTorch does; optimizer
  // state is kept past tidy by design, so each accumulator of a parameter it got stays counted
  if (!KEEPS_STATE.has(entry.name)) expect(torch.memory().tensors, `${entry.name}: live tensors after the call`).toBe(live);
  expect(torch.ones(2).add(1).sum().item()).toBe(4);
  return outcome;
}

function close(a: number[] | null, b: number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => {
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
    return Math.abs(x - y) <= 1e-4 * Math.max(1, Math.abs(y));
  });
}

function expectSameOutcome(name: string, w: Outcome, j: Outcome): void {
  if ("threw" in w || "threw" in j) {
    expect("threw" in j ? j.threw : "(returned)", `${name}: the js backend differs`).toBe("threw" in w ? w.threw : "(returned)");
    return;
  }
  expect(j.returned, name).toBe(w.returned);
  if (w.returned === "tensors" && j.returned === "tensors") {
    expect(j.parts.length).toBe(w.parts.length);
    w.parts.forEach((p, i) => {
      const q = j.parts[i]!;
      expect(q.shape, name).toEqual(p.shape);
      expect(q.dtype, name).toBe(p.dtype);
      expect(close(p.data, q.data), `${name}: values ${JSON.stringify(p.data)} vs ${JSON.stringify(q.data)}`).toBe(true);
    });
  }
}

const RUNS = Number(process.env.WASMGRAD_PROPERTY_RUNS ?? 40);

describe("garbage through the public surface: a result or a clear error, the same on both backends", () => {
  test.each(SURFACE.map((e) => [e.name, e] as const))("%s", (_name, entry) => {
    fc.assert(fc.property(entry.receiver === "tensor" ? tensorSpec : fc.constant(null), fc.array(garbage, { maxLength: entry.receiver === null ? 4 : 3 }), (receiver, args) => {
      const w = run("wasm", entry, receiver, args);
      if ("threw" in w) expect(w.threw, `${entry.name}: a JavaScript-internal message`).not.toMatch(JS_INTERNAL);
      const j = run("js", entry, receiver, args);
      expectSameOutcome(entry.name, w, j);
    }), { numRuns: RUNS, seed: 20261207 });
  });
});

// ---- wrong kinds in each argument of a valid call --------------------------------------------------

const t23 = (o: Partial<TensorSpec> = {}): TensorSpec => ({ kind: "tensor", dtype: "float32", shape: [2, 3], requiresGrad: false, seed: 1, ...o });
const v = (value: unknown): Spec => ({ kind: "value", value });
const intTargets: Spec = { kind: "special", name: "classIndices" };
const params: Spec = { kind: "special", name: "params" };
const sgdOpt: Spec = { kind: "special", name: "optimizer" };
const intIndex: Spec = { kind: "special", name: "index23" };
const intVector: Spec = { kind: "special", name: "classIndices" };
const probs: Spec = { kind: "special", name: "probs" };
// a receiver is made from a tensor spec: shape [2] with a seed whose values (2.5, 0.5) are positive
const probsReceiver = t23({ shape: [2], seed: 10 });

/** A valid call of each function with arguments: [receiver (methods), arguments]. */
const VALID: Record<string, [TensorSpec | null, Spec[]]> = {
  "Tensor.size": [t23(), [v(0)]], "Tensor.stride": [t23(), [v(1)]],
  "Tensor.requiresGrad_": [t23(), [v(true)]], "Tensor.registerHook": [t23({ requiresGrad: true }), [{ kind: "special", name: "fn" }]],
  "Tensor.backward": [t23({ shape: [], requiresGrad: true }), [v(undefined), v({ retainGraph: true })]],
  "Tensor.add": [t23(), [t23(), v({ alpha: 2 })]], "Tensor.sub": [t23(), [t23(), v({ alpha: 2 })]],
  "Tensor.add_": [t23(), [t23(), v({ alpha: 2 })]], "Tensor.sub_": [t23(), [t23(), v({ alpha: 2 })]],
  "Tensor.mul": [t23(), [v(2)]], "Tensor.div": [t23(), [v(2)]], "Tensor.pow": [t23(), [v(2)]],
  "Tensor.mul_": [t23(), [v(2)]], "Tensor.div_": [t23(), [v(2)]],
  "Tensor.clamp": [t23(), [v(0), v(1)]], "Tensor.clip": [t23(), [v(0), v(1)]], "Tensor.clamp_": [t23(), [v(0), v(1)]],
  "Tensor.maximum": [t23(), [t23()]], "Tensor.minimum": [t23(), [t23()]],
  "Tensor.eq": [t23(), [v(1)]], "Tensor.ne": [t23(), [v(1)]], "Tensor.lt": [t23(), [v(1)]],
  "Tensor.le": [t23(), [v(1)]], "Tensor.gt": [t23(), [v(1)]], "Tensor.ge": [t23(), [v(1)]],
  "Tensor.sum": [t23(), [v(1), v(true)]], "Tensor.mean": [t23(), [v(1), v(true)]], "Tensor.var": [t23(), [v(1), v(true)]],
  "Tensor.std": [t23(), [v(1), v(true)]], "Tensor.logsumexp": [t23(), [v(1), v(true)]], "Tensor.norm": [t23(), [v(2), v(1), v(true)]],
  "Tensor.prod": [t23(), [v(1), v(true)]], "Tensor.max": [t23(), [v(1), v(true)]], "Tensor.min": [t23(), [v(1), v(true)]],
  "Tensor.argmax": [t23(), [v(1), v(true)]], "Tensor.argmin": [t23(), [v(1), v(true)]],
  "Tensor.all": [t23(), [v(1), v(true)]], "Tensor.any": [t23(), [v(1), v(true)]],
  "Tensor.matmul": [t23(), [t23({ shape: [3, 2] })]], "Tensor.mm": [t23(), [t23({ shape: [3, 2] })]],
  "Tensor.reshape": [t23(), [v(3), v(2)]], "Tensor.view": [t23(), [v(3), v(2)]], "Tensor.permute": [t23(), [v(1), v(0)]],
  "Tensor.expand": [t23(), [v(2), v(3)]], "Tensor.expandAs": [t23(), [t23()]],
  "Tensor.transpose": [t23(), [v(0), v(1)]], "Tensor.unsqueeze": [t23(), [v(0)]], "Tensor.squeeze": [t23(), [v(0)]],
  "Tensor.flatten": [t23(), [v(0), v(1)]], "Tensor.index": [t23(), [v(0), v([0, 2])]], "Tensor.to": [t23(), [v("float64")]],
  "Tensor.softmax": [t23(), [v(1)]], "Tensor.logSoftmax": [t23(), [v(1)]],
  "Tensor.fill_": [t23(), [v(1)]], "Tensor.copy_": [t23(), [t23()]],
  "torch.add": [null, [t23(), t23(), v({ alpha: 2 })]], "torch.sub": [null, [t23(), t23(), v({ alpha: 2 })]],
  "torch.mul": [null, [t23(), v(2)]], "torch.div": [null, [t23(), v(2)]], "torch.pow": [null, [t23(), v(2)]],
  "torch.clamp": [null, [t23(), v(0), v(1)]], "torch.clip": [null, [t23(), v(0), v(1)]],
  "torch.maximum": [null, [t23(), t23()]], "torch.minimum": [null, [t23(), t23()]],
  "torch.eq": [null, [t23(), v(1)]], "torch.ne": [null, [t23(), v(1)]], "torch.lt": [null, [t23(), v(1)]],
  "torch.le": [null, [t23(), v(1)]], "torch.gt": [null, [t23(), v(1)]], "torch.ge": [null, [t23(), v(1)]],
  "torch.sum": [null, [t23(), v(1), v(true)]], "torch.mean": [null, [t23(), v(1), v(true)]], "torch.prod": [null, [t23(), v(1), v(true)]],
  "torch.max": [null, [t23(), v(1), v(true)]], "torch.min": [null, [t23(), v(1), v(true)]],
  "torch.argmax": [null, [t23(), v(1), v(true)]], "torch.argmin": [null, [t23(), v(1), v(true)]],
  "torch.var": [null, [t23(), v(1), v(true)]], "torch.var_": [null, [t23(), v(1), v(true)]], "torch.std": [null, [t23(), v(1), v(true)]],
  "torch.logsumexp": [null, [t23(), v(1), v(true)]], "torch.norm": [null, [t23(), v(2), v(1), v(true)]],
  "torch.all": [null, [t23(), v(1), v(true)]], "torch.any": [null, [t23(), v(1), v(true)]],
  "torch.matmul": [null, [t23(), t23({ shape: [3, 2] })]], "torch.mm": [null, [t23(), t23({ shape: [3, 2] })]],
  "torch.reshape": [null, [t23(), v(3), v(2)]], "torch.permute": [null, [t23(), v(1), v(0)]],
  "torch.transpose": [null, [t23(), v(0), v(1)]], "torch.unsqueeze": [null, [t23(), v(0)]], "torch.squeeze": [null, [t23(), v(0)]],
  "torch.flatten": [null, [t23(), v(0), v(1)]], "torch.softmax": [null, [t23(), v(1)]], "torch.logSoftmax": [null, [t23(), v(1)]],
  "torch.cat": [null, [v("TENSORS"), v(0)]], "torch.concat": [null, [v("TENSORS"), v(0)]], "torch.stack": [null, [v("TENSORS"), v(0)]],
  "torch.where": [null, [t23({ dtype: "bool" }), t23(), v(0)]],
  "torch.arange": [null, [v(0), v(5), v(1)]], "torch.linspace": [null, [v(0), v(1), v(5)]], "torch.eye": [null, [v(3), v(2)]],
  "torch.full": [null, [v([2, 3]), v(1)]], "torch.zeros": [null, [v(2), v(3)]], "torch.ones": [null, [v(2), v(3)]],
  "torch.empty": [null, [v(2), v(3)]], "torch.rand": [null, [v(2), v(3)]], "torch.randn": [null, [v(2), v(3)]],
  "torch.tensor": [null, [v([[1, 2], [3, 4]]), v({ dtype: "float64" })]],
  "torch.fromArray": [null, [{ kind: "special", name: "float32s" }, v([2, 3])]],
  "torch.zerosLike": [null, [t23()]], "torch.onesLike": [null, [t23()]], "torch.emptyLike": [null, [t23()]],
  "torch.randLike": [null, [t23()]], "torch.randnLike": [null, [t23()]], "torch.fullLike": [null, [t23(), v(1)]],
  "F.relu": [null, [t23()]], "F.tanh": [null, [t23()]], "F.sigmoid": [null, [t23()]],
  "F.softmax": [null, [t23(), v(1)]], "F.logSoftmax": [null, [t23(), v(1)]],
  "F.linear": [null, [t23(), t23({ shape: [4, 3] }), t23({ shape: [4] })]],
  "F.mseLoss": [null, [t23(), t23(), v({ reduction: "sum" })]],
  "F.crossEntropy": [null, [t23(), intTargets, v({ reduction: "sum" })]],
  "torch.conv1d": [null, [t23({ shape: [1, 2, 5] }), t23({ shape: [3, 2, 2] }), t23({ shape: [3] }), v(1), v(0)]],
  "torch.conv2d": [null, [t23({ shape: [1, 2, 4, 4] }), t23({ shape: [3, 2, 2, 2] }), t23({ shape: [3] }), v(1), v(0)]],
  "torch.maxPool2d": [null, [t23({ shape: [1, 2, 4, 4] }), v(2), v(2)]],
  "F.conv1d": [null, [t23({ shape: [1, 2, 5] }), t23({ shape: [3, 2, 2] }), t23({ shape: [3] }), v({ stride: 1, padding: 1 })]],
  "F.conv2d": [null, [t23({ shape: [1, 2, 4, 4] }), t23({ shape: [3, 2, 2, 2] }), t23({ shape: [3] }), v({ stride: 1, padding: 1 })]],
  "F.maxPool2d": [null, [t23({ shape: [1, 2, 4, 4] }), v(2), v({ stride: 2 })]],
  "F.avgPool2d": [null, [t23({ shape: [1, 2, 4, 4] }), v(2), v({ stride: 2 })]],
  "F.adaptiveAvgPool2d": [null, [t23({ shape: [1, 2, 4, 4] }), v(2)]],
  "F.nllLoss": [null, [t23(), intTargets, v({ reduction: "sum" })]],
  "new optim.AdamW": [null, [params, v({ lr: 0.1, betas: [0.8, 0.9], amsgrad: true })]],
  "new optim.RMSprop": [null, [params, v({ lr: 0.1, momentum: 0.5, centered: true })]],
  "new optim.Adagrad": [null, [params, v({ lr: 0.1, lrDecay: 0.1, initialAccumulatorValue: 0.1 })]],
  "new lrScheduler.StepLR": [null, [sgdOpt, v(2), v({ gamma: 0.5, lastEpoch: -1 })]],
  "new lrScheduler.MultiStepLR": [null, [sgdOpt, v([1, 3]), v({ gamma: 0.5 })]],
  "new lrScheduler.ExponentialLR": [null, [sgdOpt, v(0.9), v({ verbose: false })]],
  "new lrScheduler.CosineAnnealingLR": [null, [sgdOpt, v(10), v({ etaMin: 0.01 })]],
  "new lrScheduler.LambdaLR": [null, [sgdOpt, { kind: "special", name: "fn" }]],
  "new lrScheduler.LinearLR": [null, [sgdOpt, v({ startFactor: 0.5, totalIters: 3 })]],
  "init.uniform_": [null, [t23(), v(-1), v(1)]], "init.normal_": [null, [t23(), v({ mean: 1, std: 2 })]],
  "init.constant_": [null, [t23(), v(0.5)]], "init.xavierUniform_": [null, [t23(), v({ gain: 2 })]],
  "init.xavierNormal_": [null, [t23(), v(2)]], "init.kaimingUniform_": [null, [t23(), v(0.1), v("fan_out"), v("relu")]],
  "init.kaimingNormal_": [null, [t23(), v({ a: 0.1, mode: "fan_in", nonlinearity: "leaky_relu" })]],
  "init.calculateGain": [null, [v("leaky_relu"), v(0.2)]], "init.calculateFanInAndFanOut": [null, [t23()]],
  "nn.utils.clipGradNorm_": [null, [params, v(1), v({ normType: 2, errorIfNonfinite: true })]],
  "nn.utils.clipGradValue_": [null, [params, v(0.5)]],
  "new data.TensorDataset": [null, [t23(), t23({ shape: [2] })]],
  "new data.DataLoader": [null, [{ kind: "special", name: "dataset" }, v({ batchSize: 3, shuffle: true, dropLast: true })]],
  "data.defaultCollate": [null, [v("TENSORS")]],
  "new lrScheduler.OneCycleLR": [null, [{ kind: "special", name: "adam" }, v(0.1), v({ totalSteps: 10, pctStart: 0.25, annealStrategy: "linear" })]],
  // elementwise ops and activations
  "Tensor.atan2": [t23(), [t23()]], "Tensor.lerp": [t23(), [t23(), v(0.3)]],
  "Tensor.maskedFill": [t23(), [t23({ dtype: "bool" }), v(1)]],
  "Tensor.leakyRelu": [t23(), [v(0.1)]], "Tensor.gelu": [t23(), [v({ approximate: "tanh" })]],
  "Tensor.softplus": [t23(), [v({ beta: 2, threshold: 3 })]], "Tensor.elu": [t23(), [v(0.5)]],
  "Tensor.hardtanh": [t23(), [v(-0.5), v(0.5)]],
  "torch.log1p": [null, [t23()]], "torch.expm1": [null, [t23()]], "torch.rsqrt": [null, [t23()]],
  "torch.reciprocal": [null, [t23()]], "torch.square": [null, [t23()]], "torch.erf": [null, [t23()]],
  "torch.floor": [null, [t23()]], "torch.ceil": [null, [t23()]], "torch.round": [null, [t23()]], "torch.trunc": [null, [t23()]],
  "torch.atan2": [null, [t23(), t23()]], "torch.lerp": [null, [t23(), t23(), v(0.3)]],
  "torch.maskedFill": [null, [t23(), t23({ dtype: "bool" }), v(1)]],
  "F.leakyRelu": [null, [t23(), v(0.1)]], "F.gelu": [null, [t23(), v({ approximate: "tanh" })]], "F.silu": [null, [t23()]],
  "F.softplus": [null, [t23(), v({ beta: 2, threshold: 3 })]], "F.elu": [null, [t23(), v(0.5)]],
  "F.hardtanh": [null, [t23(), v(-0.5), v(0.5)]], "F.logSigmoid": [null, [t23()]],
  // scans and order statistics
  "Tensor.cumsum": [t23(), [v(1)]], "Tensor.cumprod": [t23(), [v(1)]],
  "Tensor.amax": [t23(), [v(1), v(true)]], "Tensor.amin": [t23(), [v(1), v(true)]],
  "Tensor.sort": [t23(), [v(1), v(true)]], "Tensor.argsort": [t23(), [v(1), v(true)]],
  "Tensor.topk": [t23(), [v(2), v(1), v(false), v(false)]],
  "torch.cumsum": [null, [t23(), v(1)]], "torch.cumprod": [null, [t23(), v(1)]],
  "torch.amax": [null, [t23(), v(1), v(true)]], "torch.amin": [null, [t23(), v(1), v(true)]],
  "torch.sort": [null, [t23(), v(1), v(true)]], "torch.argsort": [null, [t23(), v(1), v(true)]],
  "torch.topk": [null, [t23(), v(2), v(1), v(false), v(false)]],
  // indexing and joining
  "Tensor.split": [t23(), [v(2), v(1)]], "Tensor.chunk": [t23(), [v(2), v(1)]], "Tensor.unbind": [t23(), [v(1)]],
  "Tensor.narrow": [t23(), [v(1), v(0), v(2)]], "Tensor.select": [t23(), [v(1), v(2)]],
  "Tensor.gather": [t23(), [v(1), intIndex]], "Tensor.scatter": [t23(), [v(1), intIndex, t23()]],
  "Tensor.scatterAdd": [t23(), [v(1), intIndex, t23()]], "Tensor.indexSelect": [t23(), [v(1), intVector]],
  "Tensor.repeat": [t23(), [v(2), v(1)]], "Tensor.flip": [t23(), [v(0), v(1)]], "Tensor.roll": [t23(), [v(1), v(1)]],
  "Tensor.tril": [t23(), [v(1)]], "Tensor.triu": [t23(), [v(-1)]],
  "torch.split": [null, [t23(), v(2), v(1)]], "torch.chunk": [null, [t23(), v(2), v(1)]], "torch.unbind": [null, [t23(), v(1)]],
  "torch.narrow": [null, [t23(), v(1), v(0), v(2)]], "torch.select": [null, [t23(), v(1), v(2)]],
  "torch.gather": [null, [t23(), v(1), intIndex]], "torch.scatter": [null, [t23(), v(1), intIndex, t23()]],
  "torch.scatterAdd": [null, [t23(), v(1), intIndex, t23()]], "torch.indexSelect": [null, [t23(), v(1), intVector]],
  "torch.flip": [null, [t23(), v(0), v(1)]], "torch.roll": [null, [t23(), v(1), v(1)]],
  "torch.tril": [null, [t23(), v(1)]], "torch.triu": [null, [t23(), v(-1)]],
  // linear algebra
  "Tensor.bmm": [t23({ shape: [1, 2, 3] }), [t23({ shape: [1, 3, 2] })]],
  "Tensor.dot": [t23({ shape: [3] }), [t23({ shape: [3] })]], "Tensor.outer": [t23({ shape: [3] }), [t23({ shape: [2] })]],
  "torch.bmm": [null, [t23({ shape: [1, 2, 3] }), t23({ shape: [1, 3, 2] })]],
  "torch.dot": [null, [t23({ shape: [3] }), t23({ shape: [3] })]], "torch.outer": [null, [t23({ shape: [3] }), t23({ shape: [2] })]],
  "torch.einsum": [null, [v("ij,kj->ik"), t23(), t23()]],
  // creation and sampling
  "torch.randint": [null, [v(0), v(5), v([2, 3]), v({ dtype: "float64" })]], "torch.randperm": [null, [v(5), v({ dtype: "float64" })]],
  "torch.multinomial": [null, [probs, v(2), v(true)]],
  "Tensor.multinomial": [probsReceiver, [v(2), v(true)]],
  "F.oneHot": [null, [intVector, v(4)]],
  // layer norm and dropout
  "F.layerNorm": [null, [t23(), v([3]), t23({ shape: [3] }), t23({ shape: [3] }), v(1e-5)]],
  "F.dropout": [null, [t23(), v({ p: 0.5, training: true, inplace: false })]],
  // batch normalisation and embedding
  "F.batchNorm": [null, [t23(), t23({ shape: [3] }), t23({ shape: [3], seed: 10 }), t23({ shape: [3] }), t23({ shape: [3] }), v({ training: true, momentum: 0.2, eps: 1e-3 })]],
  "F.embedding": [null, [intIndex, t23({ shape: [3, 2] }), v({ paddingIdx: 1, maxNorm: 2, normType: 1, scaleGradByFreq: true })]],
  "torch.batchNorm": [null, [t23(), t23({ shape: [3] }), t23({ shape: [3] }), t23({ shape: [3] }), t23({ shape: [3], seed: 10 }), v(true), v(0.2), v(1e-3), v(false)]],
  "torch.embedding": [null, [t23({ shape: [3, 2] }), intIndex, v(1), v(true), v(false)]],
};

/** Values of kinds no parameter of the API takes. */
const WRONG_KINDS: Spec[] = [v("x"), { kind: "special", name: "symbol" }, { kind: "special", name: "bigint" }, { kind: "special", name: "map" }, { kind: "special", name: "asyncFn" }];

function materialiseValid(spec: Spec): unknown {
  if (spec.kind === "value" && spec.value === "TENSORS") return [makeTensor(t23()), makeTensor(t23())];
  return materialise(spec);
}

describe("every argument refuses a value of the wrong kind (it throws, never returns)", () => {
  for (const backend of BACKENDS) {
    test.each(Object.entries(VALID))(`${backend}: %s`, (name, [receiver, args]) => {
      const entry = SURFACE.find((e) => e.name === name);
      expect(entry, `${name} is not in the public surface`).toBeDefined();
      torch.setBackend(backend);
      // the valid call works
      torch.tidy(() => { entry!.call(makeReceiver(entry!.receiver, receiver), args.map(materialiseValid)); });
      args.forEach((_, i) => {
        for (const wrong of WRONG_KINDS) {
          let returned = false;
          let message = "";
          torch.tidy(() => {
            const a = args.map(materialiseValid);
            a[i] = materialise(wrong);
            try {
              entry!.call(makeReceiver(entry!.receiver, receiver), a);
              returned = true;
            } catch (e) {
              message = e instanceof Error ? e.message : `non-Error ${String(e)}`;
            }
          });
          expect(returned, `${name}: argument ${i} = ${wrong.kind === "special" ? wrong.name : JSON.stringify((wrong as { value: unknown }).value)} was accepted`).toBe(false);
          expect(message).not.toMatch(JS_INTERNAL);
          expect(message).not.toMatch(/^non-Error/);
        }
      });
    });
  }
});

test("the valid-call table covers every function that takes arguments", () => {
  const noArgs = /^(Tensor\.(numel|dim|isContiguous|toArray|item|tolist|toJSON|toString|dispose|detach|detach_|retainGrad|neg|abs|exp|log|sqrt|sin|cos|tanh|sigmoid|relu|sign|t|contiguous|clone|float|double|int|bool|zero_|log1p|expm1|rsqrt|reciprocal|square|erf|floor|ceil|round|trunc|silu|logSigmoid)|torch\.(abs|neg|exp|log|sqrt|sin|cos|tanh|sigmoid|relu|sign|t|clone|detach|numel|dispose|getBackend|isGradEnabled|isTensor|memory)|F\.addmm)$/;
  const missing = SURFACE.filter((e) => e.name.startsWith("Tensor.") || e.name.startsWith("torch.") || e.name.startsWith("F."))
    .map((e) => e.name).filter((n) => !(n in VALID) && !noArgs.test(n));
  expect(missing).toEqual([]);
});
