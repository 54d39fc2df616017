"""gather, scatter, scatter_add, index_select and advanced indexing with an int32 tensor:
values, gradients (repeated indices accumulate), node names, second derivatives and errors."""
from dsl import Input, ints, randn, tensor


def index_ints(*shape, high):
    """int32 indices in [0, high)."""
    return Input(list(shape), "int32", False, lambda rng, n: [int(rng.random() * high) for _ in range(n)])


def build(suite):
    # ---- gather
    for xs, dim, ishape in (([3, 4], 1, [3, 6]), ([3, 4], 0, [5, 4]), ([3, 4], 1, [2, 2]), ([2, 3, 4], 2, [2, 3, 5]),
                            ([2, 3, 4], 0, [4, 2, 3]), ([5], 0, [8]), ([3, 4], -1, [3, 4])):
        suite.case("gather", tags=["gather"],
                   inputs={"x": randn(*xs, grad=True), "i": index_ints(*ishape, high=xs[dim])},
                   steps=[f"y = x.gather({dim}, i)", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("gather_torch", tags=["gather", "module_function", "float64"],
               inputs={"x": randn(4, 3, grad=True, dtype="float64"), "i": index_ints(2, 3, high=4)},
               steps=["y = torch.gather(x, 0, i)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("gather_strided", tags=["gather", "strided"],
               inputs={"x": randn(4, 3, grad=True), "i": index_ints(3, 4, high=3)},
               steps=["xt = x.t()", "it = i.t()", "y = xt.gather(0, it)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("gather_int", tags=["gather", "int32"],
               inputs={"x": ints(3, 4), "i": index_ints(3, 2, high=4)},
               steps=["y = x.gather(1, i)"])
    suite.case("gather_bool", tags=["gather", "bool"],
               inputs={"x": tensor([[True, False, True], [False, False, True]], dtype="bool"), "i": index_ints(2, 4, high=3)},
               steps=["y = x.gather(1, i)"])
    suite.case("gather_0d", tags=["gather"],
               inputs={"x": randn(grad=True), "i": tensor(0, dtype="int32")},
               steps=["y = x.gather(0, i)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("gather_double_backward", tags=["gather", "higher_order"],
               inputs={"x": randn(3, 4, grad=True, dtype="float64"), "i": index_ints(3, 5, high=4)},
               steps=["y = x.gather(1, i)", "q = y.mul(y)", "s = q.sum()",
                      "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
               backward=["t.backward()"],
               expect=["y", "g", "t", "x.grad"])
    suite.case("gather_bounds", tags=["gather", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0, 3]], dtype="int32")},
               steps=["y = x.gather(1, i)"],
               error="index 3 is out of bounds for dimension 1 with size 3")
    suite.case("gather_negative", tags=["gather", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0, -1]], dtype="int32")},
               steps=["y = x.gather(1, i)"],
               error="index -1 is out of bounds for dimension 1 with size 3")
    suite.case("gather_ndim", tags=["gather", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([0, 1], dtype="int32")},
               steps=["y = x.gather(1, i)"],
               error="Index tensor must have the same number of dimensions as input tensor")
    suite.case("gather_size", tags=["gather", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0], [1], [1]], dtype="int32")},
               steps=["y = x.gather(1, i)"],
               error="Size does not match at dimension 0 expected index [3, 1] to be smaller than self [2, 3] apart from dimension 1")
    suite.case("gather_dtype", tags=["gather", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0.0, 1.0]])},
               steps=["y = x.gather(1, i)"],
               error="gather(): Expected dtype int64 for index")

    # ---- scatter (a tensor source and a number), scatter_add (repeats accumulate)
    for xs, dim, ishape in (([3, 4], 1, [3, 2]), ([3, 4], 0, [2, 4]), ([2, 3, 4], 2, [2, 3, 3]), ([6], 0, [4])):
        suite.case("scatter", tags=["scatter"],
                   inputs={"x": randn(*xs, grad=True), "i": index_ints(*ishape, high=xs[dim]), "src": randn(*ishape, grad=True)},
                   steps=[f"y = x.scatter({dim}, i, src)", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
        suite.case("scatter_value", tags=["scatter"],
                   inputs={"x": randn(*xs, grad=True), "i": index_ints(*ishape, high=xs[dim])},
                   steps=[f"y = x.scatter({dim}, i, 2.5)", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
        suite.case("scatter_add", tags=["scatterAdd"],
                   inputs={"x": randn(*xs, grad=True), "i": index_ints(*ishape, high=xs[dim]), "src": randn(*ishape, grad=True)},
                   steps=[f"y = x.scatterAdd({dim}, i, src)", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("scatter_add_repeats", tags=["scatterAdd"],
               inputs={"x": randn(2, 3, grad=True), "i": tensor([[0, 0, 2, 0], [1, 1, 1, 1]], dtype="int32"), "src": randn(2, 4, grad=True)},
               steps=["y = x.scatterAdd(1, i, src)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("scatter_src_larger", tags=["scatter"],
               inputs={"x": randn(3, 4, grad=True), "i": tensor([[1, 3], [0, 2]], dtype="int32"), "src": randn(4, 5)},
               steps=["y = x.scatter(1, i, src)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    # PyTorch 1.13's gradient for src is the index's shape, which its engine then refuses
    suite.case("scatter_src_larger_grad", tags=["scatter", "errors"],
               inputs={"x": randn(3, 4, grad=True), "i": tensor([[1, 3], [0, 2]], dtype="int32"), "src": randn(4, 5, grad=True)},
               steps=["y = x.scatter(1, i, src)", "s = y.sum()"],
               backward=["s.backward()"],
               error="Function ScatterBackward0 returned an invalid gradient at index 1 - got [2, 2] but expected shape compatible with [4, 5]")
    suite.case("scatter_torch", tags=["scatter", "module_function", "float64"],
               inputs={"x": randn(3, 3, dtype="float64"), "i": tensor([[2, 1, 0]], dtype="int32"), "src": randn(1, 3, dtype="float64")},
               steps=["y = torch.scatter(x, 0, i, src)", "z = torch.scatterAdd(x, 0, i, src)"])
    suite.case("scatter_int", tags=["scatter", "int32"],
               inputs={"x": ints(2, 4), "i": index_ints(2, 3, high=4), "src": ints(2, 3)},
               steps=["y = x.scatter(1, i, src)", "z = x.scatterAdd(1, i, src)", "w = x.scatter(1, i, 7)"])
    suite.case("scatter_add_double_backward", tags=["scatterAdd", "higher_order"],
               inputs={"x": randn(3, 4, grad=True, dtype="float64"), "i": index_ints(3, 6, high=4), "src": randn(3, 6, grad=True, dtype="float64")},
               steps=["y = x.scatterAdd(1, i, src)", "q = y.mul(y)", "s = q.sum()",
                      "[g, h] = torch.autograd.grad([s], [x, src], { createGraph: true })", "hs = h.sum()", "gg = g.mul(hs)", "t = gg.sum()"],
               backward=["t.backward()"],
               expect=["y", "g", "h", "t", "x.grad", "src.grad"])
    suite.case("scatter_dtype", tags=["scatter", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0, 1]], dtype="int32"), "src": ints(1, 2)},
               steps=["y = x.scatter(1, i, src)"],
               error="scatter(): Expected self.dtype to be equal to src.dtype")
    suite.case("scatter_bounds", tags=["scatter", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0, 5]], dtype="int32"), "src": randn(2, 2)},
               steps=["y = x.scatter(1, i, src)"],
               error="index 5 is out of bounds for dimension 1 with size 3")
    suite.case("scatter_shape", tags=["scatter", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0, 1], [1, 2]], dtype="int32"), "src": randn(1, 1)},
               steps=["y = x.scatter(1, i, src)"],
               error="Expected index [2, 2] to be smaller than self [2, 3] apart from dimension 1 and to be smaller size than src [1, 1]")
    suite.case("scatter_add_bounds", tags=["scatterAdd", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0, 5]], dtype="int32"), "src": randn(2, 2)},
               steps=["y = x.scatterAdd(1, i, src)"],
               error="index 5 is out of bounds for dimension 1 with size 3")

    # ---- index_select
    for xs, dim, n in (([3, 4], 1, 6), ([3, 4], 0, 2), ([2, 3, 4], 1, 5), ([5], 0, 7)):
        suite.case("index_select", tags=["indexSelect"],
                   inputs={"x": randn(*xs, grad=True), "i": index_ints(n, high=xs[dim])},
                   steps=[f"y = x.indexSelect({dim}, i)", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("index_select_torch", tags=["indexSelect", "module_function", "float64"],
               inputs={"x": randn(3, 4, grad=True, dtype="float64"), "i": tensor([3, 3, 0], dtype="int32")},
               steps=["y = torch.indexSelect(x, -1, i)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("index_select_strided", tags=["indexSelect", "strided"],
               inputs={"x": randn(4, 3, grad=True), "i": tensor([2, 0, 2], dtype="int32")},
               steps=["xt = x.t()", "y = xt.indexSelect(0, i)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("index_select_int", tags=["indexSelect", "int32"],
               inputs={"x": ints(3, 4), "i": tensor([1, 0], dtype="int32")},
               steps=["y = x.indexSelect(0, i)"])
    suite.case("index_select_0d_index", tags=["indexSelect"],
               inputs={"x": randn(2, 3, grad=True), "i": tensor(1, dtype="int32")},
               steps=["y = x.indexSelect(1, i)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("index_select_double_backward", tags=["indexSelect", "higher_order"],
               inputs={"x": randn(3, 4, grad=True, dtype="float64"), "i": tensor([1, 1, 3], dtype="int32")},
               steps=["y = x.indexSelect(1, i)", "q = y.mul(y)", "s = q.sum()",
                      "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
               backward=["t.backward()"],
               expect=["y", "g", "t", "x.grad"])
    suite.case("index_select_bounds", tags=["indexSelect", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([0, 3], dtype="int32")},
               steps=["y = x.indexSelect(1, i)"],
               error="INDICES element is out of DATA bounds, id=3 axis_dim=3")
    suite.case("index_select_vector", tags=["indexSelect", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([[0]], dtype="int32")},
               steps=["y = x.indexSelect(1, i)"],
               error="index_select(): Index is supposed to be a vector")

    # ---- advanced indexing: one int32 tensor among the indices
    for xs, args in (([4, 3], "i"), ([4, 3], "null, j"), ([2, 4, 3], "1, i"), ([2, 4, 3], "null, i, [0, 2]"),
                     ([2, 4, 3], "[0, 2], i"), ([2, 4, 3], "null, null, j"), ([2, 4, 3], "m"), ([2, 4, 3], "0, null, j")):
        suite.case("advanced_index", tags=["index", "advanced"],
                   inputs={"x": randn(*xs, grad=True), "i": tensor([3, 0, 3, -1], dtype="int32"), "j": tensor([[2, 0], [1, 2]], dtype="int32"),
                           "m": tensor([[1, 0, 1]], dtype="int32")},
                   steps=[f"y = x.index({args})", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"],
                   also=["y.gradFn.nextFunctions"])
    suite.case("advanced_index_0d", tags=["index", "advanced"],
               inputs={"x": randn(3, 2, grad=True), "i": tensor(2, dtype="int32")},
               steps=["y = x.index(i)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("advanced_index_int", tags=["index", "advanced", "int32"],
               inputs={"x": ints(3, 4), "i": tensor([2, 2, 0], dtype="int32")},
               steps=["y = x.index(null, i)"])
    suite.case("advanced_index_bounds", tags=["index", "advanced", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([0, 2], dtype="int32")},
               steps=["y = x.index(i)"],
               error="index 2 is out of bounds for dimension 0 with size 2")
    suite.case("advanced_index_bounds_negative", tags=["index", "advanced", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([0, -3], dtype="int32")},
               steps=["y = x.index(i)"],
               error="index -3 is out of bounds for dimension 0 with size 2")
    suite.case("advanced_index_float", tags=["index", "advanced", "errors"],
               inputs={"x": randn(2, 3), "i": tensor([0.0, 1.0])},
               steps=["y = x.index(i)"],
               error="tensors used as indices must be long, byte or bool tensors")
    # a trailing `null` after a number is a slice applied last (PyTorch's x[0, :])
    suite.case("index_select_then_slice", tags=["index"],
               inputs={"x": randn(2, 3, grad=True)},
               steps=["y = x.index(0, null)", "s = y.sum()"],
               backward=["s.backward()"])
    # basic indexing by a tuple, as PyTorch applies it: a slice over a whole dimension with explicit
    # bounds is skipped (nothing applied at all: an alias), `null` (`:`) is applied
    for args in ("[0, 2], [0, 3]", "1, [0, 3]", "[0, 2], 1", "null, [0, 3]", "[0, 2]", "[null, 2], null", "[-2, 2], [0, 3]"):
        suite.case("basic_index_naming", tags=["index"],
                   inputs={"x": randn(2, 3, grad=True)},
                   steps=[f"y = x.index({args})", "s = y.sum()"],
                   backward=["s.backward()"])
