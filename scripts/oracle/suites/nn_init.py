"""
torch.nn.init, where the result does not depend on the random stream (wasmgrad's generator is
its own, so random values are checked in test/nn_init.test.ts): the constant initialisers'
values, what every initialiser returns (the tensor itself, still a leaf, no graph), gains,
zero-element tensors, and PyTorch's errors.
"""
import warnings

from dsl import ints, randn


# PyTorch warns about what these cases do on purpose; the recording does not need to say so
warnings.filterwarnings("ignore", message="Initializing zero-element tensors is a no-op")


def build(suite) -> None:
    for call in ["torch.nn.init.constant_(w, 0.3)", "torch.nn.init.zeros_(w)", "torch.nn.init.ones_(w)"]:
        suite.case("constant", tags=["constant"], inputs={"w": randn(2, 3, grad=True)},
                   steps=[f"y = {call}", "s = w.mul(w)", "l = s.sum()", "l.backward()"],
                   expect=["y", "y.requiresGrad", "y.isLeaf", "y.gradFn", "w", "w.grad"])
    suite.case("constant_int", tags=["constant"], inputs={"k": ints(3), "m": ints(2, 2)},
               steps=["y = torch.nn.init.constant_(k, 7)", "z = torch.nn.init.ones_(m)"], expect=["y", "z", "k", "m"])

    # random initialisers: shape, dtype, leaf, no graph (the values are wasmgrad's own stream)
    for call in ["torch.nn.init.uniform_(w)", "torch.nn.init.uniform_(w, -0.1, 0.1)", "torch.nn.init.normal_(w, { mean: 1, std: 0.02 })",
                 "torch.nn.init.xavierUniform_(w)", "torch.nn.init.xavierNormal_(w, { gain: 2 })", "torch.nn.init.kaimingUniform_(w, { a: 2.23606797749979 })",
                 "torch.nn.init.kaimingNormal_(w, { mode: \"fan_out\", nonlinearity: \"relu\" })"]:
        suite.case("random_shape", tags=["random"], inputs={"w": randn(4, 3, 2, grad=True)},
                   steps=[f"y = {call}"], expect=["y.shape", "y.dtype", "y.requiresGrad", "y.isLeaf", "y.gradFn"])
    suite.case("random_float64", tags=["random"], inputs={"w": randn(3, 2, grad=True, dtype="float64")},
               steps=["y = torch.nn.init.kaimingUniform_(w)"], expect=["y.shape", "y.dtype", "y.isLeaf"])
    suite.case("kaiming_empty", tags=["random"], inputs={"w": randn(0, 3)},
               steps=["y = torch.nn.init.kaimingUniform_(w)", "z = torch.nn.init.kaimingNormal_(w, { mode: \"fan_avg\" })"],
               expect=["y", "z"])

    for args in ['"linear"', '"conv2d"', '"sigmoid"', '"tanh"', '"relu"', '"leaky_relu"', '"leaky_relu", 0.2', '"selu"', '"conv_transpose3d"']:
        suite.case("gain", tags=["calculateGain"], steps=[f"g = torch.nn.init.calculateGain({args})"], expect=["g"])

    for call, message in [
        ("torch.nn.init.kaimingUniform_(v)", "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"),
        ("torch.nn.init.xavierNormal_(v)", "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"),
        ("torch.nn.init.kaimingUniform_(w, { mode: \"fan_avg\" })", "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']"),
        ("torch.nn.init.kaimingNormal_(w, { nonlinearity: \"swish\" })", "Unsupported nonlinearity swish"),
        ("torch.nn.init.uniform_(w, 1, 0)", "uniform_ expects to return a [from, to) range, but found from=1 > to=0"),
        ("torch.nn.init.uniform_(w, 0, Infinity)", "to is out of bounds for"),
        ("torch.nn.init.normal_(w, 0, -0.5)", "normal expects std >= 0.0, but found std -0.5"),
        ("torch.nn.init.uniform_(k)", "\"check_uniform_bounds\" not implemented for"),
        ("torch.nn.init.normal_(k)", "\"normal_kernel_cpu\" not implemented for"),
        ("torch.nn.init.calculateGain(\"gelu\")", "Unsupported nonlinearity gelu"),
        ("torch.nn.init.calculateGain(\"leaky_relu\", \"x\")", "negative_slope x not a valid number"),
    ]:
        suite.case("errors", tags=["errors"], inputs={"w": randn(3, 2), "v": randn(3), "k": ints(2)}, steps=[f"y = {call}"], error=message)
