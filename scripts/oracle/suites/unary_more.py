"""log1p, expm1, rsqrt, reciprocal, square, erf, floor/ceil/round/trunc, atan2, lerp,
masked_fill: values, gradients, node names, dtypes and errors."""
from dsl import BROADCAST_PAIRS, bools, ints, positive, randn, tensor, uniform

SPECIAL = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1e-7, -1e-7, 0.5, -0.5, 3.0]


def build(suite):
    # ---- smooth unary ops: values, gradients, node names, on a few shapes and both float dtypes
    domains = {
        "log1p": lambda *s, **k: uniform(*s, low=-0.8, high=3.0, **k),
        "expm1": lambda *s, **k: randn(*s, **k),
        "rsqrt": lambda *s, **k: positive(*s, **k),
        "reciprocal": lambda *s, **k: uniform(*s, low=0.4, high=3.0, **k),
        "square": lambda *s, **k: randn(*s, **k),
        "erf": lambda *s, **k: randn(*s, scale=1.5, **k),
    }
    for op, draw in domains.items():
        for shape in ([5], [2, 3], []):
            suite.case(f"{op}", tags=[op],
                       inputs={"x": draw(*shape, grad=True)},
                       steps=[f"y = x.{op}()", "s = y.sum()"],
                       backward=["s.backward()"])
        suite.case(f"{op}_f64", tags=[op, "float64"],
                   inputs={"x": draw(2, 4, grad=True, dtype="float64")},
                   steps=[f"y = x.{op}()", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{op}_torch", tags=[op, "module_function"],
                   inputs={"x": draw(3, 2, grad=True)},
                   steps=[f"y = torch.{op}(x)", "s = y.sum()"],
                   backward=["s.backward()"])
        # a strided (transposed) input, and 17 elements: the kernels' vector loop and scalar tail
        suite.case(f"{op}_strided", tags=[op, "strided"],
                   inputs={"x": draw(17, 3, grad=True)},
                   steps=["xt = x.t()", f"y = xt.{op}()", "s = y.sum()"],
                   backward=["s.backward()"])
        # integer and bool inputs: float32 results (square keeps int, and makes int from bool)
        suite.case(f"{op}_int", tags=[op, "int32"],
                   inputs={"i": ints(6, low=1, high=4) if op in ("log1p", "rsqrt", "reciprocal") else ints(6, low=-3, high=3)},
                   steps=[f"y = i.{op}()"])
        suite.case(f"{op}_bool", tags=[op, "bool"],
                   inputs={"b": tensor([True, False, True], dtype="bool")},
                   steps=[f"y = b.{op}()"])
        suite.case(f"{op}_special", tags=[op, "nonfinite"],
                   inputs={"x": tensor(SPECIAL)},
                   steps=[f"y = x.{op}()"])
    suite.case("erf_wide", tags=["erf"],
               inputs={"x": tensor([-6.0, -4.2, -3.9, -2.6, -2.4, -1.01, -0.99, -0.2, 0.01, 0.3, 0.84, 0.86, 1.0, 1.3, 2.0, 2.49, 2.51, 3.5, 4.5, 7.0])},
               steps=["y = x.erf()"])
    suite.case("erf_wide_f64", tags=["erf", "float64"],
               inputs={"x": tensor([-6.0, -4.2, -3.9, -2.6, -2.4, -1.01, -0.99, -0.2, 1e-9, 0.3, 0.84, 0.86, 1.0, 1.3, 2.0, 2.49, 2.51, 3.5, 4.5, 7.0], dtype="float64")},
               steps=["y = x.erf()"])
    suite.case("log1p_small", tags=["log1p"],
               inputs={"x": tensor([1e-10, -1e-10, 1e-5, -1e-5, 2e-3, -0.999, 1e6, -1.0])},
               steps=["y = x.log1p()"])
    suite.case("expm1_small", tags=["expm1"],
               inputs={"x": tensor([1e-10, -1e-10, 1e-5, -1e-5, 2e-3, -0.49, 0.49, 0.51, -20.0, 80.0])},
               steps=["y = x.expm1()"])

    # ---- rounding: values (halves round to even), zero gradients, int copies, bool errors
    halves = [-2.5, -1.5, -0.5, -0.4, 0.4, 0.5, 1.5, 2.5, 3.5, -3.7, 3.7, 1e8 + 0.0, -0.0, float("nan"), float("inf"), 7.49999]
    for op in ("floor", "ceil", "round", "trunc"):
        suite.case(op, tags=[op],
                   inputs={"x": tensor(halves, grad=True)},
                   steps=[f"y = x.{op}()", "yx = y.mul(x)", "s = yx.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{op}_grad", tags=[op],
                   inputs={"x": randn(2, 3, grad=True, scale=3.0)},
                   steps=[f"y = x.{op}()", "s = y.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{op}_f64", tags=[op, "float64"],
                   inputs={"x": tensor(halves, dtype="float64")},
                   steps=[f"y = torch.{op}(x)"])
        suite.case(f"{op}_int", tags=[op, "int32"],
                   inputs={"i": ints(2, 3)},
                   steps=[f"y = i.{op}()"])
        suite.case(f"{op}_bool", tags=[op, "bool", "errors"],
                   inputs={"b": bools(3)},
                   steps=[f"y = b.{op}()"],
                   error=f"\"{op}_vml_cpu\" not implemented for 'Bool'")

    # ---- atan2: broadcasting, gradients to both sides, quadrants, promotion
    for a, b in BROADCAST_PAIRS:
        suite.case("atan2_bcast", tags=["atan2", "broadcast"],
                   inputs={"a": randn(a, grad=True), "b": randn(b, grad=True)},
                   steps=["y = a.atan2(b)", "s = y.sum()"],
                   backward=["s.backward()"])
    suite.case("atan2_torch", tags=["atan2", "module_function"],
               inputs={"a": randn(4, grad=True, dtype="float64"), "b": randn(4, dtype="float64")},
               steps=["y = torch.atan2(a, b)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("atan2_quadrants", tags=["atan2"],
               inputs={"a": tensor([1.0, 1.0, -1.0, -1.0, 0.0, -0.0, 0.0, -0.0, 2.0, float("inf"), float("nan")]),
                       "b": tensor([1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 0.0, float("inf"), 1.0])},
               steps=["y = a.atan2(b)"])
    suite.case("atan2_int", tags=["atan2", "int32"],
               inputs={"a": ints(4), "b": ints(4)},
               steps=["y = a.atan2(b)"])
    suite.case("atan2_mixed", tags=["atan2", "promotion"],
               inputs={"a": randn(3, dtype="float64"), "b": randn(3)},
               steps=["y = a.atan2(b)"])
    suite.case("atan2_shapes", tags=["atan2", "errors"],
               inputs={"a": randn(3), "b": randn(4)},
               steps=["y = a.atan2(b)"],
               error="The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0")

    # ---- lerp: number weights (both formulas and the exact ends), tensor weights, errors
    for w in (0.0, 0.3, 0.5, 0.7, 1.0, -0.5, 1.5):
        suite.case("lerp_scalar", tags=["lerp"],
                   inputs={"a": randn(2, 3, grad=True), "e": randn(2, 3, grad=True)},
                   steps=[f"y = a.lerp(e, {w})", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("lerp_tensor", tags=["lerp"],
               inputs={"a": randn(2, 3, grad=True), "e": randn(3, grad=True), "w": uniform(2, 1, low=-0.5, high=1.5, grad=True)},
               steps=["y = a.lerp(e, w)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("lerp_torch", tags=["lerp", "module_function", "float64"],
               inputs={"a": randn(4, grad=True, dtype="float64"), "e": randn(4, dtype="float64"), "w": uniform(4, dtype="float64")},
               steps=["y = torch.lerp(a, e, w)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("lerp_dtype", tags=["lerp", "errors"],
               inputs={"a": randn(3), "e": ints(3)},
               steps=["y = a.lerp(e, 0.5)"],
               error="for `end` but got dtype")
    suite.case("lerp_weight_dtype", tags=["lerp", "errors"],
               inputs={"a": randn(3), "e": randn(3), "w": ints(3)},
               steps=["y = a.lerp(e, w)"],
               error="for `weight` but got dtype")

    # ---- masked_fill: broadcasting masks, number and 0-d tensor values, dtypes, errors
    suite.case("masked_fill", tags=["masked_fill"],
               inputs={"x": randn(3, 4, grad=True), "m": bools(3, 4)},
               steps=["y = x.maskedFill(m, -1.5)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("masked_fill_bcast_mask", tags=["masked_fill", "broadcast"],
               inputs={"x": randn(2, 3, grad=True), "m": bools(3)},
               steps=["y = x.maskedFill(m, 2)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("masked_fill_bcast_self", tags=["masked_fill", "broadcast"],
               inputs={"x": randn(3, grad=True), "m": bools(2, 3)},
               steps=["y = x.maskedFill(m, 0.25)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("masked_fill_value_tensor", tags=["masked_fill"],
               inputs={"x": randn(2, 3, grad=True), "m": bools(2, 3), "v": randn(grad=True)},
               steps=["y = x.maskedFill(m, v)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("masked_fill_neg_inf", tags=["masked_fill", "softmax"],
               inputs={"x": randn(3, 3, grad=True), "m": tensor([[False, True, True], [False, False, True], [False, False, False]], dtype="bool")},
               steps=["y = x.maskedFill(m, -Infinity)", "p = y.softmax(-1)", "pp = p.mul(p)", "s = pp.sum()"],
               backward=["s.backward()"])
    suite.case("masked_fill_torch", tags=["masked_fill", "module_function"],
               inputs={"x": randn(4, dtype="float64"), "m": bools(4)},
               steps=["y = torch.maskedFill(x, m, 3)"])
    suite.case("masked_fill_int", tags=["masked_fill", "int32"],
               inputs={"x": ints(5), "m": bools(5)},
               steps=["y = x.maskedFill(m, 7)"])
    suite.case("masked_fill_bool", tags=["masked_fill", "bool"],
               inputs={"x": bools(5), "m": bools(5)},
               steps=["y = x.maskedFill(m, true)"])
    suite.case("masked_fill_value_dim", tags=["masked_fill", "errors"],
               inputs={"x": randn(3), "m": bools(3), "v": randn(1)},
               steps=["y = x.maskedFill(m, v)"],
               error="masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).")
    suite.case("masked_fill_shapes", tags=["masked_fill", "errors"],
               inputs={"x": randn(3), "m": bools(4)},
               steps=["y = x.maskedFill(m, 1)"],
               error="must match the size of tensor b (3) at non-singleton dimension 0")
