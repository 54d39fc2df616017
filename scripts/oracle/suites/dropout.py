"""F.dropout and nn.Dropout: what does not depend on the random stream (wasmgrad's mask is
drawn from its own seeded stream, not PyTorch's): the identity cases (p = 0, eval, training
false) that return the input itself, p = 1, the node PyTorch records on the CPU (MulBackward0),
shapes and dtypes, the module's printed form, and the errors."""
from dsl import randn, ints

F = "torch.nn.functional"
NN = "torch.nn"


def build(suite):
    # the input itself: no new node
    for name, opts in [("p0", "{ p: 0.0 }"), ("not_training", "{ training: false }"), ("not_training_p", "{ p: 0.3, training: false }")]:
        suite.case(f"dropout_identity_{name}", tags=["dropout"], inputs={"x": randn(3, 4, grad=True)},
                   steps=[f"y = {F}.dropout(x, {opts})", "s = y.sum()"], backward=["s.backward()"],
                   expect=["y", "y.gradFn", "y.isLeaf", "x.grad"])
    suite.case("dropout_identity_nonleaf", tags=["dropout"], inputs={"x": randn(3, 4, grad=True)},
               steps=["h = x.mul(2)", f"y = {F}.dropout(h, {{ p: 0.0 }})", "s = y.sum()"], backward=["s.backward()"],
               expect=["y", "y.gradFn", "x.grad"])
    # p = 1: every element zeroed (PyTorch multiplies by a zero scalar)
    suite.case("dropout_p1", tags=["dropout"], inputs={"x": randn(3, 4, grad=True)},
               steps=[f"y = {F}.dropout(x, {{ p: 1.0 }})", "s = y.sum()"], backward=["s.backward()"],
               expect=["y", "y.gradFn", "x.grad"])
    suite.case("dropout_p1_inplace", tags=["dropout", "inplace"], inputs={"x": randn(3, 4, grad=True)},
               steps=["h = x.mul(2)", f"y = {F}.dropout(h, {{ p: 1.0, inplace: true }})", "s = y.sum()"], backward=["s.backward()"],
               expect=["y", "h", "y.gradFn", "x.grad"])
    # the node, shape and dtype of a real draw
    for dtype in ["float32", "float64"]:
        suite.case(f"dropout_node_{dtype}", tags=["dropout", dtype], inputs={"x": randn(4, 5, grad=True, dtype=dtype)},
                   steps=[f"y = {F}.dropout(x, {{ p: 0.4 }})"], expect=["y.gradFn", "y.shape", "y.dtype", "y.requiresGrad"])
    suite.case("dropout_default_p_node", tags=["dropout"], inputs={"x": randn(6, grad=True)},
               steps=[f"y = {F}.dropout(x)"], expect=["y.gradFn", "y.shape"])
    suite.case("dropout_no_grad_input", tags=["dropout"], inputs={"x": randn(6)},
               steps=[f"y = {F}.dropout(x, {{ p: 0.5 }})"], expect=["y.gradFn", "y.requiresGrad"])

    def err(name, steps, error, inputs=None):
        suite.case(f"dropout_error_{name}", tags=["errors", "dropout"], inputs=inputs or {}, steps=steps, error=error)

    err("p_high", [f"y = {F}.dropout(x, {{ p: 1.5 }})"], "dropout probability has to be between 0 and 1, but got 1.5", {"x": randn(3)})
    err("p_negative", [f"y = {F}.dropout(x, {{ p: -0.25 }})"], "dropout probability has to be between 0 and 1, but got -0.25", {"x": randn(3)})
    err("int_input", [f"y = {F}.dropout(x, {{ p: 0.5 }})"], "can't be cast to the desired output type", {"x": ints(3)})
    err("leaf_inplace", [f"y = {F}.dropout(x, {{ p: 0.5, inplace: true }})"],
        "a leaf Variable that requires grad is being used in an in-place operation.", {"x": randn(3, grad=True)})
    err("module_p", [f"m = new {NN}.Dropout({{ p: 1.5 }})"], "dropout probability has to be between 0 and 1, but got 1.5")

    # the module
    for name, ctor in [("default", "Dropout()"), ("p", "Dropout({ p: 0.25 })"), ("inplace", "Dropout({ p: 0.1, inplace: true })")]:
        suite.case(f"module_repr_{name}", tags=["repr", "dropout"], steps=[f"m = new {NN}.{ctor}"], expect=["repr:m", "m.p", "m.inplace"])
    suite.case("module_eval_identity", tags=["module", "dropout"], inputs={"x": randn(3, 4, grad=True)},
               steps=[f"m = new {NN}.Dropout({{ p: 0.5 }})", "m.eval()", "y = m.call(x)", "s = y.sum()"], backward=["s.backward()"],
               expect=["y", "y.gradFn", "m.training", "x.grad"])
    suite.case("module_train_node", tags=["module", "dropout"], inputs={"x": randn(3, 4, grad=True)},
               steps=[f"m = new {NN}.Dropout({{ p: 0.5 }})", "y = m.call(x)"], expect=["y.gradFn", "y.shape", "m.training"])
    suite.case("module_train_p1", tags=["module", "dropout"], inputs={"x": randn(3, 4, grad=True)},
               steps=[f"m = new {NN}.Dropout({{ p: 1.0 }})", "y = m.call(x)", "s = y.sum()"], backward=["s.backward()"],
               expect=["y", "y.gradFn", "x.grad"])
