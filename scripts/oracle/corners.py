#!/usr/bin/env python3
"""Numeric corners (signed zeros, infinities, NaN, ties) recorded from PyTorch 1.13 on CPU,
for test/numeric_corners.test.ts, which runs every case on both backends.

    /usr/bin/python3 scripts/oracle/corners.py > test/golden/corners.json

A case is a family (the op), its non-tensor args, a dtype and the input tensors; recorded
are every output and, for float dtypes when the family is differentiable, the gradient of
the first output with `gout` (ones unless given) to each input. Values are numbers or the
strings "nan", "inf", "-inf" and "-0". The test holds one function per family.

Inputs stay small on purpose: PyTorch's full max()/min() break +-0 ties by the lanes of its
vectorized loop from 8 (float32) or 4 (float64) elements on, so those cases stay below that
(the test checks larger sizes against the documented rule instead).
"""
import json
import math
import sys

import torch

INF, NAN = math.inf, math.nan
V = [-INF, -1.0, -0.0, 0.0, 1.0, INF, NAN]  # every sign and kind, once
FLOATS = ["float32", "float64"]
DT = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int64, "bool": torch.bool}


def enc(v):
    if isinstance(v, (bool, int)):
        return v
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "-0"
    return v


def enc_nested(x):
    return [enc_nested(e) for e in x] if isinstance(x, list) else enc(x)


def flat(t):
    return [enc(v) for v in t.detach().reshape(-1).tolist()]


def dtype_name(t):
    return {torch.float32: "float32", torch.float64: "float64", torch.int64: "int32", torch.bool: "bool"}[t.dtype]


# family -> (function of (tensors, args), differentiable)
FAMILIES = {
    "unary": (lambda t, a: getattr(t[0], a[0])(), True),
    "binary": (lambda t, a: getattr(t[0], a[0])(t[1]), True),
    "pow_scalar": (lambda t, a: t[0].pow(a[0]), True),
    "clamp": (lambda t, a: t[0].clamp(a[0], a[1]), True),
    "clamp_": (lambda t, a: t[0].clone().clamp_(a[0], a[1]), False),
    "max_all": (lambda t, a: t[0].max(), True),
    "min_all": (lambda t, a: t[0].min(), True),
    "max_dim": (lambda t, a: tuple(t[0].max(a[0])), True),
    "min_dim": (lambda t, a: tuple(t[0].min(a[0])), True),
    "argmax": (lambda t, a: t[0].argmax(a[0]), False),
    "argmin": (lambda t, a: t[0].argmin(a[0]), False),
    "sum": (lambda t, a: t[0].sum() if a[0] is None else t[0].sum(a[0]), True),
    "mean": (lambda t, a: t[0].mean() if a[0] is None else t[0].mean(a[0]), True),
    "prod": (lambda t, a: t[0].prod() if a[0] is None else t[0].prod(a[0]), True),
    "norm": (lambda t, a: t[0].norm(a[0]) if a[1] is None else t[0].norm(a[0], a[1]), True),
    "where": (lambda t, a: torch.where(t[0], t[1], t[2]), True),
    "logsumexp": (lambda t, a: t[0].logsumexp(a[0]), True),
    "softmax": (lambda t, a: t[0].softmax(a[0]), True),
    "log_softmax": (lambda t, a: t[0].log_softmax(a[0]), True),
    "var": (lambda t, a: t[0].var(), True),
    "std": (lambda t, a: t[0].std(), True),
}

CASES = []


def case(family, args, inputs, dtypes=FLOATS, gout=None, elementwise=False, input_dtypes=None):
    fn, differentiable = FAMILIES[family]
    for dt in dtypes:
        dts = input_dtypes or [dt] * len(inputs)
        ts = [torch.tensor(x, dtype=DT[d]) for x, d in zip(inputs, dts)]
        grad = differentiable and dt in FLOATS
        if grad:
            for t in ts:
                if t.is_floating_point():
                    t.requires_grad_(True)
        outs = fn(ts, args)
        outs = list(outs) if isinstance(outs, tuple) else [outs]
        grads = None
        if grad:
            g = torch.ones_like(outs[0]) if gout is None else torch.tensor(gout, dtype=outs[0].dtype).reshape(outs[0].shape)
            outs[0].backward(g)
            grads = [None if t.grad is None else {"shape": list(t.shape), "data": flat(t.grad)} for t in ts]
        CASES.append({
            "family": family,
            "args": [enc(a) if isinstance(a, float) else a for a in args],
            "dtype": dt,
            "inputs": [{"dtype": "int32" if d == "int32" else d, "data": enc_nested(x)} for x, d in zip(inputs, dts)],
            "elementwise": elementwise,
            "gout": None if gout is None else [enc(v) for v in gout],
            "out": [{"shape": list(o.shape), "dtype": dtype_name(o), "data": flat(o)} for o in outs],
            "grads": grads,
        })


col = [[v] for v in V]  # [7, 1] against a [7] row: all 49 pairs by broadcasting

# ---- unary: every op at every special value; gradients from a mixed gout ----------------------
GOUT7 = [1.0, -1.0, INF, NAN, 2.0, -0.0, 1.0]
for op in ["neg", "abs", "sign", "relu", "sqrt", "log"]:
    case("unary", [op], [V], elementwise=True)
# transcendental results of finite non-zero inputs are rounded differently by each library
for op in ["exp", "tanh", "sigmoid", "sin", "cos"]:
    case("unary", [op], [[-INF, -0.0, 0.0, INF, NAN]], elementwise=True)
for op in ["abs", "relu", "sqrt", "log"]:
    case("unary", [op], [[-2.0, -0.0, 0.0, 4.0, NAN, -INF, INF]], gout=GOUT7, elementwise=True)
for op in ["neg", "abs", "sign", "relu"]:
    case("unary", [op], [[-3, 0, 2, -1]], dtypes=["int32"], elementwise=True)

# ---- binary: all pairs of special values; gradients too -------------------------------------
for op in ["add", "sub", "mul", "div", "maximum", "minimum", "pow"]:
    case("binary", [op], [col, V], elementwise=True)
# ties and NaN against every gradient; gout with inf/nan shows masking (0) vs multiplying (nan)
case("binary", ["maximum"], [[0.0, -0.0, 1.0, NAN, 2.0, 1.0], [-0.0, 0.0, 1.0, 0.0, 1.0, 2.0]], gout=[1.0, 1.0, 3.0, 1.0, INF, NAN], elementwise=True)
case("binary", ["minimum"], [[0.0, -0.0, 1.0, NAN, 2.0, 1.0], [-0.0, 0.0, 1.0, 0.0, 1.0, 2.0]], gout=[1.0, 1.0, 3.0, 1.0, NAN, INF], elementwise=True)
case("binary", ["div"], [[1e-30, 1e30, -0.0, 3.0], [1e-30, 1e30, 2.0, -0.0]], elementwise=True)
for op in ["maximum", "minimum", "add", "mul"]:
    case("binary", [op], [[-3, 0, 2, 7], [1, 0, -2, 7]], dtypes=["int32"], elementwise=True)
# tensor exponent: C's pow elementwise (no sqrt special case), and both gradients
case("binary", ["pow"], [col, [-INF, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, INF, NAN]], elementwise=True)
case("binary", ["pow"], [[0.0, 2.0, -0.0, 0.0], [2.0, 0.0, 0.5, -1.0]], gout=[NAN, -1.0, -1.0, INF], elementwise=True)

# ---- pow with a number: PyTorch's sqrt / rsqrt / reciprocal / x*x / x*x*x / 1/(x*x) cases ------
PX = [-INF, -2.0, -1.0, -0.0, 0.0, 0.25, 1.0, 4.0, INF, NAN]
for e in [0.5, -0.5, -1.0, 2.0, 3.0, -2.0, 0.0, 1.0, 1.5, -1.5, 2.5]:  # results exact
    case("pow_scalar", [e], [PX], elementwise=True)
case("pow_scalar", [0.0], [[1.0, NAN, -0.0]], gout=[NAN, -1.0, INF], elementwise=True)
case("pow_scalar", [0.5], [[0, 4, 9]], dtypes=["int32"], elementwise=True)
case("pow_scalar", [2], [[-3, 0, 5]], dtypes=["int32"], elementwise=True)  # int exponent: int result
case("pow_scalar", [0], [[-3, 0, 5]], dtypes=["int32"], elementwise=True)
case("pow_scalar", [1], [[-3, 0, 5]], dtypes=["int32"], elementwise=True)
case("pow_scalar", [3], [[-3, 0, 5]], dtypes=["int32"], elementwise=True)

# ---- clamp: ties keep x, a NaN bound, lo > hi, gradients at the bounds and at NaN ----------------
CX = [-0.0, 0.0, -1.0, 0.5, 1.0, 2.0, NAN, -INF, INF]
GOUT9 = [1.0, 1.0, INF, NAN, 1.0, INF, 1.0, NAN, 1.0]
for lo, hi in [(0.0, None), (-0.0, None), (None, 0.0), (None, -0.0), (0.0, 1.0), (-0.0, 0.0), (1.0, 0.0),
               (NAN, None), (None, NAN), (NAN, 1.0), (0.0, NAN), (-INF, INF), (0.5, 0.5)]:
    case("clamp", [lo, hi], [CX], gout=GOUT9, elementwise=True)
for lo, hi in [(NAN, 1.0), (NAN, None), (-0.0, 0.0)]:
    case("clamp_", [lo, hi], [CX], elementwise=True)
case("clamp", [NAN, None], [[-3, 0, 2]], dtypes=["int32"])  # a float bound: a float result
case("clamp", [0, 2], [[-3, 0, 2, 5]], dtypes=["int32"], elementwise=True)
case("clamp", [None, -1], [[-3, 0, 2, 5]], dtypes=["int32"], elementwise=True)

# ---- where keeps the sign of the picked zero ---------------------------------------------------
case("where", [], [[True, False, True], [-0.0, -0.0, NAN], [0.0, -0.0, 1.0]], input_dtypes=["bool", "float32", "float32"], dtypes=["float32"])
case("where", [], [[True, False, True], [-0.0, -0.0, NAN], [0.0, -0.0, 1.0]], input_dtypes=["bool", "float64", "float64"], dtypes=["float64"])

# ---- full max()/min(): NaN wins, +-0 ties go to the later element (below 4 elements) ---------
for x in [[-0.0, 0.0], [0.0, -0.0], [0.0, -0.0, 0.0], [-0.0, -0.0], [1.0, NAN, 2.0], [NAN, 1.0, NAN],
          [2.0, 1.0, 2.0], [-0.0, -1.0, 0.0, -0.0], [-INF, -INF], [INF, 1.0]]:
    case("max_all", [], [x])
    case("min_all", [], [x])
case("max_all", [], [[3, -1, 3, 2]], dtypes=["int32"])
case("min_all", [], [[3, -1, -1, 2]], dtypes=["int32"])

# ---- max(dim)/min(dim): the first extreme (or first NaN), its index; any size -------------------
DIMX = [[-0.0, 0.0, -1.0], [0.0, -0.0, NAN], [NAN, 1.0, NAN], [2.0, 1.0, 2.0], [-0.0, -0.0, 0.0], [-INF, -INF, -INF]]
for d in [0, 1]:
    case("max_dim", [d], [DIMX])
    case("min_dim", [d], [DIMX])
    case("argmax", [d], [DIMX])
    case("argmin", [d], [DIMX])
# long rows and columns: PyTorch's dim reduction is a scalar loop, so these are exact at any size
long_row = [[(-0.0 if i % 3 == 0 else 0.0) if i % 5 else -1.0 for i in range(40)],
            [float(i % 7) for i in range(40)],
            [NAN if i in (17, 33) else float(-(i % 4)) for i in range(40)]]
for d in [0, 1]:
    case("max_dim", [d], [long_row])
    case("min_dim", [d], [long_row])
    case("argmax", [d], [long_row])
    case("argmin", [d], [long_row])
case("argmax", [None], [[1.0, NAN, 2.0, NAN]])
case("argmin", [None], [[1.0, NAN, 0.0, NAN]])
case("argmax", [None], [[-0.0, 0.0]])
case("argmin", [None], [[0.0, -0.0]])
case("argmax", [None], [long_row[2][:37]])
case("argmin", [None], [long_row[0][:37]])
case("max_dim", [1], [[[3, -1, 3, 2]]], dtypes=["int32"])
case("argmin", [None], [[3, -1, -1, 2]], dtypes=["int32"])

# ---- sum, mean, prod of signed zeros ------------------------------------------------------------
for x in [[-0.0], [-0.0, -0.0], [-0.0] * 40]:
    case("sum", [None], [x])
    case("mean", [None], [x])
case("mean", [1], [[[1.0, 2.0, 2.0], [2.0, 2.0, 3.0], [10.0, 10.0, 11.0]]])  # s / n, not s * (1 / n)
case("sum", [1], [[[-0.0, -0.0], [-0.0, 0.0]]])
case("sum", [0], [[[-0.0, -0.0], [-0.0, 0.0]]])
case("sum", [0], [[[-0.0] * 9] * 3])
case("prod", [None], [[-0.0]])
case("prod", [None], [[-1.0, 0.0]])
case("prod", [1], [[[-0.0, -1.0], [-0.0, 2.0]]])
case("prod", [None], [[INF, 0.0]])
# gradients: the product of the others, with its signed zeros and 0 * inf = NaN
case("prod", [None], [[-0.0, -0.0, 3.0]], gout=[NAN])  # two zeros over all elements: zeros
case("prod", [None], [[-0.0, 2.0, -3.0]])
case("prod", [None], [[-0.0, 2.0, INF]])
case("prod", [None], [[-0.0, NAN, 2.0]])
PZ = [[-0.0, -0.0, 3.0], [0.0, -1.0, 0.0], [INF, 0.0, 3.0], [-0.0, INF, -0.0], [2.0, 3.0, -1.0]]
case("prod", [1], [PZ])
case("prod", [0], [PZ])
# without zeros: g * (out / x), where (g * out) / x would overflow
case("prod", [None], [[10.0, 1.0]], gout=[1e38])
case("prod", [1], [[[10.0, 1.0]]], gout=[1e38])

# ---- norm(+-inf): sign(x) * (grad / count) * mask, NaN entries in the mask (sign(NaN) = 0) ---------
for p in [INF, -INF]:
    case("norm", [p, None], [[1.0, NAN, -3.0]])
    case("norm", [p, None], [[1.0, -3.0, 3.0]])
    case("norm", [p, None], [[-0.5, 0.5, 1.0]])
    case("norm", [p, None], [[-0.0, 0.0]])
    case("norm", [p, 1], [[[1.0, NAN, -3.0], [2.0, -2.0, 1.0]]])
    case("norm", [p, 0], [[[1.0, NAN, -3.0], [2.0, -2.0, 1.0]]])
# other p: a zero norm masks its slice; an inf gradient there shows masking vs multiplying
for p in [0.0, 1.0, 2.0, 3.0, 0.5, 1.5]:
    case("norm", [p, 1], [[[-0.0, 0.0], [4.0, -4.0], [-2.0, NAN], [INF, 1.0]]], gout=[INF, 1.0, -1.0, 1.0])
    case("norm", [p, None], [[-0.0, 0.0, -0.0]])

# ---- softmax family and spread at infinities, NaN and constant inputs -----------------------------
SM = [[-INF, -INF], [INF, 1.0], [-INF, 0.0], [NAN, 1.0], [INF, INF], [-0.0, 0.0]]
for fam in ["logsumexp", "softmax", "log_softmax"]:
    case(fam, [1], [SM])
for fam in ["var", "std"]:
    for x in [[-0.0, -0.0], [1.0, 1.0, 1.0], [INF, 1.0], [NAN, 1.0]]:
        case(fam, [], [x])

# one case a line, so a re-recording diffs readably
sys.stdout.write('{"source":%s,\n"cases":[\n' % json.dumps(
    f"PyTorch {torch.__version__} (Debian python3-torch 1.13.1), CPU; scripts/oracle/corners.py"))
sys.stdout.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in CASES))
sys.stdout.write("\n]}\n")
