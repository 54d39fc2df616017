/**
 * Scalar math the js backend needs beyond `Math`: erf, round half to even, and the
 * activations and their gradients, in PyTorch's formulas (computed in float64; a float32
 * result is rounded when stored).
 */
import { Un, type UnOp } from "../backend.js";

/**
 * erf to about 1e-15 relative error, the algorithm of the wasm kernels' erf64
 * (assembly/kernels/vmath.ts): below |x| = 2.5 the series of positive terms
 * 2x/sqrt(pi) e^(-x^2) sum (2x^2)^n / (1*3*...*(2n+1)); above, 1 - erfc(x) with erfc's
 * continued fraction (Lentz's method); +-1 from |x| = 6 on.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax !== ax) return x;
  if (ax < 2.5) {
    const x2 = ax * ax;
    let term = 1, sum = 1, n = 0;
    do {
      n += 1;
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
    } while (term >= 1e-17 * sum);
    const r = 1.1283791670955126 * ax * Math.exp(-x2) * sum;
    return x < 0 ? -r : r;
  }
  if (ax >= 6) return x < 0 ? -1 : 1;
  let f = ax, c = ax, d = 0, n = 0, delta = 0;
  do {
    n += 1;
    const a = 0.5 * n;
    d = 1 / (ax + a * d);
    c = ax + a / c;
    delta = c * d;
    f *= delta;
  } while (Math.abs(delta - 1) >= 1e-16);
  const r = 1 - (Math.exp(-ax * ax) * 0.5641895835477563) / f; // 1/sqrt(pi)
  return x < 0 ? -r : r;
}

/** Round half to even (C's nearbyint, what torch.round does); keeps -0. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = 0.7978845608028654;
const KAPPA = 0.044715;

/** op(x; a, b) for the float unary ops the original table does not hold. */
export function unaryExtra(op: UnOp, x: number, a: number, b: number): number {
  switch (op) {
    case Un.LOG1P: return Math.log1p(x);
    case Un.EXPM1: return Math.expm1(x);
    case Un.RSQRT: return 1 / Math.sqrt(x);
    case Un.RECIPROCAL: return 1 / x;
    case Un.ERF: return erf(x);
    case Un.FLOOR: return Math.floor(x);
    case Un.CEIL: return Math.ceil(x);
    case Un.ROUND: return roundHalfEven(x);
    case Un.TRUNC: return Math.trunc(x);
    case Un.SILU: return x / (1 + Math.exp(-x));
    case Un.GELU: return x * 0.5 * (1 + erf(x * SQRT1_2));
    case Un.GELU_TANH: return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + KAPPA * (x * x * x))));
    case Un.LOG_SIGMOID: return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
    case Un.LEAKY_RELU: return x > 0 ? x : x * a;
    case Un.ELU: return x <= 0 ? Math.expm1(x) * a : x;
    case Un.SOFTPLUS: return x * a > b ? x : Math.log1p(Math.exp(x * a)) / a;
    case Un.HARDTANH: return Math.min(Math.max(x, a), b); // NaN propagates, as the kernels
  }
  throw new Error(`unknown unary op ${op}`);
}

/** g * op'(x; a, b): the gradient rules behind Backend.unaryBackward. */
export function unaryGrad(op: UnOp, g: number, x: number, a: number, b: number): number {
  switch (op) {
    case Un.ERF: return 1.1283791670955126 * Math.exp(-(x * x)) * g;
    case Un.SILU: { const s = 1 / (1 + Math.exp(-x)); return g * s * (1 + x * (1 - s)); }
    case Un.GELU: {
      const cdf = 0.5 * (1 + erf(x * SQRT1_2));
      const pdf = 0.3989422804014327 * Math.exp(x * x * -0.5);
      return g * (cdf + x * pdf);
    }
    case Un.GELU_TANH: {
      const x2 = x * x;
      const t = Math.tanh(SQRT_2_OVER_PI * (x + KAPPA * (x2 * x)));
      return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * KAPPA * x2));
    }
    case Un.LOG_SIGMOID: { const z = Math.exp(-Math.abs(x)); const q = z / (1 + z); return g * (x < 0 ? 1 - q : q); }
    case Un.LEAKY_RELU: return x > 0 ? g : g * a;
    case Un.ELU: return x <= 0 ? g * a * Math.exp(x) : g;
    case Un.SOFTPLUS: { const z = Math.exp(x * a); return x * a > b ? g : (g * z) / (z + 1); }
    case Un.HARDTANH: return x <= a || x >= b ? 0 : g;
  }
  throw new Error(`no gradient kernel for unary op ${op}`);
}
