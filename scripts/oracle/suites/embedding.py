"""
Embedding lookups: F.embedding (values, the scatter-added gradient, paddingIdx positive and
negative, repeated indices, 0-d and empty indices, float64 and int32 tables, maxNorm's in-place
renormalisation, scaleGradByFreq, double backward) and nn.Embedding (printed form, the padding
row zeroed, N(0, 1) initialisation checked by its statistics, forward and backward with a given
table, stateDict), and PyTorch's errors.
"""
from dsl import ints, randn, tensor

F = "torch.nn.functional"
NN = "torch.nn"


def build(suite):
    # ---- F.embedding ---------------------------------------------------------------------------
    cases = [
        ("1d", ints(6, low=0, high=4), "{}"),
        ("2d_repeats", ints(3, 4, low=0, high=4), "{}"),
        ("3d", ints(2, 2, 3, low=0, high=4), "{}"),
        ("padding", ints(4, 3, low=0, high=4), "{ paddingIdx: 2 }"),
        ("padding_negative", ints(4, 3, low=0, high=4), "{ paddingIdx: -1 }"),
        ("padding_zero", ints(8, low=0, high=4), "{ paddingIdx: 0 }"),
        ("padding_null", ints(5, low=0, high=4), "{ paddingIdx: null }"),
        ("scale_grad_by_freq", ints(3, 4, low=0, high=4), "{ scaleGradByFreq: true }"),
        ("scale_grad_by_freq_padding", ints(3, 4, low=0, high=4), "{ scaleGradByFreq: true, paddingIdx: 1 }"),
    ]
    for name, idx, opts in cases:
        suite.case(f"F_{name}", tags=["functional"],
                   inputs={"i": idx, "w": randn(5, 3, grad=True), "r": randn(*idx.shape, 3)},
                   steps=[f"y = {F}.embedding(i, w, {opts})", "q = y.mul(r)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("F_f64", tags=["float64"], inputs={"i": ints(3, 2, low=0, high=6), "w": randn(7, 4, grad=True, dtype="float64")},
               steps=[f"y = {F}.embedding(i, w)", "q = y.mul(y)", "s = q.sum()"], backward=["s.backward()"])
    suite.case("F_scalar_index", tags=["functional"], inputs={"w": randn(4, 3, grad=True)},
               steps=['i = torch.tensor(2, { dtype: "int32" })', f"y = {F}.embedding(i, w)", "s = y.sum()"], backward=["s.backward()"],
               expect=["y", "y.gradFn", "y.shape", "w.grad"])
    suite.case("F_empty_index", tags=["empty"], inputs={"w": randn(4, 3, grad=True)},
               steps=['i = torch.zeros([0, 2], { dtype: "int32" })', f"y = {F}.embedding(i, w)", "s = y.sum()"], backward=["s.backward()"],
               expect=["y", "y.gradFn", "y.shape", "w.grad"])
    suite.case("F_int_table", tags=["int32"], inputs={"i": ints(4, low=0, high=2), "w": ints(3, 2)},
               steps=[f"y = {F}.embedding(i, w)"])
    suite.case("F_strided_index", tags=["strided"], inputs={"i": ints(3, 4, low=0, high=5), "w": randn(6, 2, grad=True)},
               steps=["it = i.t()", f"y = {F}.embedding(it, w)", "q = y.mul(y)", "s = q.sum()"], backward=["s.backward()"],
               expect=["y", "s", "w.grad"])
    suite.case("F_no_grad", tags=["functional"], inputs={"i": ints(4, low=0, high=2), "w": randn(3, 2)},
               steps=[f"y = {F}.embedding(i, w)"])
    # max_norm: the looked-up rows of the table are renormalised in place first
    for name, opts in [("max_norm", "{ maxNorm: 1 }"), ("max_norm_p1", "{ maxNorm: 1.5, normType: 1 }")]:
        suite.case(f"F_{name}", tags=["max_norm"],
                   inputs={"i": tensor([0, 2, 0, 3], dtype="int32"), "w": tensor([[3.0, 4.0], [0.3, 0.4], [1.0, 1.0], [0.1, 0.2], [5.0, 0.0]])},
                   steps=[f"y = {F}.embedding(i, w, {opts})"], expect=["y", "w"])
    # the gradient of the gradient (EmbeddingBackward0's gradient is linear in the output gradient)
    suite.case("double_backward", tags=["higher_order"],
               inputs={"i": ints(2, 3, low=0, high=3), "w": randn(4, 3, grad=True, dtype="float64")},
               steps=[f"y = {F}.embedding(i, w, {{ paddingIdx: 1 }})", "q = y.mul(y)", "p = q.mul(y)", "s = p.sum()",
                      "[g] = torch.autograd.grad([s], [w], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
               backward=["t.backward()"], expect=["y", "g", "t", "w.grad"])

    # torch.embedding: PyTorch's positional form (table first; a negative padding index is none)
    for name, args in [("torch", ""), ("torch_padding", ", 2"), ("torch_padding_negative", ", -1, true")]:
        suite.case(f"{name}_embedding", tags=["torch"], inputs={"i": ints(2, 3, low=0, high=4), "w": randn(5, 3, grad=True), "r": randn(2, 3, 3)},
                   steps=[f"y = torch.embedding(w, i{args})", "q = y.mul(r)", "s = q.sum()"], backward=["s.backward()"])

    # ---- nn.Embedding --------------------------------------------------------------------------
    for name, ctor in [("plain", "Embedding(10, 4)"), ("padding", "Embedding(10, 4, { paddingIdx: 3 })"),
                       ("padding_negative", "Embedding(10, 4, { paddingIdx: -2 })"),
                       ("max_norm", "Embedding(5, 2, { maxNorm: 2, normType: 1, scaleGradByFreq: true })")]:
        suite.case(f"repr_{name}", tags=["repr", "module"], steps=[f"m = new {NN}.{ctor}"],
                   expect=["repr:m", "m.weight.shape", "m.weight.requiresGrad", "m.numEmbeddings", "m.embeddingDim", "m.paddingIdx"])
    suite.case("module_padding_row", tags=["module", "init"], steps=[f"m = new {NN}.Embedding(6, 3, {{ paddingIdx: 4 }})", "mw = m.weight", "pr = mw.select(0, 4)"],
               expect=["pr"])
    # N(0, 1): 20000 samples have mean within 0.05 of 0 and std within 0.05 of 1
    suite.case("module_init_normal", tags=["module", "init"],
               steps=[f"m = new {NN}.Embedding(2000, 10)", "mw = m.weight", "mu = mw.mean()", "am = mu.abs()", "ok_mean = am.lt(0.05)",
                      "sd = mw.std()", "dev = sd.sub(1)", "ad = dev.abs()", "ok_std = ad.lt(0.05)"],
               expect=["ok_mean", "ok_std"])
    suite.case("module_forward", tags=["module"], inputs={"i": ints(3, 2, low=0, high=4), "w": randn(5, 3), "r": randn(3, 2, 3)},
               steps=[f"m = new {NN}.Embedding(5, 3, {{ paddingIdx: 0 }})", "mw = m.weight", "torch.noGrad(() => mw.copy_(w))",
                      "y = m.call(i)", "q = y.mul(r)", "s = q.sum()", "sd = m.stateDict()"],
               backward=["s.backward()"], expect=["y", "y.gradFn", "s", "m.weight.grad", "sd"])
    suite.case("module_max_norm", tags=["module", "max_norm"], inputs={"i": tensor([1, 1, 2], dtype="int32"), "w": tensor([[1.0, 1.0], [2.0, 2.0], [0.5, 0.5]])},
               steps=[f"m = new {NN}.Embedding(3, 2, {{ maxNorm: 1 }})", "mw = m.weight", "torch.noGrad(() => mw.copy_(w))",
                      "y = m.call(i)", "s = y.sum()"],
               backward=["s.backward()"], expect=["y", "m.weight", "m.weight.grad"])

    # ---- errors --------------------------------------------------------------------------------
    def err(name, steps, error, inputs=None):
        suite.case(f"error_{name}", tags=["errors"], inputs=inputs or {}, steps=steps, error=error)

    w = {"w": randn(5, 3)}
    err("out_of_range", [f"y = {F}.embedding(i, w)"], "index out of range in self", {**w, "i": tensor([1, 5], dtype="int32")})
    err("negative", [f"y = {F}.embedding(i, w)"], "index out of range in self", {**w, "i": tensor([-1], dtype="int32")})
    err("float_indices", [f"y = {F}.embedding(i, w)"],
        "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.",
        {**w, "i": tensor([1.0, 2.0])})
    err("double_indices", [f"y = {F}.embedding(i, w)"], "but got torch.DoubleTensor instead", {**w, "i": tensor([1.0], dtype="float64")})
    err("weight_1d", [f"y = {F}.embedding(i, w)"], "'weight' must be 2-D", {"w": randn(5), "i": tensor([1], dtype="int32")})
    err("weight_3d", [f"y = {F}.embedding(i, w)"], "'weight' must be 2-D", {"w": randn(5, 2, 2), "i": tensor([1], dtype="int32")})
    err("padding_too_big", [f"y = {F}.embedding(i, w, {{ paddingIdx: 5 }})"], "Padding_idx must be within num_embeddings",
        {**w, "i": tensor([1], dtype="int32")})
    err("padding_too_small", [f"y = {F}.embedding(i, w, {{ paddingIdx: -6 }})"], "Padding_idx must be within num_embeddings",
        {**w, "i": tensor([1], dtype="int32")})
    err("padding_float", [f"y = {F}.embedding(i, w, {{ paddingIdx: 1.5 }})"], "embedding(): argument 'padding_idx' (position 3) must be int, not float",
        {**w, "i": tensor([1], dtype="int32")})
    err("max_norm_out_of_range", [f"y = {F}.embedding(i, w, {{ maxNorm: 1 }})"], "select(): index 5 out of range for tensor of size [5, 3] at dimension 0",
        {**w, "i": tensor([5], dtype="int32")})
    err("unknown_option", [f"y = {F}.embedding(i, w, {{ padding: 1 }})"], "embedding() got an unexpected keyword argument 'padding'",
        {**w, "i": tensor([1], dtype="int32")})
    err("torch_float_indices", ["y = torch.embedding(w, i)"], "but got torch.", {**w, "i": tensor([1.0])})
    err("module_padding", [f"m = new {NN}.Embedding(4, 2, {{ paddingIdx: 4 }})"], "Padding_idx must be within num_embeddings")
    err("module_padding_negative", [f"m = new {NN}.Embedding(4, 2, {{ paddingIdx: -5 }})"], "Padding_idx must be within num_embeddings")
    err("module_negative", [f"m = new {NN}.Embedding(-1, 3)"], "Trying to create tensor with negative dimension -1: [-1, 3]")
    err("module_out_of_range", [f"m = new {NN}.Embedding(4, 2)", "y = m.call(i)"], "index out of range in self", {"i": tensor([[0, 4]], dtype="int32")})
