"""sort, argsort, topk: values, indices (with PyTorch 1.13's order of ties and NaN, which is
not stable past 16 elements), gradients, node names, dtypes and errors."""
from dsl import Input, ints, randn, tensor


def ties(*shape, levels=3, grad=False, dtype="float32", nan=0.0):
    """Small integers (many ties), some NaN: the cases where the sort algorithm shows."""
    def draw(rng, n):
        return [float("nan") if rng.random() < nan else float(int(rng.random() * (levels + 1))) for _ in range(n)]
    return Input(list(shape), dtype, grad, draw)


def build(suite):
    # sort: every argument form, both directions, vector and matrix, 0-d
    for args in ("", "0", "-1", "1", "0, true", "-1, true"):
        suite.case("sort", tags=["sort"],
                   inputs={"x": randn(3, 5, grad=True)},
                   steps=[f"[v, i] = x.sort({args})", "q = v.mul(v)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("sort_torch", tags=["sort", "module_function", "float64"],
               inputs={"x": randn(4, 3, grad=True, dtype="float64")},
               steps=["[v, i] = torch.sort(x, 0, true)", "w = v.mul(v)", "s = w.sum()"],
               backward=["s.backward()"])
    suite.case("sort_0d", tags=["sort"],
               inputs={"x": randn(grad=True)},
               steps=["[v, i] = x.sort()", "s = v.sum()"],
               backward=["s.backward()"])
    suite.case("sort_strided", tags=["sort", "strided"],
               inputs={"x": randn(6, 4, grad=True)},
               steps=["xt = x.t()", "[v, i] = xt.sort(1)", "s = v.sum()"],
               backward=["s.backward()"])
    # ties and NaN: insertion sort (<= 16), introsort (> 16), both directions
    for n in (5, 16, 17, 23, 40, 100):
        for desc in ("false", "true"):
            suite.case("sort_ties", tags=["sort", "ties"],
                       inputs={"x": ties(n, nan=0.1)},
                       steps=[f"[v, i] = x.sort(0, {desc})"])
    suite.case("sort_ties_rows", tags=["sort", "ties"],
               inputs={"x": ties(4, 33, levels=5)},
               steps=["[v, i] = x.sort(1)", "[w, j] = x.sort(0, true)"])
    suite.case("sort_signed_zeros", tags=["sort", "ties"],
               inputs={"x": tensor([0.0, -0.0, 1.0, -0.0, 0.0, float("-inf"), float("inf"), float("nan"), 0.0])},
               steps=["[v, i] = x.sort()", "[w, j] = x.sort(0, true)"])
    suite.case("sort_int", tags=["sort", "int32"],
               inputs={"x": ints(30, low=-2, high=2)},
               steps=["[v, i] = x.sort()", "[w, j] = x.sort(0, true)"])
    suite.case("sort_bool", tags=["sort", "bool"],
               inputs={"x": tensor([True, False, True, False, False], dtype="bool")},
               steps=["[v, i] = x.sort()"])
    suite.case("sort_empty", tags=["sort", "empty"],
               inputs={},
               steps=["x = torch.zeros(0, 3)", "[v, i] = x.sort(0)"])
    suite.case("sort_dim_range", tags=["sort", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["[v, i] = x.sort(2)"],
               error="Dimension out of range (expected to be in range of [-2, 1], but got 2)")
    suite.case("sort_double_backward", tags=["sort", "higher_order"],
               inputs={"x": randn(5, grad=True, dtype="float64")},
               steps=["[v, i] = x.sort()", "w = v.mul(v)", "s = w.sum()",
                      "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
               backward=["t.backward()"],
               expect=["v", "g", "t", "x.grad"])

    # argsort
    for args in ("", "0", "1, true"):
        suite.case("argsort", tags=["argsort"],
                   inputs={"x": ties(3, 20, levels=4)},
                   steps=[f"i = x.argsort({args})"])
    suite.case("argsort_torch", tags=["argsort", "module_function"],
               inputs={"x": randn(7)},
               steps=["i = torch.argsort(x, 0, true)"])

    # topk: k, dim, largest, sorted; ties through nth_element (k * 64 > n) and partial_sort
    for args in ("2", "3, 0", "1, -1, false", "4, 1, true, false", "2, 0, false, false", "5"):
        suite.case("topk", tags=["topk"],
                   inputs={"x": randn(4, 5, grad=True)},
                   steps=[f"[v, i] = x.topk({args})", "q = v.mul(v)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("topk_torch", tags=["topk", "module_function", "float64"],
               inputs={"x": randn(3, 6, grad=True, dtype="float64")},
               steps=["[v, i] = torch.topk(x, 3, -1)", "s = v.sum()"],
               backward=["s.backward()"])
    for n, k in ((7, 3), (20, 5), (40, 17), (70, 1), (130, 2), (300, 4), (25, 25), (10, 0)):
        for largest, srt in (("true", "true"), ("false", "true"), ("true", "false"), ("false", "false")):
            suite.case("topk_ties", tags=["topk", "ties"],
                       inputs={"x": ties(n, levels=4, nan=0.05)},
                       steps=[f"[v, i] = x.topk({k}, 0, {largest}, {srt})"])
    suite.case("topk_int", tags=["topk", "int32"],
               inputs={"x": ints(3, 10, low=-3, high=3)},
               steps=["[v, i] = x.topk(4)"])
    suite.case("topk_0d", tags=["topk"],
               inputs={"x": randn(grad=True)},
               steps=["[v, i] = x.topk(1)", "s = v.sum()"],
               backward=["s.backward()"])
    suite.case("topk_0d_k0", tags=["topk"],
               inputs={"x": randn()},
               steps=["[v, i] = x.topk(0)"])
    suite.case("topk_k_range", tags=["topk", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["[v, i] = x.topk(4)"],
               error="selected index k out of range")
    suite.case("topk_k_negative", tags=["topk", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["[v, i] = x.topk(-1)"],
               error="selected index k out of range")
    suite.case("topk_bool", tags=["topk", "bool", "errors"],
               inputs={"x": tensor([True, False], dtype="bool")},
               steps=["[v, i] = x.topk(1)"],
               error="\"topk_cpu\" not implemented for 'Bool'")
    suite.case("topk_double_backward", tags=["topk", "higher_order"],
               inputs={"x": randn(6, grad=True, dtype="float64")},
               steps=["[v, i] = x.topk(3)", "w = v.mul(v)", "s = w.sum()",
                      "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
               backward=["t.backward()"],
               expect=["v", "g", "t", "x.grad"])
