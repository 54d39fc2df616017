"""The activations PyTorch has in nn.functional (leaky_relu, gelu, silu, softplus, elu,
hardtanh, logsigmoid), as Tensor methods and as F functions: values, gradients, second
derivatives, node names, dtypes and errors."""
from dsl import ints, randn, tensor

SPECIAL = [float("nan"), float("inf"), float("-inf"), 0.0, 1e-6, -1e-6, 0.5, -0.5, 3.0, -3.0]

# (method call, F call) with the same arguments
FORMS = [
    ("leakyRelu()", "leakyRelu(x)"),
    ("leakyRelu(0.2)", "leakyRelu(x, 0.2)"),
    ("gelu()", "gelu(x)"),
    ("gelu({ approximate: \"tanh\" })", "gelu(x, { approximate: \"tanh\" })"),
    ("gelu({ approximate: \"none\" })", "gelu(x, { approximate: \"none\" })"),
    ("silu()", "silu(x)"),
    ("softplus()", "softplus(x)"),
    ("softplus({ beta: 2, threshold: 1 })", "softplus(x, { beta: 2, threshold: 1 })"),
    ("softplus({ beta: 0.5 })", "softplus(x, { beta: 0.5 })"),
    ("elu()", "elu(x)"),
    ("elu(0.5)", "elu(x, 0.5)"),
    ("hardtanh()", "hardtanh(x)"),
    ("hardtanh(-0.5, 0.8)", "hardtanh(x, -0.5, 0.8)"),
    ("logSigmoid()", "logSigmoid(x)"),
]


def build(suite):
    for method, fn in FORMS:
        name = method.split("(")[0]
        suite.case(name, tags=[name],
                   inputs={"x": randn(3, 5, grad=True, scale=2.0)},
                   steps=[f"y = x.{method}", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{name}_F", tags=[name, "functional"],
                   inputs={"x": randn(2, 3, grad=True, scale=2.0)},
                   steps=[f"y = torch.nn.functional.{fn}", "s = y.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{name}_f64", tags=[name, "float64"],
                   inputs={"x": randn(4, 5, grad=True, scale=3.0, dtype="float64")},
                   steps=[f"y = x.{method}", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
        # 37 elements through a transpose: the kernels' vector loops and scalar tail
        suite.case(f"{name}_strided", tags=[name, "strided"],
                   inputs={"x": randn(37, 2, grad=True, scale=2.0)},
                   steps=["xt = x.t()", f"y = xt.{method}", "s = y.sum()"],
                   backward=["s.backward()"])
        suite.case(f"{name}_special", tags=[name, "nonfinite"],
                   inputs={"x": tensor(SPECIAL)},
                   steps=[f"y = x.{method}"])
        # the gradient of the gradient (PyTorch's double backward)
        suite.case(f"{name}_double_backward", tags=[name, "higher_order"],
                   inputs={"x": randn(6, grad=True, scale=2.0, dtype="float64")},
                   steps=[f"y = x.{method}", "q = y.mul(y)", "s = q.sum()",
                          "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
                   backward=["t.backward()"],
                   expect=["y", "g", "t", "x.grad"])

    # thresholds and boundaries hit exactly
    suite.case("softplus_threshold", tags=["softplus"],
               inputs={"x": tensor([19.0, 20.0, 21.0, 9.5, 10.0, 10.5, -30.0, -100.0], grad=True)},
               steps=["y = x.softplus()", "z = x.softplus({ beta: 2 })", "yz = y.add(z)", "s = yz.sum()"],
               backward=["s.backward()"])
    suite.case("hardtanh_bounds", tags=["hardtanh"],
               inputs={"x": tensor([-1.0, 1.0, -0.5, 0.8, -2.0, 2.0, 0.0, 0.79], grad=True)},
               steps=["y = x.hardtanh()", "z = x.hardtanh(-0.5, 0.8)", "yz = y.add(z)", "s = yz.sum()"],
               backward=["s.backward()"])
    suite.case("hardtanh_int", tags=["hardtanh", "int32"],
               inputs={"i": ints(6, low=-3, high=3)},
               steps=["y = i.hardtanh()", "z = i.hardtanh(-1.7, 2.2)", "w = torch.nn.functional.hardtanh(i, -0.5, 1.5)"])
    suite.case("leaky_relu_zero", tags=["leakyRelu"],
               inputs={"x": tensor([0.0, -0.0, 1.0, -1.0], grad=True)},
               steps=["y = x.leakyRelu(0.3)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("elu_zero", tags=["elu"],
               inputs={"x": tensor([0.0, 1e-3, -1e-3, -20.0], grad=True)},
               steps=["y = x.elu(2)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("gelu_tails", tags=["gelu"],
               inputs={"x": tensor([-5.0, -3.0, -1.0, 1.0, 3.0, 5.0, 8.0], grad=True, dtype="float64")},
               steps=["y = x.gelu()", "z = x.gelu({ approximate: \"tanh\" })", "yz = y.add(z)", "s = yz.sum()"],
               backward=["s.backward()"])
    suite.case("chain", tags=["gelu", "silu"],
               inputs={"x": randn(4, 3, grad=True)},
               steps=["a = x.gelu()", "b = a.silu()", "c = b.logSigmoid()", "s = c.sum()"],
               backward=["s.backward()"])

    # dtypes PyTorch refuses, and bad arguments
    for method, kernel in (("leakyRelu()", "leaky_relu_cpu"), ("gelu()", "GeluKernelImpl"), ("silu()", "silu_cpu"),
                           ("softplus()", "softplus_cpu"), ("elu()", "elu_cpu"), ("logSigmoid()", "log_sigmoid_cpu")):
        name = method.split("(")[0]
        suite.case(f"{name}_int", tags=[name, "int32", "errors"],
                   inputs={"i": ints(3)},
                   steps=[f"y = i.{method}"],
                   # (the type's name left out: wasmgrad names its int32 'Int', PyTorch's int64 is 'Long')
                   error=f"\"{kernel}\" not implemented for '")
        suite.case(f"{name}_bool", tags=[name, "bool", "errors"],
                   inputs={"b": tensor([True, False], dtype="bool")},
                   steps=[f"y = b.{method}"],
                   error=f"\"{kernel}\" not implemented for 'Bool'")
    suite.case("hardtanh_bool", tags=["hardtanh", "bool", "errors"],
               inputs={"b": tensor([True, False], dtype="bool")},
               steps=["y = b.hardtanh()"],
               error="Bool inputs not supported for hardtanh")
    suite.case("gelu_approximate", tags=["gelu", "errors"],
               inputs={"x": randn(3)},
               steps=["y = x.gelu({ approximate: \"sigmoid\" })"],
               error="approximate argument must be either none or tanh.")
    suite.case("gelu_F_approximate", tags=["gelu", "errors"],
               inputs={"x": randn(3)},
               steps=["y = torch.nn.functional.gelu(x, { approximate: \"erf\" })"],
               error="approximate argument must be either none or tanh.")
