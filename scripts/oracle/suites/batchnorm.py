"""
Batch normalisation: F.batchNorm in training and evaluation mode (values, input/weight/bias
gradients, node names, the running statistics it updates in place), nn.BatchNorm1d and
nn.BatchNorm2d (printed form, parameters and buffers, stateDict keys and values, running
statistics over several training steps, eval(), momentum null, affine and trackRunningStats
off, loadStateDict), double backward, and PyTorch's errors.
"""
from dsl import positive, randn, tensor

F = "torch.nn.functional"
NN = "torch.nn"

# [N, C] with C = 5 (the kernels' four-channel SIMD step and a tail channel), [N, C, L] with
# L = 7 (a SIMD run and a tail), [N, C, H, W], and a 5-D input
SHAPES = [[6, 5], [4, 3, 7], [2, 3, 4, 5], [2, 2, 2, 3, 2], [3, 9]]


def bn_inputs(shape, dtype="float32", affine=True, running=True):
    c = shape[1]
    inputs = {"x": randn(*shape, grad=True, dtype=dtype, scale=2.0, shift=0.5), "r": randn(*shape, dtype=dtype)}
    if affine:
        inputs["w"] = randn(c, grad=True, dtype=dtype, shift=1.0)
        inputs["b"] = randn(c, grad=True, dtype=dtype)
    if running:
        inputs["rm"] = randn(c, dtype=dtype)
        inputs["rv"] = positive(c, dtype=dtype)
    return inputs


def build(suite):
    # ---- F.batchNorm: values, gradients, running statistics ----------------------------------
    for shape in SHAPES:
        tag = "x".join(map(str, shape))
        for training in (True, False):
            mode = "train" if training else "eval"
            suite.case(f"F_{mode}_{tag}", tags=[mode, "functional"],
                       inputs=bn_inputs(shape),
                       steps=[f"y = {F}.batchNorm(x, rm, rv, w, b, {{ training: {str(training).lower()} }})",
                              "q = y.mul(r)", "s = q.sum()"],
                       backward=["s.backward()"],
                       also=["rm", "rv"])
    for dtype in ("float64",):
        for training in (True, False):
            mode = "train" if training else "eval"
            suite.case(f"F_{mode}_f64", tags=[mode, "float64"],
                       inputs=bn_inputs([5, 3, 4], dtype=dtype),
                       steps=[f"y = {F}.batchNorm(x, rm, rv, w, b, {{ training: {str(training).lower()} }})",
                              "q = y.mul(r)", "s = q.sum()"],
                       backward=["s.backward()"],
                       also=["rm", "rv"])
    # running statistics whose elements share memory: PyTorch raises nothing and updates channel
    # by channel, each reading what the one before wrote through the alias (mean, then variance)
    suite.case("F_train_running_expanded", tags=["train", "aliasing"],
               inputs={"x": randn(4, 3, 5, scale=2.0, shift=0.5), "m0": randn(1), "v0": positive(1)},
               steps=["rm = m0.expand([3])", "rv = v0.expand([3])",
                      f"y = {F}.batchNorm(x, rm, rv, null, null, {{ training: true }})"],
               expect=["y", "m0", "v0", "rm", "rv"])
    suite.case("F_train_running_one_expanded_f64", tags=["train", "aliasing", "float64"],
               inputs={"x": randn(3, 4, dtype="float64"), "rm": randn(4, dtype="float64"), "v0": positive(1, dtype="float64")},
               steps=["rv = v0.expand([4])", f"y = {F}.batchNorm(x, rm, rv, null, null, {{ training: true, momentum: 0.3 }})"],
               expect=["y", "rm", "v0"])
    suite.case("F_train_running_same_tensor", tags=["train", "aliasing"],
               inputs={"x": randn(5, 3, 2), "r2": positive(3)},
               steps=[f"y = {F}.batchNorm(x, r2, r2, null, null, {{ training: true }})"],
               expect=["y", "r2"])
    # no running statistics, no affine parameters; only some arguments requiring grad
    suite.case("F_train_no_stats", tags=["train"], inputs=bn_inputs([4, 3, 5], affine=False, running=False),
               steps=[f"y = {F}.batchNorm(x, null, null, null, null, {{ training: true }})", "q = y.mul(r)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("F_train_weight_only", tags=["train"],
               inputs={**bn_inputs([6, 4], running=False), "x": randn(6, 4, scale=3.0)},
               steps=[f"y = {F}.batchNorm(x, null, null, w, undefined, {{ training: true }})", "q = y.mul(r)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "y.gradFn", "s", "w.grad"])
    suite.case("F_eval_bias_grad_only", tags=["eval"],
               inputs={**bn_inputs([3, 4, 2]), "x": randn(3, 4, 2), "w": randn(4)},
               steps=[f"y = {F}.batchNorm(x, rm, rv, w, b)", "q = y.mul(r)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "y.gradFn", "y.gradFn.nextFunctions", "s", "b.grad"])
    suite.case("F_eval_no_grad", tags=["eval"], inputs={"x": randn(4, 3), "rm": randn(3), "rv": positive(3)},
               steps=[f"y = {F}.batchNorm(x, rm, rv)"])
    suite.case("F_next_functions", tags=["graph"], inputs=bn_inputs([4, 3]),
               steps=[f"y = {F}.batchNorm(x, rm, rv, null, b, {{ training: true }})"],
               expect=["y", "y.gradFn", "y.gradFn.nextFunctions"])
    # momentum and eps
    for name, opts in [("momentum_half", "{ training: true, momentum: 0.5 }"), ("momentum_zero", "{ training: true, momentum: 0 }"),
                       ("momentum_one", "{ training: true, momentum: 1 }"), ("eps", "{ training: true, eps: 0.001 }"),
                       ("eval_eps", "{ eps: 0.5 }")]:
        suite.case(f"F_{name}", tags=["options"], inputs=bn_inputs([5, 3, 2]),
                   steps=[f"y = {F}.batchNorm(x, rm, rv, w, b, {opts})", "q = y.mul(r)", "s = q.sum()"],
                   backward=["s.backward()"], also=["rm", "rv"])
    # strided input and running statistics that are views
    suite.case("F_train_transposed", tags=["train", "strided"],
               inputs={"x": randn(5, 6, grad=True), "r": randn(6, 5), "rm": randn(10), "rv": positive(10)},
               steps=["xt = x.t()", "rmv = rm.narrow(0, 0, 5)", "rvv = rv.narrow(0, 5, 5)",
                      f"y = {F}.batchNorm(xt, rmv, rvv, null, null, {{ training: true }})", "q = y.mul(r)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "y.gradFn", "s", "x.grad", "rm", "rv"])
    # two samples per channel (the smallest batch training takes), and constant channels
    suite.case("F_train_two_values", tags=["train"], inputs={"x": randn(2, 3, grad=True), "rm": randn(3), "rv": positive(3)},
               steps=[f"y = {F}.batchNorm(x, rm, rv, null, null, {{ training: true }})", "s = y.sum()"],
               backward=["s.backward()"], also=["rm", "rv"])
    suite.case("F_train_constant", tags=["train"],
               inputs={"x": tensor([[1.0, 2.0], [1.0, 4.0], [1.0, 6.0]], grad=True), "r": randn(3, 2)},
               steps=[f"y = {F}.batchNorm(x, null, null, null, null, {{ training: true }})", "q = y.mul(r)", "s = q.sum()"],
               backward=["s.backward()"])
    # an empty batch: a copy (scaled by weight[0], shifted by bias[0])
    suite.case("F_empty", tags=["empty"], inputs={"x": randn(0, 3), "rm": randn(3), "rv": positive(3), "w": randn(3, grad=True), "b": randn(3, grad=True)},
               steps=[f"y = {F}.batchNorm(x, rm, rv, w, b, {{ training: true }})"], expect=["y", "y.gradFn", "y.shape"])
    # the gradient of the gradient (training and evaluation)
    for training in (True, False):
        mode = "train" if training else "eval"
        suite.case(f"double_backward_{mode}", tags=["higher_order", mode],
                   inputs=bn_inputs([4, 3, 2], dtype="float64"),
                   steps=[f"y = {F}.batchNorm(x, rm, rv, w, b, {{ training: {str(training).lower()} }})", "q = y.mul(r)", "p = q.mul(y)", "s = p.sum()",
                          "[gx, gw] = torch.autograd.grad([s], [x, w], { createGraph: true })", "gg = gx.mul(gx)", "t1 = gg.sum()", "t2 = gw.sum()", "t = t1.add(t2)"],
                   backward=["t.backward()"],
                   expect=["gx", "gw", "t", "x.grad", "w.grad", "b.grad"])

    # torch.batchNorm: PyTorch's positional form (weight and bias before the running statistics)
    suite.case("torch_batch_norm", tags=["torch", "train"], inputs=bn_inputs([4, 3, 2]),
               steps=["y = torch.batchNorm(x, w, b, rm, rv, true, 0.3, 0.001, false)", "q = y.mul(r)", "s = q.sum()"],
               backward=["s.backward()"], also=["rm", "rv"])
    suite.case("torch_batch_norm_eval", tags=["torch", "eval"], inputs=bn_inputs([3, 4]),
               steps=["y = torch.batchNorm(x, null, b, rm, rv, false, 0.1, 0.00001, false)", "q = y.mul(r)", "s = q.sum()"],
               backward=["s.backward()"])

    # ---- modules -------------------------------------------------------------------------------
    for name, ctor in [("1d", "BatchNorm1d(3)"), ("2d", "BatchNorm2d(8)"),
                       ("opts", "BatchNorm1d(4, { eps: 0.001, momentum: 0.3, affine: false })"),
                       ("momentum_null", "BatchNorm2d(2, { momentum: null, trackRunningStats: false })"),
                       ("zero", "BatchNorm1d(0)")]:
        suite.case(f"repr_{name}", tags=["repr", "module"], steps=[f"m = new {NN}.{ctor}"],
                   expect=["repr:m", "m.training", "m.numFeatures", "m.eps", "m.affine", "m.trackRunningStats", "m.weight", "m.bias",
                           "m.runningMean", "m.runningVar", "m.numBatchesTracked"])
    suite.case("state_dict_keys", tags=["module", "state_dict"], steps=[f"m = new {NN}.BatchNorm1d(3)", "sd = m.stateDict()"], expect=["sd"])
    suite.case("state_dict_no_stats", tags=["module", "state_dict"],
               steps=[f"m = new {NN}.BatchNorm2d(3, {{ trackRunningStats: false }})", "sd = m.stateDict()"], expect=["sd"])
    suite.case("state_dict_no_affine", tags=["module", "state_dict"],
               steps=[f"m = new {NN}.BatchNorm2d(2, {{ affine: false }})", "sd = m.stateDict()"], expect=["sd"])
    suite.case("state_dict_in_sequential", tags=["module", "state_dict"], inputs={"x": randn(4, 2)},
               steps=[f"l = new {NN}.Linear(2, 3)", f"bn = new {NN}.BatchNorm1d(3, {{ affine: false }})", f"net = new {NN}.Sequential(l, bn)",
                      "lw = l.weight", "torch.noGrad(() => lw.fill_(0.5))", "lb = l.bias", "torch.noGrad(() => lb.fill_(0.25))",
                      "y = net.call(x)", "sd = net.stateDict()"],
               expect=["repr:net", "y", "sd"])

    def training_steps(ctor, shape, steps=3, extra_opts=""):
        inputs = {f"x{i}": randn(*shape, scale=1.5, shift=0.3 * i) for i in range(steps)}
        inputs["xe"] = randn(*shape, grad=True)
        inputs["r"] = randn(*shape)
        prog = [f"m = new {NN}.{ctor}"]
        for i in range(steps):
            prog.append(f"y{i} = m.call(x{i})")
        prog += ["sd = m.stateDict()", "m.eval()", "ye = m.call(xe)", "q = ye.mul(r)", "s = q.sum()"]
        return inputs, prog

    for name, ctor, shape in [("1d", "BatchNorm1d(4)", [6, 4]), ("1d_3d", "BatchNorm1d(3, { momentum: 0.2 })", [4, 3, 5]),
                              ("2d", "BatchNorm2d(3)", [2, 3, 4, 4]), ("momentum_null", "BatchNorm1d(5, { momentum: null })", [3, 5]),
                              ("no_affine", "BatchNorm2d(2, { affine: false, eps: 0.01 })", [3, 2, 3, 3])]:
        inputs, prog = training_steps(ctor, shape)
        expect = ["y0", "y0.gradFn", "y2", "sd", "ye", "ye.gradFn", "s", "xe.grad", "m.training"]
        if "affine: false" not in ctor:
            expect += ["m.weight.grad", "m.bias.grad"]
        suite.case(f"module_steps_{name}", tags=["module", "train"], inputs=inputs, steps=prog, backward=["s.backward()"], expect=expect)
    # without running statistics the batch's are used in eval mode too
    suite.case("module_no_stats_eval", tags=["module", "eval"], inputs={"x": randn(5, 3, grad=True), "r": randn(5, 3)},
               steps=[f"m = new {NN}.BatchNorm1d(3, {{ trackRunningStats: false }})", "m.eval()", "y = m.call(x)", "q = y.mul(r)", "s = q.sum()"],
               backward=["s.backward()"], expect=["y", "y.gradFn", "s", "x.grad", "m.weight.grad", "m.bias.grad", "m.runningMean"])
    # train() after eval() and a second module loading the first's state
    suite.case("module_load_state_dict", tags=["module", "state_dict"], inputs={"x0": randn(4, 3, 2), "x1": randn(4, 3, 2), "xe": randn(2, 3, 2)},
               steps=[f"m = new {NN}.BatchNorm1d(3)", "y0 = m.call(x0)", "m.eval()", "m.train()", "y1 = m.call(x1)", "sd = m.stateDict()",
                      f"m2 = new {NN}.BatchNorm1d(3)", "m2.loadStateDict(sd)", "m2.eval()", "ye = m2.call(xe)", "sd2 = m2.stateDict()"],
               expect=["y1", "sd2", "ye", "m2.numBatchesTracked"])
    suite.case("module_eval_batch_of_one", tags=["module", "eval"], inputs={"x": randn(1, 3)},
               steps=[f"m = new {NN}.BatchNorm1d(3)", "m.eval()", "y = m.call(x)"], expect=["y", "y.gradFn"])

    # ---- errors --------------------------------------------------------------------------------
    def err(name, steps, error, inputs=None):
        suite.case(f"error_{name}", tags=["errors"], inputs=inputs or {}, steps=steps, error=error)

    x43 = {"x": randn(4, 3)}
    err("batch_of_one", [f"y = {F}.batchNorm(x, null, null, null, null, {{ training: true }})"],
        "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])", {"x": randn(1, 3)})
    err("batch_of_one_3d", [f"y = {F}.batchNorm(x, null, null, null, null, {{ training: true }})"],
        "Expected more than 1 value per channel when training, got input size torch.Size([1, 3, 1])", {"x": randn(1, 3, 1)})
    err("running_mean_size", [f"y = {F}.batchNorm(x, rm, rv)"], "running_mean should contain 3 elements not 4",
        {**x43, "rm": randn(4), "rv": positive(3)})
    err("running_var_size", [f"y = {F}.batchNorm(x, rm, rv, null, null, {{ training: true }})"], "running_var should contain 3 elements not 2",
        {**x43, "rm": randn(3), "rv": positive(2)})
    err("weight_size", [f"y = {F}.batchNorm(x, rm, rv, w)"], "weight should contain 3 elements not 2",
        {**x43, "rm": randn(3), "rv": positive(3), "w": randn(2)})
    err("bias_size", [f"y = {F}.batchNorm(x, rm, rv, null, b)"], "bias should contain 3 elements not 5",
        {**x43, "rm": randn(3), "rv": positive(3), "b": randn(5)})
    err("running_mean_eval", [f"y = {F}.batchNorm(x, null, rv)"], "running_mean must be defined in evaluation mode", {**x43, "rv": positive(3)})
    err("running_var_eval", [f"y = {F}.batchNorm(x, rm, null)"], "running_var must be defined in evaluation mode", {**x43, "rm": randn(3)})
    err("input_1d", [f"y = {F}.batchNorm(x, rm, rv)"], "running_mean should contain 0 elements not 3",
        {"x": randn(3), "rm": randn(3), "rv": positive(3)})
    err("input_1d_no_stats", [f"y = {F}.batchNorm(x, null, null, null, null, {{ training: true }})"],
        "Dimension out of range (expected to be in range of [-1, 0], but got 1)", {"x": randn(3)})
    err("int_input", [f"y = {F}.batchNorm(x, rm, rv)"], "\"batch_norm\" not implemented for",
        {"x": tensor([[1, 2], [3, 4]], dtype="int32"), "rm": randn(2), "rv": positive(2)})
    # the mixed-dtype errors name float32 and float64 apart, which the float64 shadow run cannot
    # check: test/batchnorm_embedding.test.ts has them
    err("running_2d", [f"y = {F}.batchNorm(x, rm, rv, null, null, {{ training: true }})"], "TensorAccessor expected 1 dims but tensor has 2",
        {**x43, "rm": randn(3), "rv": positive(1, 3)})
    err("running_requires_grad", [f"y = {F}.batchNorm(x, rm, rv, null, null, {{ training: true }})"],
        "The function 'native_batch_norm' is not differentiable with respect to argument 'running_mean'. This input cannot have requires_grad True.",
        {**x43, "rm": randn(3, grad=True), "rv": positive(3)})
    err("momentum_null", [f"y = {F}.batchNorm(x, rm, rv, null, null, {{ training: true, momentum: null }})"],
        "batch_norm(): argument 'momentum' (position 7) must be float, not NoneType", {**x43, "rm": randn(3), "rv": positive(3)})
    err("training_number", [f"y = {F}.batchNorm(x, rm, rv, null, null, {{ training: 1 }})"],
        "batch_norm(): argument 'training' (position 6) must be bool, not int", {**x43, "rm": randn(3), "rv": positive(3)})
    err("unknown_option", [f"y = {F}.batchNorm(x, rm, rv, null, null, {{ affine: true }})"],
        "batch_norm() got an unexpected keyword argument 'affine'", {**x43, "rm": randn(3), "rv": positive(3)})
    err("torch_training_number", ["y = torch.batchNorm(x, null, null, rm, rv, 0, 0.1, 0.00001, false)"],
        "batch_norm(): argument 'training' (position 6) must be bool, not int", {**x43, "rm": randn(3), "rv": positive(3)})
    err("module_1d_input_4d", [f"m = new {NN}.BatchNorm1d(3)", "y = m.call(x)"], "expected 2D or 3D input (got 4D input)", {"x": randn(2, 3, 2, 2)})
    err("module_2d_input_3d", [f"m = new {NN}.BatchNorm2d(3)", "y = m.call(x)"], "expected 4D input (got 3D input)", {"x": randn(2, 3, 2)})
    err("module_channels", [f"m = new {NN}.BatchNorm1d(3)", "y = m.call(x)"], "running_mean should contain 4 elements not 3", {"x": randn(2, 4)})
    err("module_batch_of_one", [f"m = new {NN}.BatchNorm2d(3)", "y = m.call(x)"],
        "Expected more than 1 value per channel when training, got input size torch.Size([1, 3, 1, 1])", {"x": randn(1, 3, 1, 1)})
    err("module_negative", [f"m = new {NN}.BatchNorm1d(-1)"], "Trying to create tensor with negative dimension -1: [-1]")
