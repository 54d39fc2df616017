"""
maxPool2d, avgPool2d, adaptiveAvgPool2d (torch.nn.functional, and torch.maxPool2d): values,
gradients, node names, gradients of gradients, ties and NaN, and PyTorch's errors.
"""
from dsl import Input, _shape, ints, tensor

F = "torch.nn.functional"


def grid(*shape, grad=False, dtype="float32"):
    """Values in [-2, 2] on a grid of 1/8 (sums of a few are exact in float32)."""
    return Input(_shape(shape), dtype, grad, lambda rng, n: [round((rng.random() * 4 - 2) * 8) / 8 for _ in range(n)])


class Special(Input):
    """Given values that may hold the strings "nan", "inf" and "-inf" (kept as such in the JSON)."""

    def build(self, rng):
        out = super().build(rng)
        out["data"] = [v if isinstance(v, str) else float(v) for v in self.draw]
        return out


def special(shape, values, grad=False):
    s = Special(shape, "float32", grad, [0.0 if isinstance(v, str) else v for v in values])
    s.draw = list(values)
    return s


# (name, input shape, kernel, options)
MAX = [
    ("k2", [2, 3, 6, 6], "2", ""),
    ("k3_s2_p1", [1, 2, 7, 7], "3", "{ stride: 2, padding: 1 }"),
    ("k_pair_s_pair", [2, 2, 6, 7], "[2, 3]", "{ stride: [2, 1] }"),
    ("dilation2", [1, 2, 7, 7], "2", "{ dilation: 2, stride: 1 }"),
    ("dilation_pad", [1, 1, 8, 8], "3", "{ dilation: 2, padding: 1, stride: 2 }"),
    ("ceil", [2, 2, 5, 5], "2", "{ ceilMode: true }"),
    ("ceil_pad", [1, 2, 6, 6], "3", "{ stride: 2, padding: 1, ceilMode: true }"),
    ("unbatched", [3, 5, 4], "2", "{ stride: 1 }"),
    ("stride_1_overlap", [1, 2, 4, 4], "3", "{ stride: 1, padding: 1 }"),
]

AVG = [
    ("k2", [2, 3, 6, 6], "2", ""),
    ("k3_s2_p1", [1, 2, 7, 7], "3", "{ stride: 2, padding: 1 }"),
    ("exclude_pad", [1, 2, 7, 7], "3", "{ stride: 2, padding: 1, countIncludePad: false }"),
    ("ceil", [2, 2, 5, 5], "2", "{ ceilMode: true }"),
    ("ceil_pad_exclude", [1, 1, 6, 6], "3", "{ stride: 2, padding: 1, ceilMode: true, countIncludePad: false }"),
    ("divisor", [1, 2, 6, 6], "3", "{ stride: 3, divisorOverride: 4 }"),
    ("k_pair", [2, 2, 6, 7], "[3, 2]", "{ stride: [1, 2], padding: [1, 0] }"),
    ("unbatched", [3, 5, 4], "2", "{ stride: 1 }"),
]

# rows wide enough for the float32 kernels' four-outputs-at-a-time interior (and its borders)
WIDE = [
    ("maxPool2d", "wide_k2", [2, 2, 6, 21], "2"),
    ("maxPool2d", "wide_k3_s1_p1", [1, 2, 5, 19], "3, { stride: 1, padding: 1 }"),
    ("maxPool2d", "wide_k3_s2_p1_ceil", [1, 2, 7, 22], "3, { stride: 2, padding: 1, ceilMode: true }"),
    ("maxPool2d", "wide_dilation", [1, 1, 7, 23], "3, { stride: 2, dilation: 2, padding: 1 }"),
    ("maxPool2d", "wide_k_pair", [1, 2, 6, 20], "[2, 3], { stride: [2, 1] }"),
    ("avgPool2d", "wide_k2", [2, 2, 6, 21], "2"),
    ("avgPool2d", "wide_k3_s2_p1", [1, 2, 7, 22], "3, { stride: 2, padding: 1 }"),
    ("avgPool2d", "wide_exclude_pad_ceil", [1, 2, 7, 22], "3, { stride: 2, padding: 1, countIncludePad: false, ceilMode: true }"),
    ("avgPool2d", "wide_s1_divisor", [1, 1, 5, 19], "[3, 2], { stride: 1, padding: [1, 0], divisorOverride: 5 }"),
]

ADAPTIVE = [
    ("7_to_3", [2, 2, 7, 7], "3"),
    ("5_to_2", [1, 3, 5, 5], "2"),
    ("pair", [2, 2, 6, 5], "[4, 3]"),
    ("none", [1, 2, 5, 6], "[null, 2]"),
    ("upsample", [1, 1, 3, 4], "[5, 6]"),
    ("unbatched", [3, 7, 5], "[2, 3]"),
    ("to_1", [2, 3, 4, 5], "1"),
]


def pool_case(suite, fn, name, shape, args):
    suite.case(f"{fn}_{name}", tags=[fn, "batch1" if len(shape) == 4 and shape[0] == 1 else "batched"],
               inputs={"x": grid(*shape, grad=True)},
               # y * y: every output element's gradient differs
               steps=[f"y = {F}.{fn}(x, {args})", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])


def build(suite):
    for name, shape, k, o in MAX:
        pool_case(suite, "maxPool2d", name, shape, f"{k}, {o}" if o else k)
    for name, shape, k, o in AVG:
        pool_case(suite, "avgPool2d", name, shape, f"{k}, {o}" if o else k)
    for fn, name, shape, args in WIDE:
        pool_case(suite, fn, name, shape, args)
    for name, shape, o in ADAPTIVE:
        pool_case(suite, "adaptiveAvgPool2d", name, shape, o)

    # max pooling: the first of equal maxima gets the gradient; NaN wins (the last NaN); -inf alone
    suite.case("maxPool2d_ties", tags=["maxPool2d", "ties"],
               inputs={"x": tensor([[[[1, 3, 3, 0], [3, 2, 1, 3], [0, 0, 5, 5], [0, 0, 5, 5]]]], grad=True)},
               steps=[f"y = {F}.maxPool2d(x, 2)", "s = y.sum()"], backward=["s.backward()"])
    suite.case("maxPool2d_ties_overlap", tags=["maxPool2d", "ties"],
               inputs={"x": tensor([[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]], grad=True)},
               steps=[f"y = {F}.maxPool2d(x, 2, {{ stride: 1 }})", "s = y.sum()"], backward=["s.backward()"])
    suite.case("maxPool2d_nan", tags=["maxPool2d", "nan"],
               inputs={"x": special([1, 1, 4, 4], [1, "nan", 2, 0, 3, 4, 1, 1, "nan", 0, "-inf", "-inf", 2, "nan", "-inf", "-inf"], grad=True)},
               steps=[f"y = {F}.maxPool2d(x, 2)", "s = y.sum()"], backward=["s.backward()"])
    suite.case("maxPool2d_wide_ties", tags=["maxPool2d", "ties"],
               inputs={"x": Input([1, 2, 4, 18], "float32", True, lambda rng, n: [float(int(rng.random() * 2)) for _ in range(n)])},
               steps=[f"y = {F}.maxPool2d(x, 2, {{ stride: 1 }})", "s = y.sum()"], backward=["s.backward()"])
    wide_nan = [("nan" if i in (3, 17, 40, 41, 66) else ("-inf" if i in (10, 11, 28, 29) else (i * 7 % 11) - 5)) for i in range(72)]
    suite.case("maxPool2d_wide_nan", tags=["maxPool2d", "nan"],
               inputs={"x": special([1, 1, 4, 18], wide_nan, grad=True)},
               steps=[f"y = {F}.maxPool2d(x, 2)", "s = y.sum()"], backward=["s.backward()"])
    suite.case("maxPool2d_padding_negative_values", tags=["maxPool2d", "padding"],
               inputs={"x": tensor([[[[-1, -2, -3], [-4, -5, -6], [-7, -8, -9]]]], grad=True)},
               steps=[f"y = {F}.maxPool2d(x, 2, {{ padding: 1 }})", "s = y.sum()"], backward=["s.backward()"])
    suite.case("maxPool2d_float64", tags=["maxPool2d", "float64"],
               inputs={"x": grid(2, 2, 5, 5, grad=True, dtype="float64")},
               steps=[f"y = {F}.maxPool2d(x, 3, {{ stride: 2, padding: 1 }})", "q = y.mul(y)", "s = q.sum()"], backward=["s.backward()"])
    suite.case("torch_maxPool2d_positional", tags=["maxPool2d", "torch"],
               inputs={"x": grid(1, 2, 7, 7, grad=True)},
               steps=["y = torch.maxPool2d(x, 3, 2, 1, 1, true)", "q = y.mul(y)", "s = q.sum()"], backward=["s.backward()"])
    suite.case("maxPool2d_no_grad", tags=["maxPool2d"],
               inputs={"x": grid(1, 2, 4, 4)},
               steps=[f"y = {F}.maxPool2d(x, 2)"])
    suite.case("avgPool2d_int32", tags=["avgPool2d", "int32"],
               inputs={"x": ints(1, 2, 5, 5, low=-20, high=20)},
               steps=[f"y = {F}.avgPool2d(x, 2, {{ stride: 1, padding: 1 }})"])
    suite.case("avgPool2d_float64", tags=["avgPool2d", "float64"],
               inputs={"x": grid(1, 2, 5, 5, grad=True, dtype="float64")},
               steps=[f"y = {F}.avgPool2d(x, 3, {{ stride: 2, padding: 1, countIncludePad: false }})", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("maxPool2d_transposed_input", tags=["maxPool2d", "view"],
               inputs={"x": grid(2, 2, 6, 5, grad=True)},
               steps=["xt = x.transpose(2, 3)", f"y = {F}.maxPool2d(xt, 2)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"], no_grad_fn=["xt"])
    suite.case("adaptiveAvgPool2d_empty_output", tags=["adaptiveAvgPool2d", "empty"],
               inputs={"x": grid(2, 3, 4, 4)},
               steps=[f"y = {F}.adaptiveAvgPool2d(x, 0)"])
    suite.case("adaptiveAvgPool2d_to_1_2d", tags=["adaptiveAvgPool2d"],
               inputs={"x": grid(4, 5, grad=True)},
               steps=[f"y = {F}.adaptiveAvgPool2d(x, 1)", "s = y.sum()"], backward=["s.backward()"])

    # gradients of gradients
    for fn, args in [("maxPool2d", "2, { stride: 1 }"), ("avgPool2d", "3, { stride: 2, padding: 1 }"), ("adaptiveAvgPool2d", "[3, 2]")]:
        suite.case(f"{fn}_double_backward", tags=[fn, "higher_order"],
                   inputs={"x": grid(1, 2, 5, 5, grad=True)},
                   steps=[f"y = {F}.{fn}(x, {args})", "q = y.mul(y)", "s = q.sum()",
                          "[gx] = torch.autograd.grad([s], [x], { createGraph: true })",
                          "t0 = gx.mul(gx)", "t1 = t0.mul(x)", "t = t1.sum()"],
                   backward=["t.backward()"],
                   expect=["gx", "gx.gradFn", "t", "x.grad"])

    def err(name, shape, call, error, x=None):
        suite.case(f"pool_error_{name}", tags=["errors"], inputs={"x": x or grid(*shape)}, steps=[f"y = {call}"], error=error)

    M, A, D = f"{F}.maxPool2d", f"{F}.avgPool2d", f"{F}.adaptiveAvgPool2d"
    err("max_2d", [5, 5], f"{M}(x, 2)", "non-empty 3D or 4D (batch mode) tensor expected for input")
    err("max_5d", [1, 2, 3, 5, 5], f"{M}(x, 2)", "non-empty 3D or 4D (batch mode) tensor expected for input")
    err("max_kernel_0", [2, 3, 5, 5], f"{M}(x, 0)", "stride should not be zero")
    err("max_kernel_negative", [2, 3, 5, 5], f"{M}(x, -1)", "kernel size should be greater than zero, but got kH: -1 kW: -1")
    err("max_stride_0", [2, 3, 5, 5], f"{M}(x, 2, {{ stride: 0 }})", "stride should not be zero")
    err("max_stride_negative", [2, 3, 5, 5], f"{M}(x, 2, {{ stride: -1 }})", "stride should be greater than zero, but got dH: -1 dW: -1")
    err("max_pad_too_big", [2, 3, 5, 5], f"{M}(x, 2, {{ padding: 2 }})", "pad should be at most half of kernel size, but got pad=2 and kernel_size=2")
    err("max_pad_negative", [2, 3, 5, 5], f"{M}(x, 2, {{ padding: -1 }})", "pad must be non-negative, but got pad: -1")
    err("max_dilation_0", [2, 3, 5, 5], f"{M}(x, 2, {{ dilation: 0 }})", "dilation should be greater than zero, but got dilationH: 0 dilationW: 0")
    err("max_output_too_small", [2, 3, 5, 5], f"{M}(x, 6)", "Given input size: (3x5x5). Calculated output size: (3x0x0). Output size is too small")
    err("max_kernel_3_values", [2, 3, 5, 5], f"{M}(x, [2, 2, 2])", "max_pool2d: kernel_size must either be a single int, or a tuple of two ints")
    err("max_stride_3_values", [2, 3, 5, 5], f"{M}(x, 2, {{ stride: [2, 2, 2] }})", "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints")
    err("max_padding_3_values", [2, 3, 5, 5], f"{M}(x, 2, {{ padding: [0, 0, 0] }})", "max_pool2d: padding must be either be a single int, or a tuple of two ints")
    err("max_dilation_3_values", [2, 3, 5, 5], f"{M}(x, 2, {{ dilation: [1, 1, 1] }})", "max_pool2d: dilation must be either a single int, or a tuple of two ints")
    err("max_float_kernel", [2, 3, 5, 5], f"{M}(x, 1.5)", "max_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not float")
    err("max_int32", [2, 3, 5, 5], f"{M}(x, 2)", "\"max_pool2d\" not implemented for 'Long'", x=ints(2, 3, 5, 5))
    suite.case("pool_error_max_empty_channels", tags=["errors"], inputs={"x": grid(2, 1, 5, 5)},
               steps=["xe = x.index(null, [0, 0])", f"y = {M}(xe, 2)"],
               error="Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[2, 0, 5, 5]")
    err("avg_2d", [5, 5], f"{A}(x, 2)", "Dimension out of range (expected to be in range of [-2, 1], but got -3)")
    err("avg_5d", [1, 2, 3, 5, 5], f"{A}(x, 2)", "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 2, 3, 5, 5]")
    err("avg_kernel_0", [2, 3, 5, 5], f"{A}(x, 0)", "stride should not be zero")
    err("avg_pad_too_big", [2, 3, 5, 5], f"{A}(x, 2, {{ padding: 2 }})", "pad should be at most half of kernel size, but got pad=2 and kernel_size=2")
    err("avg_output_too_small", [2, 3, 5, 5], f"{A}(x, 6)", "Given input size: (3x5x5). Calculated output size: (3x0x0). Output size is too small")
    err("avg_kernel_3_values", [2, 3, 5, 5], f"{A}(x, [2, 2, 2])", "avg_pool2d: kernel_size must either be a single int, or a tuple of two ints")
    err("avg_padding_3_values", [2, 3, 5, 5], f"{A}(x, 2, {{ padding: [0, 0, 0] }})", "avg_pool2d: padding must either be a single int, or a tuple of two ints")
    err("avg_divisor_0", [2, 3, 5, 5], f"{A}(x, 2, {{ divisorOverride: 0 }})", "divisor must be not zero")
    err("avg_float_kernel", [2, 3, 5, 5], f"{A}(x, 1.5)", "avg_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not float")
    err("adaptive_2d", [5, 5], f"{D}(x, 2)", "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [5, 5]")
    err("adaptive_negative", [2, 3, 5, 5], f"{D}(x, -1)", "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {-1, -1}")
    err("adaptive_3_values", [2, 3, 5, 5], f"{D}(x, [1, 2, 3])", "adaptive_avg_pool2d: output_size must be 2")
    err("adaptive_int32", [2, 3, 5, 5], f"{D}(x, 2)", "\"adaptive_avg_pool2d\" not implemented for 'Long'", x=ints(2, 3, 5, 5))
    suite.case("pool_error_adaptive_empty_height", tags=["errors"], inputs={"x": grid(2, 3, 1, 5)},
               steps=["xe = x.index(null, null, [0, 0])", f"y = {D}(xe, 2)"],
               error="adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [2, 3, 0, 5] with dimension 2 being empty")
