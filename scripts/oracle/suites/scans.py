"""cumsum, cumprod, amax, amin: values, gradients (cumprod's with zeros), node names, dtypes,
second derivatives and errors."""
from dsl import bools, ints, positive, randn, tensor, uniform


def build(suite):
    for op in ("cumsum", "cumprod"):
        draw = randn if op == "cumsum" else (lambda *s, **k: uniform(*s, low=0.5, high=1.5, **k))
        for shape, dim in (([5], 0), ([3, 4], 1), ([3, 4], 0), ([2, 3, 4], -2), ([2, 3, 17], 2), ([], 0)):
            suite.case(op, tags=[op],
                       inputs={"x": draw(*shape, grad=True)},
                       steps=[f"y = x.{op}({dim})", "q = y.mul(y)", "s = q.sum()"],
                       backward=["s.backward()"])
        suite.case(f"{op}_f64", tags=[op, "float64"],
                   inputs={"x": draw(4, 6, grad=True, dtype="float64")},
                   steps=[f"y = torch.{op}(x, 1)", "s = y.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{op}_strided", tags=[op, "strided"],
                   inputs={"x": draw(5, 3, grad=True)},
                   steps=["xt = x.t()", f"y = xt.{op}(1)", "s = y.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{op}_int", tags=[op, "int32"],
                   inputs={"i": ints(2, 5, low=-3, high=3)},
                   steps=[f"y = i.{op}(1)"])
        suite.case(f"{op}_bool", tags=[op, "bool"],
                   inputs={"b": bools(2, 5)},
                   steps=[f"y = b.{op}(-1)"])
        suite.case(f"{op}_empty", tags=[op, "empty"],
                   inputs={},
                   steps=["x = torch.zeros(0, 3)", f"y = x.{op}(0)"])
        suite.case(f"{op}_special", tags=[op, "nonfinite"],
                   inputs={"x": tensor([1.0, float("inf"), 2.0, float("nan"), -1.0, 0.0, 3.0])},
                   steps=[f"y = x.{op}(0)"])
        suite.case(f"{op}_double_backward", tags=[op, "higher_order"],
                   inputs={"x": draw(2, 5, grad=True, dtype="float64")},
                   steps=[f"y = x.{op}(1)", "q = y.mul(y)", "s = q.sum()",
                          "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
                   backward=["t.backward()"],
                   expect=["y", "g", "t", "x.grad"])
        suite.case(f"{op}_dim_range", tags=[op, "errors"],
                   inputs={"x": randn(2, 3)},
                   steps=[f"y = x.{op}(2)"],
                   error="Dimension out of range (expected to be in range of [-2, 1], but got 2)")
    # cumprod's gradient where the input holds zeros: one, two, at the ends
    for data in ([2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 3.0, 0.5], [2.0, 3.0, 0.5, 0.0], [1.5, 0.0, 2.0, 0.0, 3.0], [0.0, 0.0, 2.0]):
        suite.case("cumprod_zeros", tags=["cumprod", "zeros"],
                   inputs={"x": tensor(data, grad=True), "w": uniform(len(data), low=0.5, high=1.5)},
                   steps=["y = x.cumprod(0)", "q = y.mul(w)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("cumprod_zeros_2d", tags=["cumprod", "zeros"],
               inputs={"x": tensor([[1.5, 0.0, 2.0], [0.0, 0.5, 3.0], [2.0, 1.0, 0.0]], grad=True)},
               steps=["y = x.cumprod(1)", "s = y.sum()", "z = x.cumprod(0)", "t = z.sum()"],
               backward=["s.backward()", "t.backward()"])
    suite.case("cumsum_large_f32", tags=["cumsum"],
               inputs={"x": tensor([1e8, 1.0, 1.0, 1.0, -1e8, 1.0, 1.0])},
               steps=["y = x.cumsum(0)"])

    # amax / amin: dims, keepdim, ties (the gradient is shared), dtypes, errors
    for op in ("amax", "amin"):
        for args in ("", "1", "0, true", "[0, 2]", "[-1, 0], true", "[]"):
            suite.case(op, tags=[op],
                       inputs={"x": randn(2, 3, 4, grad=True)},
                       steps=[f"y = x.{op}({args})", "q = y.mul(y)", "s = q.sum()"],
                       backward=["s.backward()"])
        suite.case(f"{op}_ties", tags=[op, "ties"],
                   inputs={"x": tensor([[1.0, 3.0, 3.0, -2.0], [-2.0, -2.0, 0.5, -2.0]], grad=True)},
                   steps=[f"y = x.{op}(1)", "s = y.sum()", f"z = x.{op}()", "t = z.sum()"],
                   backward=["s.backward()", "t.backward()"])
        suite.case(f"{op}_torch", tags=[op, "module_function", "float64"],
                   inputs={"x": randn(3, 4, grad=True, dtype="float64")},
                   steps=[f"y = torch.{op}(x, 0)", "s = y.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{op}_int", tags=[op, "int32"],
                   inputs={"i": ints(3, 4)},
                   steps=[f"y = i.{op}(1)", f"z = i.{op}()"])
        suite.case(f"{op}_bool", tags=[op, "bool"],
                   inputs={"b": bools(3, 4)},
                   steps=[f"y = b.{op}(0)"])
        suite.case(f"{op}_nan", tags=[op, "nonfinite"],
                   inputs={"x": tensor([[1.0, float("nan"), 2.0], [float("-inf"), 0.0, float("inf")]])},
                   steps=[f"y = x.{op}(1)", f"z = x.{op}(0)"])
        suite.case(f"{op}_empty_dim", tags=[op, "errors"],
                   inputs={},
                   steps=["x = torch.zeros(0, 3)", f"y = x.{op}(0)"],
                   error=f"{op}(): Expected reduction dim 0 to have non-zero size.")
        suite.case(f"{op}_empty_ok", tags=[op, "empty"],
                   inputs={},
                   steps=["x = torch.zeros(0, 3)", f"y = x.{op}(1)"])
        suite.case(f"{op}_empty_all", tags=[op, "errors"],
                   inputs={},
                   steps=["x = torch.zeros(0, 3)", f"y = x.{op}()"],
                   error=f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        suite.case(f"{op}_dup_dims", tags=[op, "errors"],
                   inputs={"x": randn(2, 3)},
                   steps=[f"y = x.{op}([0, -2])"],
                   error="dim 0 appears multiple times in the list of dims")
        suite.case(f"{op}_double_backward", tags=[op, "higher_order"],
                   inputs={"x": positive(3, 4, grad=True, dtype="float64")},
                   steps=[f"y = x.{op}(1)", "q = y.mul(y)", "s = q.sum()",
                          "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
                   backward=["t.backward()"],
                   expect=["y", "g", "t", "x.grad"])
