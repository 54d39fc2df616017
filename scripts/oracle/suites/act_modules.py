"""
The activation modules (nn.GELU, SiLU, LeakyReLU, ELU, Softplus, Hardtanh, LogSigmoid, Softmax,
LogSoftmax): printed form (PyTorch's extra_repr), forward and backward values, node names, and
their constructors' errors.
"""
from dsl import randn

NN = "torch.nn"

MODULES = [
    ("gelu", "GELU()"),
    ("gelu_tanh", "GELU({ approximate: \"tanh\" })"),
    ("silu", "SiLU()"),
    ("leaky_relu", "LeakyReLU()"),
    ("leaky_relu_slope", "LeakyReLU({ negativeSlope: 0.2 })"),
    ("elu", "ELU()"),
    ("elu_alpha", "ELU({ alpha: 0.5 })"),
    ("elu_alpha_int", "ELU({ alpha: 2 })"),
    ("softplus", "Softplus()"),
    ("softplus_opts", "Softplus({ beta: 2, threshold: 1.5 })"),
    ("hardtanh", "Hardtanh()"),
    ("hardtanh_bounds", "Hardtanh({ minVal: -0.5, maxVal: 2 })"),
    ("log_sigmoid", "LogSigmoid()"),
    ("softmax", "Softmax({ dim: 1 })"),
    ("softmax_neg", "Softmax({ dim: -1 })"),
    ("softmax_implicit", "Softmax()"),
    ("log_softmax", "LogSoftmax({ dim: 0 })"),
    ("log_softmax_implicit", "LogSoftmax()"),
]


def build(suite):
    for name, ctor in MODULES:
        suite.case(f"repr_{name}", tags=["repr"], steps=[f"m = new {NN}.{ctor}"], expect=["repr:m"])
        suite.case(name, tags=[name.split("_")[0]],
                   inputs={"x": randn(3, 4, grad=True, scale=2.0), "w": randn(3, 4)},
                   steps=[f"m = new {NN}.{ctor}", "y = m.call(x)", "q = y.mul(w)", "s = q.sum()"],
                   backward=["s.backward()"],
                   expect=["y", "y.gradFn", "s", "x.grad"])
    suite.case("sequential", tags=["sequential", "repr"],
               inputs={"x": randn(2, 3, grad=True)},
               steps=[f"a = new {NN}.GELU()", f"b = new {NN}.LeakyReLU({{ negativeSlope: 0.1 }})", f"c = new {NN}.LogSoftmax({{ dim: 1 }})",
                      f"net = new {NN}.Sequential(a, b, c)", "y = net.call(x)", "s = y.sum()"],
               backward=["s.backward()"],
               expect=["repr:net", "y", "y.gradFn", "x.grad"])
    suite.case("state_dict_empty", tags=["state_dict"],
               steps=[f"m = new {NN}.GELU()", "sd = m.stateDict()"], expect=["sd"])
    suite.case("error_gelu_approximate", tags=["errors"], inputs={"x": randn(3)}, steps=[f"m = new {NN}.GELU({{ approximate: \"erf\" }})", "y = m.call(x)"],
               error="approximate argument must be either none or tanh.")
