"""split, chunk, unbind (several views, one node), narrow, select, repeat, flip, roll, tril,
triu: values, gradients (also when only some pieces get one), node names and errors."""
from dsl import bools, ints, randn


def build(suite):
    # ---- split / chunk / unbind: views with one multi-output node
    for args, outs in (("2", "[a, b]"), ("2, 1", "[a, b, c]"), ("[1, 4], 1", "[a, b]"), ("[0, 5, 0], 1", "[a, b, c]"),
                       ("5, 1", "[a]"), ("3", "[a]")):
        suite.case("split", tags=["split"],
                   inputs={"x": randn(3, 5, grad=True)},
                   steps=[f"{outs} = x.split({args})", "q = a.mul(a)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("split_all_used", tags=["split"],
               inputs={"x": randn(4, 3, grad=True)},
               steps=["[a, b] = x.split(2)", "p = a.mul(b)", "s = p.sum()"],
               backward=["s.backward()"])
    suite.case("split_torch", tags=["split", "module_function"],
               inputs={"x": randn(6, grad=True)},
               steps=["[a, b, c] = torch.split(x, [1, 2, 3])", "bs = b.sum()", "q = c.mul(bs)", "s = q.sum()"],
               backward=["s.backward()"])
    for args, outs in (("2", "[a, b]"), ("3, 1", "[a, b, c]"), ("4, 1", "[a, b, c]"), ("2, -1", "[a, b]"), ("5", "[a, b, c, d, e]")):
        suite.case("chunk", tags=["chunk"],
                   inputs={"x": randn(5, 5, grad=True)},
                   steps=[f"{outs} = x.chunk({args})", "q = b.mul(b)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("chunk_empty", tags=["chunk", "empty"],
               inputs={},
               steps=["x = torch.zeros(2, 0)", "[a, b, c] = x.chunk(3, 1)"])
    suite.case("chunk_torch", tags=["chunk", "module_function"],
               inputs={"x": randn(6, 2, grad=True)},
               steps=["[a, b, c] = torch.chunk(x, 4)", "q = c.mul(a)", "s = q.sum()"],
               backward=["s.backward()"])
    for dim, outs in ((0, "[a, b, c]"), (1, "[a, b]"), (-1, "[a, b]")):
        suite.case("unbind", tags=["unbind"],
                   inputs={"x": randn(3, 2, grad=True)},
                   steps=[f"{outs} = x.unbind({dim})", "q = a.mul(b)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("unbind_torch", tags=["unbind", "module_function"],
               inputs={"x": randn(2, 3, grad=True, dtype="float64")},
               steps=["[a, b] = torch.unbind(x)", "q = a.mul(b)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("split_views_share", tags=["split", "views"],
               inputs={"x": randn(4)},
               steps=["[a, b] = x.split(2)", "a.mul_(10)"],
               expect=["x", "a", "b"])
    suite.case("split_inplace", tags=["split", "errors"],
               inputs={"x": randn(4, grad=True)},
               steps=["y = x.mul(2)", "[a, b] = y.split(2)", "a.mul_(3)"],
               error="Output 0 of SplitBackward0 is a view and is being modified inplace. This view is the output of a function that returns multiple views.")
    suite.case("unbind_inplace", tags=["unbind", "errors"],
               inputs={"x": randn(2, 3, grad=True)},
               steps=["y = x.mul(2)", "[a, b] = y.unbind()", "b.add_(1)"],
               error="Output 1 of UnbindBackward0 is a view and is being modified inplace.")
    suite.case("split_sizes_sum", tags=["split", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["[a, b] = x.split([1, 1], 1)"],
               error="split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at dimension 1), but got split_sizes=[1, 1]")
    suite.case("split_zero", tags=["split", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["[a] = x.split(0, 1)"],
               error="split_size can only be 0 if dimension size is 0, but got dimension size of 3")
    suite.case("split_negative", tags=["split", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["[a] = x.split(-1, 1)"],
               error="split expects split_size be non-negative, but got split_size=-1")
    suite.case("chunk_zero", tags=["chunk", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["[a] = x.chunk(0)"],
               error="chunk expects `chunks` to be greater than 0, got: 0")

    # ---- narrow / select
    for args in ("1, 1, 2", "1, -2, 2", "0, 0, 1", "1, 3, 0", "-1, 0, 3"):
        suite.case("narrow", tags=["narrow"],
                   inputs={"x": randn(2, 3, grad=True)},
                   steps=[f"y = x.narrow({args})", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("narrow_torch", tags=["narrow", "module_function"],
               inputs={"x": randn(4, grad=True)},
               steps=["y = torch.narrow(x, 0, 1, 2)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("narrow_exceeds", tags=["narrow", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["y = x.narrow(1, 1, 5)"],
               error="start (1) + length (5) exceeds dimension size (3).")
    suite.case("narrow_start", tags=["narrow", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["y = x.narrow(1, 4, 0)"],
               error="Dimension out of range (expected to be in range of [-3, 2], but got 4)")
    for args in ("1, 2", "1, -1", "0, 0", "-2, 1"):
        suite.case("select", tags=["select"],
                   inputs={"x": randn(2, 3, grad=True)},
                   steps=[f"y = x.select({args})", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("select_torch", tags=["select", "module_function"],
               inputs={"x": randn(3, 2, grad=True)},
               steps=["y = torch.select(x, 0, 2)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("select_range", tags=["select", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["y = x.select(1, 3)"],
               error="select(): index 3 out of range for tensor of size [2, 3] at dimension 1")

    # ---- repeat
    for args in ("2, 2", "2, 1, 2", "[1, 3]", "0, 1", "3, 1, 1"):
        suite.case("repeat", tags=["repeat"],
                   inputs={"x": randn(2, 3, grad=True)},
                   steps=[f"y = x.repeat({args})", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("repeat_strided", tags=["repeat", "strided"],
               inputs={"x": randn(3, 2, grad=True)},
               steps=["xt = x.t()", "y = xt.repeat(2, 3)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("repeat_int_bool", tags=["repeat", "int32", "bool"],
               inputs={"i": ints(2, 2), "b": bools(3)},
               steps=["y = i.repeat(1, 2)", "z = b.repeat(2)"])
    suite.case("repeat_dims", tags=["repeat", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["y = x.repeat(2)"],
               error="Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    suite.case("repeat_double_backward", tags=["repeat", "higher_order"],
               inputs={"x": randn(2, 2, grad=True, dtype="float64")},
               steps=["y = x.repeat(2, 3)", "q = y.mul(y)", "s = q.sum()",
                      "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
               backward=["t.backward()"],
               expect=["y", "g", "t", "x.grad"])

    # ---- flip / roll
    for args in ("0", "1", "0, 1", "[0, 1]", "-1"):
        suite.case("flip", tags=["flip"],
                   inputs={"x": randn(2, 3, grad=True)},
                   steps=[f"y = x.flip({args})", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("flip_torch", tags=["flip", "module_function", "int32"],
               inputs={"i": ints(2, 3, 2)},
               steps=["y = torch.flip(i, [0, 2])"])
    suite.case("flip_strided", tags=["flip", "strided"],
               inputs={"x": randn(3, 4, grad=True)},
               steps=["xt = x.t()", "y = xt.flip(1)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("flip_dup", tags=["flip", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["y = x.flip(0, 0)"],
               error="dim 0 appears multiple times in the list of dims")
    for args in ("1", "1, 1", "-1, 0", "[1, 2], [0, 1]", "7, 1", "-5"):
        suite.case("roll", tags=["roll"],
                   inputs={"x": randn(2, 3, grad=True)},
                   steps=[f"y = x.roll({args})", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("roll_torch", tags=["roll", "module_function", "bool"],
               inputs={"b": bools(5)},
               steps=["y = torch.roll(b, 2)"])
    suite.case("roll_align", tags=["roll", "errors"],
               inputs={"x": randn(2, 3)},
               steps=["y = x.roll([1, 2], 1)"],
               error="shifts and dimensions must align. shifts: 2, dims:1")

    # ---- tril / triu
    for op in ("tril", "triu"):
        for args in ("", "1", "-1", "5", "-3"):
            suite.case(op, tags=[op],
                       inputs={"x": randn(3, 4, grad=True)},
                       steps=[f"y = x.{op}({args})", "q = y.mul(y)", "s = q.sum()"],
                       backward=["s.backward()"])
        suite.case(f"{op}_batched", tags=[op],
                   inputs={"x": randn(2, 3, 3, grad=True)},
                   steps=[f"y = torch.{op}(x, 1)", "s = y.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{op}_int_bool", tags=[op, "int32", "bool"],
                   inputs={"i": ints(3, 3), "b": bools(2, 3)},
                   steps=[f"y = i.{op}()", f"z = b.{op}()"])
        suite.case(f"{op}_1d", tags=[op, "errors"],
                   inputs={"x": randn(3)},
                   steps=[f"y = x.{op}()"],
                   error="Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    suite.case("causal_mask", tags=["tril", "masked_fill"],
               inputs={"x": randn(4, 4, grad=True)},
               steps=["o = torch.ones(4, 4)", "u = o.triu(1)", "m = u.bool()", "y = x.maskedFill(m, -Infinity)", "p = y.softmax(-1)", "q = p.mul(p)", "s = q.sum()"],
               backward=["s.backward()"])
    # narrow over a whole dimension still slices (SliceBackward0), unlike x.index([0, n], ...)
    suite.case("narrow_whole", tags=["narrow"],
               inputs={"x": randn(2, 3, grad=True)},
               steps=["y = x.narrow(1, 0, 3)", "s = y.sum()"],
               backward=["s.backward()"])
