// The op and dtype codes of the Wasm ABI, defined here only: scripts/gen-abi.mjs (run by
// `npm run build`) writes them into src/backend/abi.generated.ts for the TypeScript side
// (Un, Bin, Red in src/backend/backend.ts; DT and MAX_DIMS in src/backend/wasm/index.ts).
// Compile-time constants: switches on them fold away. Every member needs an explicit value.

export const enum Un {
  NEG = 0, ABS = 1, EXP = 2, LOG = 3, SQRT = 4, SIN = 5, COS = 6, TANH = 7, SIGMOID = 8, RELU = 9, SIGN = 10,
  LOG1P = 11, EXPM1 = 12, RSQRT = 13, RECIPROCAL = 14, ERF = 15, FLOOR = 16, CEIL = 17, ROUND = 18, TRUNC = 19,
  SILU = 20, GELU = 21, GELU_TANH = 22, LOG_SIGMOID = 23,
  // with parameters a, b (unary_params_*): slope; alpha; beta, threshold; min, max
  LEAKY_RELU = 24, ELU = 25, SOFTPLUS = 26, HARDTANH = 27,
}

export const enum Bin {
  ADD = 0, SUB = 1, MUL = 2, DIV = 3, POW = 4, MAXIMUM = 5, MINIMUM = 6,
  EQ = 7, NE = 8, LT = 9, LE = 10, GT = 11, GE = 12,
  ATAN2 = 13,
}

// MAX/MIN give the first of tied extremes (+0 vs -0) along the axis, as max(dim); MAX_LAST/MIN_LAST
// the last, as PyTorch's max() over all elements does below its vector width (assembly/kernels/reduce.ts)
export const enum Red { SUM = 0, PROD = 1, MAX = 2, MIN = 3, ARGMAX = 4, ARGMIN = 5, MAX_LAST = 6, MIN_LAST = 7 }

// Pooling (assembly/kernels/pool.ts): MAX writes the argmax indices that GATHER reads (max pooling's
// double backward); each has an adjoint (backward) kernel
export const enum Pool { MAX = 0, AVG = 1, ADAPTIVE_AVG = 2, GATHER = 3 }
/** Cumulative ops along the middle axis of [outer, axis, inner] (cumsum, cumprod). */
export const enum Scan { SUM = 0, PROD = 1 }

/** Elementwise losses (assembly/kernels/loss.ts): binary cross entropy on probabilities and on
 *  logits, smooth L1 (parameter beta), Huber (parameter delta). */
export const enum Loss { BCE = 0, BCE_LOGITS = 1, SMOOTH_L1 = 2, HUBER = 3 }

/** Storage element types: float32, float64, int32, bool (one byte). */
export const enum DT { F32 = 0, F64 = 1, I32 = 2, BOOL = 3 }

/** Most dimensions a strided kernel accepts (the TS side checks before writing the scratch area). */
// @ts-ignore: decorator
@inline export const MAX_DIMS: i32 = 64;
