"""
conv1d / conv2d (torch.nn.functional and torch.*): values, gradients of input, weight and
bias, node names, gradients of gradients, and PyTorch's errors for shapes, settings and dtypes.
"""
from dsl import Input, _shape, ints
from dsl import randn as _randn

F = "torch.nn.functional"


def randn(*shape, grad=False, dtype="float32"):
    """Values in [-2, 2] on a grid of 1/8: a convolution's products and sums of them are exact in
    float32, so a case never depends on the order of summation (and the float64 shadow run agrees),
    while a wrong index or a missing term still shows."""
    if dtype not in ("float32", "float64"):
        return _randn(*shape, grad=grad, dtype=dtype)
    return Input(_shape(shape), dtype, grad, lambda rng, n: [round((rng.random() * 4 - 2) * 8) / 8 for _ in range(n)])


class Special(Input):
    """Given values that may hold the strings "nan", "inf" and "-inf" (kept as such in the JSON)."""

    def build(self, rng):
        out = super().build(rng)
        out["data"] = [v if isinstance(v, str) else float(v) for v in self.values]
        return out


def special(shape, values, grad=False, dtype="float32"):
    s = Special(shape, dtype, grad, [0.0 if isinstance(v, str) else v for v in values])
    s.values = list(values)
    return s


def opts_text(opts: dict) -> str:
    """A TypeScript options object from a dict of already-written values ("" when empty)."""
    return "{ " + ", ".join(f"{k}: {v}" for k, v in opts.items()) + " }" if opts else ""


# (name, x shape, w shape, bias, options as TypeScript values)
CONV2D = [
    ("plain", [1, 1, 5, 5], [2, 1, 3, 3], False, {}),
    ("bias_pad1", [2, 3, 6, 5], [4, 3, 3, 3], True, {"padding": "1"}),
    ("stride2", [2, 2, 7, 7], [3, 2, 3, 3], True, {"stride": "2"}),
    ("stride_pad_pairs", [2, 2, 7, 6], [3, 2, 3, 2], True, {"stride": "[2, 1]", "padding": "[1, 0]"}),
    ("dilation2", [1, 2, 7, 7], [2, 2, 3, 3], False, {"dilation": "2", "padding": "2"}),
    ("dilation_pair", [2, 1, 8, 7], [2, 1, 2, 3], True, {"dilation": "[3, 1]", "stride": "[1, 2]"}),
    ("groups2", [2, 4, 5, 5], [6, 2, 3, 3], True, {"groups": "2", "padding": "1"}),
    ("depthwise", [1, 3, 5, 5], [3, 1, 3, 3], True, {"groups": "3"}),
    ("same_odd", [2, 2, 5, 5], [3, 2, 3, 3], True, {"padding": '"same"'}),
    ("same_dilated", [1, 2, 6, 6], [2, 2, 3, 3], False, {"padding": '"same"', "dilation": "2"}),
    ("valid", [1, 2, 5, 5], [2, 2, 3, 3], True, {"padding": '"valid"'}),
    ("pointwise", [2, 4, 3, 3], [5, 4, 1, 1], True, {}),
    ("pointwise_stride2", [1, 3, 5, 5], [2, 3, 1, 1], False, {"stride": "2"}),
    ("kernel_1x3_pad", [2, 2, 4, 6], [3, 2, 1, 3], True, {"padding": "[0, 1]"}),
    ("wide_channels", [1, 16, 12, 12], [4, 16, 3, 3], True, {"padding": "1"}),
    ("stride3_pad2", [1, 2, 9, 8], [2, 2, 4, 3], True, {"stride": "3", "padding": "2"}),
]

CONV1D = [
    ("plain", [2, 3, 8], [4, 3, 3], True, {}),
    ("stride2_pad1", [2, 2, 9], [3, 2, 3], True, {"stride": "2", "padding": "1"}),
    ("same", [1, 2, 7], [3, 2, 4], True, {"padding": '"same"'}),
    ("dilation_groups", [2, 4, 10], [4, 2, 3], False, {"dilation": "2", "groups": "2"}),
    ("pointwise", [1, 3, 5], [2, 3, 1], True, {}),
]


def conv_case(suite, fn: str, name: str, x, w, bias: bool, opts: dict, tags) -> None:
    inputs = {"x": randn(*x, grad=True), "w": randn(*w, grad=True)}
    if bias:
        inputs["b"] = randn(w[0], grad=True)
    o = opts_text(opts)
    args = "x, w" + (", b" if bias else (", undefined" if o else "")) + (", " + o if o else "")
    # (an asymmetric "same" padding pads the input first: ConstantPadNdBackward0 among the next functions)
    suite.case(f"{fn}_{name}", tags=[fn, *tags],
               inputs=inputs,
               steps=[f"y = {F}.{fn}({args})", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"],
               also=["y.gradFn.nextFunctions"])


def build(suite):
    for name, x, w, bias, opts in CONV2D:
        conv_case(suite, "conv2d", name, x, w, bias, opts, ["batch1" if x[0] == 1 else "batched"])
    for name, x, w, bias, opts in CONV1D:
        conv_case(suite, "conv1d", name, x, w, bias, opts, ["batch1" if x[0] == 1 else "batched"])
    conv_case(suite, "conv2d", "same_even_kernel", [1, 2, 5, 6], [2, 2, 2, 4], True, {"padding": '"same"'}, ["asymmetric"])
    conv_case(suite, "conv1d", "same_even_unbatched", [2, 7], [3, 2, 4], False, {"padding": '"same"'}, ["asymmetric", "unbatched"])

    # only some inputs need a gradient
    suite.case("conv2d_input_grad_only", tags=["conv2d"],
               inputs={"x": randn(2, 2, 5, 5, grad=True), "w": randn(3, 2, 3, 3), "b": randn(3)},
               steps=[f"y = {F}.conv2d(x, w, b, {{ padding: 1 }})", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"], also=["y.gradFn.nextFunctions"])
    suite.case("conv2d_weight_grad_only", tags=["conv2d"],
               inputs={"x": randn(2, 2, 5, 5), "w": randn(3, 2, 3, 3, grad=True)},
               steps=[f"y = {F}.conv2d(x, w, undefined, {{ stride: 2 }})", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"], also=["y.gradFn.nextFunctions"])
    suite.case("conv2d_no_grad", tags=["conv2d"],
               inputs={"x": randn(1, 2, 4, 4), "w": randn(2, 2, 3, 3)},
               steps=[f"y = {F}.conv2d(x, w)"])
    # unbatched input: a batch of one, squeezed off again
    suite.case("conv2d_unbatched", tags=["conv2d", "unbatched"],
               inputs={"x": randn(3, 5, 5, grad=True), "w": randn(2, 3, 3, 3, grad=True), "b": randn(2, grad=True)},
               steps=[f"y = {F}.conv2d(x, w, b, {{ padding: 1 }})", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("conv1d_unbatched", tags=["conv1d", "unbatched"],
               inputs={"x": randn(2, 6, grad=True), "w": randn(3, 2, 3, grad=True)},
               steps=[f"y = {F}.conv1d(x, w)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    # a strided (transposed) input view
    suite.case("conv2d_transposed_input", tags=["conv2d", "view"],
               inputs={"x": randn(2, 2, 6, 5, grad=True), "w": randn(3, 2, 3, 3, grad=True)},
               steps=["xt = x.transpose(2, 3)", f"y = {F}.conv2d(xt, w, undefined, {{ padding: 1 }})", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"], no_grad_fn=["xt"])
    # float64 and int32 (PyTorch's int64) inputs
    suite.case("conv2d_float64", tags=["conv2d", "float64"],
               inputs={"x": randn(2, 2, 5, 5, grad=True, dtype="float64"), "w": randn(3, 2, 3, 3, grad=True, dtype="float64"),
                       "b": randn(3, grad=True, dtype="float64")},
               steps=[f"y = {F}.conv2d(x, w, b, {{ padding: 1, stride: 2 }})", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("conv2d_int32", tags=["conv2d", "int32"],
               inputs={"x": ints(2, 2, 5, 5), "w": ints(3, 2, 3, 3), "b": ints(3)},
               steps=[f"y = {F}.conv2d(x, w, b, {{ padding: 1 }})"])
    suite.case("conv1d_int32", tags=["conv1d", "int32"],
               inputs={"x": ints(1, 2, 6), "w": ints(2, 2, 3)},
               steps=[f"y = {F}.conv1d(x, w)"])
    suite.case("conv2d_empty_batch", tags=["conv2d", "empty"],
               inputs={"x": randn(1, 2, 5, 5, grad=True), "w": randn(3, 2, 3, 3, grad=True), "b": randn(3, grad=True)},
               steps=["xe = x.index([0, 0])", f"y = {F}.conv2d(xe, w, b)", "s = y.sum()"],
               backward=["s.backward()"])
    # torch.conv1d / torch.conv2d take PyTorch's positional arguments
    suite.case("torch_conv2d_positional", tags=["conv2d", "torch"],
               inputs={"x": randn(1, 2, 5, 5, grad=True), "w": randn(3, 2, 3, 3, grad=True), "b": randn(3, grad=True)},
               steps=["y = torch.conv2d(x, w, b, 2, 1)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("torch_conv2d_same", tags=["conv2d", "torch"],
               inputs={"x": randn(1, 2, 5, 5), "w": randn(3, 2, 3, 3)},
               steps=['y = torch.conv2d(x, w, null, 1, "same")'])
    suite.case("torch_conv1d_positional", tags=["conv1d", "torch"],
               inputs={"x": randn(2, 4, 7, grad=True), "w": randn(2, 2, 3, grad=True)},
               steps=["y = torch.conv1d(x, w, undefined, 1, 2, 2, 2)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])

    # non-finite values: the padding's zeros meet every weight (0 * inf is NaN) in the output and
    # the weight gradient, but the input gradient only gets the taps that reach the input
    w_inf = [0.5, -0.25, 1.0, "inf", 0.75, -0.5, 0.25, 1.5, -1.0] + [0.125 * i for i in range(9)] + [-0.5] * 9 + ["nan"] + [0.25] * 8 + [1.0] * 18
    for dtype in ("float32", "float64"):
        suite.case(f"conv2d_nonfinite_weight_{dtype}", tags=["conv2d", "nonfinite"],
                   inputs={"x": randn(1, 2, 4, 5, grad=True, dtype=dtype), "w": special([3, 2, 3, 3], w_inf, grad=True, dtype=dtype)},
                   steps=[f"y = {F}.conv2d(x, w, undefined, {{ padding: 1 }})", "s = y.sum()"],
                   backward=["s.backward()"])
    suite.case("conv2d_nonfinite_input", tags=["conv2d", "nonfinite"],
               inputs={"x": special([1, 1, 4, 4], [1, 2, "inf", 0, -1, 0.5, 0.25, 2, "nan", 1, 1, -2, 0, 0, 1, 1], grad=True), "w": randn(2, 1, 3, 3, grad=True)},
               steps=[f"y = {F}.conv2d(x, w, undefined, {{ padding: 1, stride: 2 }})", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("conv2d_nonfinite_output_grad", tags=["conv2d", "nonfinite"],
               inputs={"x": randn(1, 2, 5, 5, grad=True), "w": randn(2, 2, 3, 3, grad=True),
                       "g": special([1, 2, 5, 5], [1.0] * 7 + ["inf"] + [0.5] * 30 + ["-inf"] + [0.25] * 11)},
               steps=[f"y = {F}.conv2d(x, w, undefined, {{ padding: 1 }})"],
               backward=["y.backward(g)"])

    # gradients of gradients (the rules are recorded ops themselves)
    suite.case("conv2d_double_backward", tags=["conv2d", "higher_order"],
               inputs={"x": randn(2, 2, 5, 5, grad=True), "w": randn(3, 2, 3, 3, grad=True), "b": randn(3, grad=True)},
               steps=[f"y = {F}.conv2d(x, w, b, {{ padding: 1, stride: 2 }})", "q = y.mul(y)", "s = q.sum()",
                      "[gx, gw, gb] = torch.autograd.grad([s], [x, w, b], { createGraph: true })",
                      "t = gx.mul(gx)", "u = gw.mul(gw)", "v = gb.mul(gb)", "t1 = t.sum()", "u1 = u.sum()", "v1 = v.sum()", "z0 = t1.add(u1)", "z = z0.add(v1)"],
               backward=["z.backward()"],
               expect=["gx", "gx.gradFn", "gw", "gw.gradFn", "gb", "gb.gradFn", "z", "x.grad", "w.grad", "b.grad"])
    suite.case("conv1d_double_backward", tags=["conv1d", "higher_order"],
               inputs={"x": randn(2, 2, 7, grad=True), "w": randn(3, 2, 3, grad=True)},
               steps=[f"y = {F}.conv1d(x, w, undefined, {{ dilation: 2, padding: 1 }})", "q = y.mul(y)", "s = q.sum()",
                      "[gx] = torch.autograd.grad([s], [x], { createGraph: true })", "t0 = gx.mul(gx)", "t = t0.sum()"],
               backward=["t.backward()"],
               expect=["gx", "gx.gradFn", "t", "x.grad", "w.grad"])
    suite.case("conv2d_grouped_double_backward", tags=["conv2d", "higher_order"],
               inputs={"x": randn(1, 4, 5, 5, grad=True), "w": randn(4, 2, 3, 3, grad=True)},
               steps=[f"y = {F}.conv2d(x, w, undefined, {{ groups: 2, padding: 1 }})", "q = y.mul(y)", "s = q.sum()",
                      "[gw] = torch.autograd.grad([s], [w], { createGraph: true })", "t0 = gw.mul(gw)", "t = t0.sum()"],
               backward=["t.backward()"],
               expect=["gw", "gw.gradFn", "t", "x.grad", "w.grad"])

    # PyTorch's errors, in its order of checks
    def err(name, x, w, call, error, b=None, xdtype="float32", wdtype="float32"):
        inputs = {"x": randn(*x, dtype=xdtype) if xdtype != "int32" else ints(*x), "w": randn(*w, dtype=wdtype) if wdtype != "int32" else ints(*w)}
        if b is not None:
            inputs["b"] = ints(*b[0]) if b[1] == "int32" else randn(*b[0], dtype=b[1])
        suite.case(f"conv_error_{name}", tags=["errors"], inputs=inputs, steps=[f"y = {call}"], error=error)

    err("input_2d", [5, 5], [4, 1, 3, 3], f"{F}.conv2d(x, w)", "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [5, 5]")
    err("input_5d", [1, 2, 3, 5, 5], [4, 2, 3, 3], f"{F}.conv2d(x, w)", "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [1, 2, 3, 5, 5]")
    err("conv1d_input_4d", [1, 3, 5, 5], [4, 3, 3], f"{F}.conv1d(x, w)", "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [1, 3, 5, 5]")
    err("weight_2d", [2, 3, 5, 5], [4, 3], f"{F}.conv2d(x, w)", "weight should have at least three dimensions")
    err("weight_3d", [2, 3, 5, 5], [4, 3, 3], f"{F}.conv2d(x, w)", "expected stride to be a single integer value or a list of 1 values to match the convolution dimensions, but got stride=[1, 1]")
    err("conv1d_weight_4d", [1, 3, 5], [4, 3, 3, 3], f"{F}.conv1d(x, w)", "Expected 4-dimensional input for 4-dimensional weight [4, 3, 3, 3], but got 3-dimensional input of size [1, 3, 5] instead")
    err("channels", [2, 3, 5, 5], [4, 2, 3, 3], f"{F}.conv2d(x, w)", "Given groups=1, weight of size [4, 2, 3, 3], expected input[2, 3, 5, 5] to have 2 channels, but got 3 channels instead")
    err("channels_unbatched", [2, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w)", "Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 2, 5, 5] to have 3 channels, but got 2 channels instead")
    err("kernel_too_big", [2, 3, 5, 5], [4, 3, 7, 7], f"{F}.conv2d(x, w)", "Calculated padded input size per channel: (5 x 5). Kernel size: (7 x 7). Kernel size can't be greater than actual input size")
    err("dilation_too_big", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ dilation: 3 }})", "Calculated padded input size per channel: (5 x 5). Kernel size: (7 x 7).")
    err("conv1d_kernel_too_big", [1, 3, 5], [4, 3, 9], f"{F}.conv1d(x, w)", "Calculated padded input size per channel: (5). Kernel size: (9).")
    err("bias_size", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, b)", "Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of size [3] instead", b=([3], "float32"))
    err("bias_2d", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, b)", "expected bias to be 1-dimensional with 4 elements, but got bias of size [4, 1] instead", b=([4, 1], "float32"))
    err("stride_0", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ stride: 0 }})", "non-positive stride is not supported")
    err("stride_negative", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ stride: [1, -1] }})", "non-positive stride is not supported")
    err("padding_negative", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ padding: -1 }})", "negative padding is not supported")
    err("dilation_0_float64", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ dilation: [1, 0] }})", "dilation should be greater than zero, but got [1, 0]", xdtype="float64", wdtype="float64")
    err("conv1d_dilation_0_float64", [2, 3, 5], [4, 3, 3], f"{F}.conv1d(x, w, undefined, {{ dilation: 0 }})", "dilation should be greater than zero, but got [1, 0]", xdtype="float64", wdtype="float64")
    err("dilation_0_after_channels", [2, 3, 5, 5], [4, 2, 3, 3], f"{F}.conv2d(x, w, undefined, {{ dilation: 0 }})", "to have 2 channels, but got 3 channels instead")
    err("groups_0", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ groups: 0 }})", "non-positive groups is not supported")
    err("groups_channels", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ groups: 2 }})", "Given groups=2, weight of size [4, 3, 3, 3], expected input[2, 3, 5, 5] to have 6 channels, but got 3 channels instead")
    err("groups_divisible", [2, 3, 5, 5], [4, 1, 3, 3], f"{F}.conv2d(x, w, undefined, {{ groups: 3 }})", "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size [[4, 1, 3, 3]] instead")
    suite.case("conv_error_no_filters", tags=["errors"], inputs={"x": randn(2, 3, 5, 5), "w": randn(1, 3, 3, 3)},
               steps=["we = w.index([0, 0])", f"y = {F}.conv2d(x, we)"],
               error="Given groups=1, expected weight to be at least 1 at dimension 0, but got weight of size [0, 3, 3, 3] instead")
    err("stride_3_values", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ stride: [1, 1, 1] }})", "expected stride to be a single integer value or a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]")
    err("padding_3_values", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ padding: [1, 1, 1] }})", "expected padding to be a single integer value or a list of 2 values to match the convolution dimensions, but got padding=[1, 1, 1]")
    err("dilation_3_values", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ dilation: [1, 1, 1] }})", "expected dilation to be a single integer value or a list of 2 values to match the convolution dimensions, but got dilation=[1, 1, 1]")
    err("same_strided", [2, 3, 5, 5], [4, 3, 3, 3], f'{F}.conv2d(x, w, undefined, {{ padding: "same", stride: 2 }})', "padding='same' is not supported for strided convolutions")
    err("same_strided_pair", [2, 3, 5, 5], [4, 3, 3, 3], f'{F}.conv2d(x, w, undefined, {{ padding: "same", stride: [1, 2] }})', "padding='same' is not supported for strided convolutions")
    err("same_weight_3d", [2, 3, 5, 5], [4, 3, 3], f'{F}.conv2d(x, w, undefined, {{ padding: "same" }})', "Expected 3-dimensional input for 3-dimensional weight[4, 3, 3], but got 4-dimensional input of size [2, 3, 5, 5] instead")
    err("padding_string", [2, 3, 5, 5], [4, 3, 3, 3], f'{F}.conv2d(x, w, undefined, {{ padding: "full" }})', "Invalid padding string: 'full'")
    err("order_stride_before_channels", [2, 3, 5, 5], [4, 2, 3, 3], f"{F}.conv2d(x, w, undefined, {{ stride: 0 }})", "non-positive stride is not supported")
    err("order_channels_before_bias", [2, 3, 5, 5], [4, 2, 3, 3], f"{F}.conv2d(x, w, b)", "expected input[2, 3, 5, 5] to have 2 channels", b=([3], "float32"))
    err("order_bias_before_kernel", [2, 3, 5, 5], [4, 3, 7, 7], f"{F}.conv2d(x, w, b)", "expected bias to be 1-dimensional with 4 elements", b=([3], "float32"))
    # (float32 against float64 cannot be recorded: the float64 shadow run makes both float64)
    err("dtype_weight_int", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w)", "expected scalar type Double but found Long", xdtype="float64", wdtype="int32")
    err("dtype_input_int", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w)", "expected scalar type Long but found Double", xdtype="int32", wdtype="float64")
    err("dtype_bias_int", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, b)", "Input type (double) and bias type (long int) should be the same", b=([4], "int32"), xdtype="float64", wdtype="float64")
    err("dtype_int_bias_float", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, b)", "Input type (long int) and bias type (double) should be the same", b=([4], "float64"), xdtype="int32", wdtype="int32")
    err("dtype_bias_before_dilation", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, b, {{ dilation: 0 }})", "Input type (long int) and bias type (double) should be the same", b=([4], "float64"), xdtype="int32", wdtype="int32")
    err("dilation_before_weight_dtype", [2, 3, 5, 5], [4, 3, 3, 3], f"{F}.conv2d(x, w, undefined, {{ dilation: 0 }})", "dilation should be greater than zero, but got [0, 0]", xdtype="float64", wdtype="int32")
    err("dtype_channels_first", [2, 3, 5, 5], [4, 2, 3, 3], f"{F}.conv2d(x, w)", "to have 2 channels, but got 3 channels instead", xdtype="float64")
    # a zero-size kernel: refused by the slow backends (float64, and float32 unbatched), before
    # their dtype checks; batched float32 fails inside oneDNN instead (see test/conv.test.ts).
    # (the weight is made by torch.zeros: nested data cannot carry a zero-size dim's shape)
    def err0(name, x, w, call, error, xdtype="float64", wdtype="float64", bias=False):
        inputs = {"x": randn(*x, dtype=xdtype)}
        if bias:
            inputs["b"] = randn(w[0], dtype=xdtype)
        make_w = f'w = torch.zeros([{", ".join(map(str, w))}], {{ dtype: "{wdtype}" }})'
        suite.case(f"conv_error_{name}", tags=["errors"], inputs=inputs, steps=[make_w, f"y = {call}"], error=error)

    err0("kernel_0_float64", [2, 3, 7, 7], [1, 3, 0, 0], f"{F}.conv2d(x, w)", "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0")
    err0("kernel_0_dilated_float64", [2, 3, 7, 7], [1, 3, 0, 0], f"{F}.conv2d(x, w, b, {{ dilation: [1, 3] }})", "kernel size should be greater than zero, but got [0, 0]", bias=True)
    err0("kernel_0_width_float64", [2, 3, 7, 7], [1, 3, 2, 0], f"{F}.conv2d(x, w)", "kernel size should be greater than zero, but got kernel_height: 2 kernel_width: 0")
    err0("conv1d_kernel_0_float64", [2, 3, 7], [1, 3, 0], f"{F}.conv1d(x, w)", "kernel size should be greater than zero, but got kernel_height: 1 kernel_width: 0")
    err0("conv1d_kernel_0_dilated_float64", [2, 3, 7], [1, 3, 0], f"{F}.conv1d(x, w, undefined, {{ dilation: 2 }})", "kernel size should be greater than zero, but got [1, 0]")
    err0("kernel_0_unbatched", [3, 7, 7], [1, 3, 0, 0], f"{F}.conv2d(x, w)", "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0", xdtype="float32", wdtype="float32")
    err0("kernel_0_before_weight_dtype", [2, 3, 7, 7], [1, 3, 0, 0], f"{F}.conv2d(x, w)", "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0", wdtype="int32")
    err0("kernel_0_same", [2, 3, 7, 7], [1, 3, 0, 0], f'{F}.conv2d(x, w, undefined, {{ padding: "same" }})', "negative padding is not supported")
    suite.case("conv_error_bool", tags=["errors"],
               inputs={"x": randn(1, 2, 4, 4), "w": randn(2, 2, 3, 3)},
               steps=["xb = x.gt(0)", "wb = w.gt(0)", f"y = {F}.conv2d(xb, wb)"],
               error="\"slow_conv2d_cpu\" not implemented for 'Bool'")
