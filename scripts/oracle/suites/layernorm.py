"""F.layerNorm and nn.LayerNorm: values, gradients of input, weight and bias, second
derivatives, node names, dtypes, the module's printed form and state dict, and PyTorch's errors."""
from dsl import randn, ints

F = "torch.nn.functional"
NN = "torch.nn"


def build(suite):
    # (input shape, normalized shape, weight, bias)
    forms = [
        ([3, 4], [4], True, True),
        ([2, 3, 5], [3, 5], True, True),
        ([2, 3, 37], [37], True, True),   # a row length off the vector width: the kernels' tails
        ([4, 6], [6], False, False),
        ([4, 6], [6], True, False),
        ([4, 6], [6], False, True),
        ([5], [5], True, True),           # one row
        ([2, 2, 3, 8], [8], True, True),
    ]
    for shape, ns, w, b in forms:
        name = "x".join(map(str, shape)) + "_" + "x".join(map(str, ns)) + ("_w" if w else "") + ("_b" if b else "")
        inputs = {"x": randn(*shape, grad=True)}
        args = ["x", str(ns)]
        expect = ["y", "y.gradFn", "y.dtype", "s", "x.grad"]
        if w or b:
            inputs["w"] = randn(*ns, grad=True, scale=0.5, shift=1.0)
            args.append("w" if w else "null")
            if w:
                expect.append("w.grad")
        if b:
            inputs["b"] = randn(*ns, grad=True)
            args.append("b")
            expect.append("b.grad")
        if "w" in inputs and not w:
            del inputs["w"]
        suite.case(f"layer_norm_{name}", tags=["layer_norm"], inputs={**inputs, "gy": randn(*shape)},
                   steps=[f"y = {F}.layerNorm({', '.join(args)})", "q = y.mul(gy)", "s = q.sum()"],
                   backward=["s.backward()"], expect=expect)

    # float64, eps given, a large offset (two-pass statistics), a strided input
    suite.case("layer_norm_f64_eps", tags=["layer_norm", "float64"],
               inputs={"x": randn(3, 7, grad=True, dtype="float64"), "w": randn(7, grad=True, dtype="float64"),
                       "b": randn(7, grad=True, dtype="float64"), "gy": randn(3, 7, dtype="float64")},
               steps=[f"y = {F}.layerNorm(x, [7], w, b, 0.1)", "q = y.mul(gy)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "y.dtype", "x.grad", "w.grad", "b.grad"])
    suite.case("layer_norm_offset", tags=["layer_norm", "stability"],
               inputs={"x": randn(4, 16, grad=True, shift=10.0), "gy": randn(4, 16)},
               steps=[f"y = {F}.layerNorm(x, [16])", "q = y.mul(gy)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "x.grad"])
    suite.case("layer_norm_strided", tags=["layer_norm", "strided"],
               inputs={"x": randn(9, 4, grad=True), "w": randn(9, grad=True), "gy": randn(4, 9)},
               steps=["xt = x.t()", f"y = {F}.layerNorm(xt, [9], w)", "q = y.mul(gy)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "x.grad", "w.grad"])
    suite.case("layer_norm_constant_rows", tags=["layer_norm"],
               inputs={"x": randn(2, 4, grad=True, scale=0.0, shift=3.0)},
               steps=[f"y = {F}.layerNorm(x, [4])", "s = y.sum()"], backward=["s.backward()"], expect=["y", "x.grad"])
    suite.case("layer_norm_no_grad", tags=["layer_norm"], inputs={"x": randn(2, 4)},
               steps=[f"y = {F}.layerNorm(x, [4])"], expect=["y", "y.gradFn", "y.requiresGrad"])
    suite.case("layer_norm_empty", tags=["layer_norm"],
               steps=["x = torch.zeros([0, 4])", f"y = {F}.layerNorm(x, [4])"], expect=["y"])

    # the gradient of the gradient (float64)
    for name, with_wb in [("plain", False), ("affine", True)]:
        inputs = {"x": randn(3, 5, grad=True, dtype="float64"), "gy": randn(3, 5, dtype="float64")}
        args = "x, [5]"
        grads = "[x]"
        outs = "[gx]"
        extra = []
        if with_wb:
            inputs["w"] = randn(5, grad=True, dtype="float64", shift=1.0)
            inputs["b"] = randn(5, grad=True, dtype="float64")
            args += ", w, b"
            grads = "[x, w]"
            outs = "[gx, gw]"
            extra = ["gw2 = gw.mul(gw)", "t2 = gw2.sum()", "t3 = t.add(t2)"]
        steps = [f"y = {F}.layerNorm({args})", "q = y.mul(gy)", "r = q.mul(q)", "s = r.sum()",
                 f"{outs} = torch.autograd.grad([s], {grads}, {{ createGraph: true }})", "gg = gx.mul(gx)", "t = gg.sum()", *extra]
        root = "t3" if with_wb else "t"
        suite.case(f"layer_norm_double_backward_{name}", tags=["layer_norm", "higher_order"], inputs=inputs,
                   steps=steps, backward=[f"{root}.backward()"],
                   expect=["gx", root, "x.grad"] + (["gw", "w.grad", "b.grad"] if with_wb else []))

    # errors, in PyTorch's words
    def err(name, steps, error, inputs):
        suite.case(f"layer_norm_error_{name}", tags=["errors", "layer_norm"], inputs=inputs, steps=steps, error=error)

    err("input_shape", [f"y = {F}.layerNorm(x, [3])"],
        "Given normalized_shape=[3], expected input with shape [*, 3], but got input of size[2, 4]", {"x": randn(2, 4)})
    err("input_too_small", [f"y = {F}.layerNorm(x, [2, 3, 4])"],
        "Given normalized_shape=[2, 3, 4], expected input with shape [*, 2, 3, 4], but got input of size[3, 4]", {"x": randn(3, 4)})
    err("weight_shape", [f"y = {F}.layerNorm(x, [4], w)"],
        "Expected weight to be of same shape as normalized_shape, but got weight of shape [3] and normalized_shape = [4]",
        {"x": randn(2, 4), "w": randn(3)})
    err("bias_shape", [f"y = {F}.layerNorm(x, [4], null, b)"],
        "Expected bias to be of same shape as normalized_shape, but got bias of shape [2, 2] and normalized_shape = [4]",
        {"x": randn(2, 4), "b": randn(2, 2)})
    err("empty_shape", [f"y = {F}.layerNorm(x, [])"],
        "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []",
        {"x": randn(2, 4)})
    err("int_input", [f"y = {F}.layerNorm(x, [4])"], '"LayerNormKernelImpl" not implemented for', {"x": ints(2, 4)})
    err("shape_not_list", [f"y = {F}.layerNorm(x, 4)"], "layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not int",
        {"x": randn(2, 4)})

    # the module
    for name, ctor in [("int", "LayerNorm(4)"), ("list", "LayerNorm([3, 4])"), ("eps", "LayerNorm(4, { eps: 0.001 })"),
                       ("small_eps", "LayerNorm(6, { eps: 1e-06 })"), ("no_affine", "LayerNorm([2, 5], { elementwiseAffine: false })")]:
        suite.case(f"module_repr_{name}", tags=["repr", "layer_norm"], steps=[f"m = new {NN}.{ctor}", "sd = m.stateDict()"],
                   expect=["repr:m", "sd"])
    suite.case("module_forward", tags=["module", "layer_norm"],
               inputs={"x": randn(2, 3, 6, grad=True), "w": randn(6), "b": randn(6), "gy": randn(2, 3, 6)},
               steps=[f"m = new {NN}.LayerNorm(6, {{ eps: 0.01 }})", "mw = m.weight", "torch.noGrad(() => mw.copy_(w))",
                      "mb = m.bias", "torch.noGrad(() => mb.copy_(b))", "y = m.call(x)", "q = y.mul(gy)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "y.gradFn", "x.grad", "m.weight.grad", "m.bias.grad"])
    suite.case("module_forward_no_affine", tags=["module", "layer_norm"],
               inputs={"x": randn(2, 3, 6, grad=True), "gy": randn(2, 3, 6)},
               steps=[f"m = new {NN}.LayerNorm([3, 6], {{ elementwiseAffine: false }})", "y = m.call(x)", "q = y.mul(gy)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "x.grad", "m.weight", "m.bias"])
