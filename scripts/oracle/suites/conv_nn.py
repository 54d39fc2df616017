"""
The convolution and pooling modules (nn.Conv1d, nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d,
nn.AdaptiveAvgPool2d, nn.Flatten, nn.Identity): printed form, parameter shapes, forward and
backward values with given weights (PyTorch's random stream cannot be matched, so initial values
are only checked against their bounds), and the constructors' errors.
"""
from dsl import Input, _shape

NN = "torch.nn"


def grid(*shape, grad=False):
    """Values in [-2, 2] on a grid of 1/8 (products and their sums exact in float32)."""
    return Input(_shape(shape), "float32", grad, lambda rng, n: [round((rng.random() * 4 - 2) * 8) / 8 for _ in range(n)])


def build(suite):
    # printed forms (PyTorch's extra_repr) and parameter shapes
    reprs = [
        ("conv2d_pad", "Conv2d(1, 8, 3, { padding: 1 })"),
        ("conv2d_all", 'Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: 2, groups: 2, bias: false })'),
        ("conv2d_same", 'Conv2d(2, 4, 3, { padding: "same" })'),
        ("conv2d_valid", 'Conv2d(2, 4, 3, { padding: "valid" })'),
        ("conv2d_zero_padding", "Conv2d(3, 5, 1, { stride: 2 })"),
        ("conv1d", "Conv1d(2, 4, 3, { padding: 1 })"),
        ("conv1d_same_groups", 'Conv1d(2, 4, 3, { padding: "same", bias: false, groups: 2, dilation: 2 })'),
    ]
    for name, ctor in reprs:
        suite.case(f"repr_{name}", tags=["repr"], steps=[f"m = new {NN}.{ctor}"],
                   expect=["repr:m", "m.weight.shape", "m.weight.requiresGrad", "m.weight.isLeaf"] + ([] if "bias: false" in ctor else ["m.bias.shape"]))
    for name, ctor in [("maxpool", "MaxPool2d(2)"), ("maxpool_all", "MaxPool2d(3, { stride: 2, padding: 1, dilation: 2, ceilMode: true })"),
                       ("avgpool", "AvgPool2d(2)"), ("avgpool_opts", "AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false })"),
                       ("adaptive", "AdaptiveAvgPool2d(1)"), ("flatten", "Flatten()"), ("flatten_dims", "Flatten({ startDim: 0, endDim: 2 })"),
                       ("identity", "Identity()")]:
        suite.case(f"repr_{name}", tags=["repr"], steps=[f"m = new {NN}.{ctor}"], expect=["repr:m"])
    suite.case("repr_cnn", tags=["repr"],
               steps=[f"c1 = new {NN}.Conv2d(1, 8, 3, {{ padding: 1 }})", f"r1 = new {NN}.ReLU()", f"p1 = new {NN}.MaxPool2d(2)",
                      f"f = new {NN}.Flatten()", f"l = new {NN}.Linear(392, 10)", f"net = new {NN}.Sequential(c1, r1, p1, f, l)"],
               expect=["repr:net"])

    # the default initialisation: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and bias (fanIn 18 here:
    # bound 0.2357); 54 weights all below half the bound would be a broken initialiser
    suite.case("init_bounds", tags=["init"],
               steps=[f"m = new {NN}.Conv2d(2, 3, 3)", "mw = m.weight", "a = mw.abs()", "am = a.max()", "inside = am.le(0.2358)", "spread = am.gt(0.1178)",
                      "mb = m.bias", "ab = mb.abs()", "bm = ab.max()", "binside = bm.le(0.2358)"],
               expect=["inside", "spread", "binside"])
    suite.case("init_bounds_groups", tags=["init"],
               steps=[f"m = new {NN}.Conv1d(4, 6, 5, {{ groups: 2 }})", "mw = m.weight", "a = mw.abs()", "am = a.max()", "inside = am.le(0.3163)", "spread = am.gt(0.1581)"],
               expect=["inside", "spread", "m.weight.shape"])

    # forward and backward with the weights set
    def module_case(name, ctor, x_shape, w_shape, bias=True):
        inputs = {"x": grid(*x_shape, grad=True), "w": grid(*w_shape)}
        steps = [f"m = new {NN}.{ctor}", "mw = m.weight", "torch.noGrad(() => mw.copy_(w))"]
        expect = ["y", "y.gradFn", "s", "x.grad", "m.weight.grad"]
        if bias:
            inputs["b"] = grid(w_shape[0])
            steps += ["mb = m.bias", "torch.noGrad(() => mb.copy_(b))"]
            expect.append("m.bias.grad")
        steps += ["y = m.call(x)", "q = y.mul(y)", "s = q.sum()"]
        suite.case(f"module_{name}", tags=["module"], inputs=inputs, steps=steps, backward=["s.backward()"], expect=expect)

    module_case("conv2d", "Conv2d(2, 3, 3, { padding: 1 })", [2, 2, 5, 5], [3, 2, 3, 3])
    module_case("conv2d_strided_no_bias", "Conv2d(2, 4, [3, 2], { stride: 2, bias: false })", [1, 2, 7, 6], [4, 2, 3, 2], bias=False)
    module_case("conv2d_groups_same", 'Conv2d(4, 4, 3, { padding: "same", groups: 2 })', [1, 4, 5, 5], [4, 2, 3, 3])
    module_case("conv2d_unbatched", "Conv2d(3, 2, 3)", [3, 5, 5], [2, 3, 3, 3])
    module_case("conv1d", "Conv1d(2, 3, 3, { padding: 1, dilation: 2 })", [2, 2, 9], [3, 2, 3])
    for name, ctor, shape in [("maxpool", "MaxPool2d(2)", [2, 3, 6, 6]), ("maxpool_opts", "MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true })", [1, 2, 6, 6]),
                              ("avgpool", "AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })", [1, 2, 7, 7]),
                              ("adaptive", "AdaptiveAvgPool2d([2, 3])", [2, 2, 5, 7]), ("flatten", "Flatten()", [2, 3, 2, 2]),
                              ("flatten_dims", "Flatten({ startDim: 2 })", [2, 3, 2, 2]), ("identity", "Identity(3, 4)", [2, 3])]:
        suite.case(f"module_{name}", tags=["module"], inputs={"x": grid(*shape, grad=True)},
                   steps=[f"m = new {NN}.{ctor}", "y = m.call(x)", "q = y.mul(y)", "s = q.sum()"], backward=["s.backward()"],
                   expect=["y", "s", "x.grad"] + (["y.gradFn"] if "Flatten" not in ctor and "Identity" not in ctor else []))

    # a small CNN, as examples/mnist.ts builds a bigger one
    suite.case("module_cnn", tags=["module", "cnn"],
               inputs={"x": grid(2, 1, 6, 6, grad=True), "w1": grid(4, 1, 3, 3), "b1": grid(4), "w2": grid(3, 36), "b2": grid(3)},
               steps=[f"c = new {NN}.Conv2d(1, 4, 3, {{ padding: 1 }})", f"r = new {NN}.ReLU()", f"p = new {NN}.MaxPool2d(2)",
                      f"f = new {NN}.Flatten()", f"l = new {NN}.Linear(36, 3)", f"net = new {NN}.Sequential(c, r, p, f, l)",
                      "cw = c.weight", "torch.noGrad(() => cw.copy_(w1))", "cb = c.bias", "torch.noGrad(() => cb.copy_(b1))",
                      "lw = l.weight", "torch.noGrad(() => lw.copy_(w2))", "lb = l.bias", "torch.noGrad(() => lb.copy_(b2))",
                      "y = net.call(x)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"],
               expect=["y", "s", "x.grad", "c.weight.grad", "c.bias.grad", "l.weight.grad", "l.bias.grad"])

    # constructor and forward errors
    def err(name, steps, error, inputs=None):
        suite.case(f"module_error_{name}", tags=["errors"], inputs=inputs or {}, steps=steps, error=error)

    err("groups_0", [f"m = new {NN}.Conv2d(2, 4, 3, {{ groups: 0 }})"], "groups must be a positive integer")
    err("in_channels_groups", [f"m = new {NN}.Conv2d(3, 4, 3, {{ groups: 2 }})"], "in_channels must be divisible by groups")
    err("out_channels_groups", [f"m = new {NN}.Conv1d(4, 3, 3, {{ groups: 2 }})"], "out_channels must be divisible by groups")
    err("same_strided", [f'm = new {NN}.Conv2d(2, 4, 3, {{ padding: "same", stride: 2 }})'], "padding='same' is not supported for strided convolutions")
    err("padding_string", [f'm = new {NN}.Conv2d(2, 4, 3, {{ padding: "full" }})'], "Invalid padding string 'full', should be one of")
    err("padding_mode", [f'm = new {NN}.Conv2d(2, 4, 3, {{ paddingMode: "mirror" }})'], "padding_mode must be one of")
    err("forward_channels", [f"m = new {NN}.Conv2d(3, 4, 3)", "y = m.call(x)"],
        "Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 2, 5, 5] to have 3 channels, but got 2 channels instead",
        inputs={"x": grid(1, 2, 5, 5)})
    err("forward_conv1d_input_4d", [f"m = new {NN}.Conv1d(3, 4, 3)", "y = m.call(x)"],
        "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [1, 3, 5, 5]",
        inputs={"x": grid(1, 3, 5, 5)})
    err("forward_maxpool_2d", [f"m = new {NN}.MaxPool2d(2)", "y = m.call(x)"], "non-empty 3D or 4D (batch mode) tensor expected for input",
        inputs={"x": grid(5, 5)})
