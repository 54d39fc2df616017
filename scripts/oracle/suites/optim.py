"""
Optimizers beyond the first SGD/Adam programs (programs/optim.json): a few steps of each
with each notable option on a small linear model, parameter groups, and state dicts
(PyTorch's layout, and training on after loading one).
"""
from dsl import randn


def model_inputs(rows: int = 4, cols: int = 3, out: int = 2) -> dict:
    return {
        "x": randn(rows, cols),
        "t": randn(rows, out),
        "w": randn(cols, out, grad=True, scale=0.5),
        "b": randn(out, grad=True, scale=0.1),
    }


def train(opt: str, steps: int, first: int = 0) -> list[str]:
    """`steps` training steps of the linear model with optimizer `opt`, losses named loss<i>."""
    out = []
    for i in range(first, first + steps):
        out += [
            f"{opt}.zeroGrad()",
            f"pr{i} = x.matmul(w)",
            f"pb{i} = pr{i}.add(b)",
            f"loss{i} = torch.nn.functional.mseLoss(pb{i}, t)",
            f"loss{i}.backward()",
            f"{opt}.step()",
        ]
    return out


def losses(n: int, first: int = 0) -> list[str]:
    return [f"loss{i}" for i in range(first, first + n)]


OPTIMIZERS = {
    "AdamW": [
        "{ lr: 0.05 }",
        "{ lr: 0.05, weightDecay: 0.1 }",
        "{ lr: 0.05, amsgrad: true }",
        "{ lr: 0.05, betas: [0.8, 0.99], eps: 0.000001, weightDecay: 0 }",
        "{ lr: 0.02, maximize: true }",
        "{}",
    ],
    "RMSprop": [
        "{}",
        "{ lr: 0.01, momentum: 0.9 }",
        "{ lr: 0.01, centered: true }",
        "{ lr: 0.005, centered: true, momentum: 0.5, weightDecay: 0.1 }",
        "{ lr: 0.01, alpha: 0.9, eps: 0.0001 }",
        "{ lr: 0.01, maximize: true }",
    ],
    "Adagrad": [
        "{}",
        "{ lr: 0.1, lrDecay: 0.1 }",
        "{ lr: 0.1, initialAccumulatorValue: 0.5 }",
        "{ lr: 0.1, weightDecay: 0.2, eps: 0.001 }",
        "{ lr: 0.05, maximize: true }",
    ],
    "Adam": [
        "{ lr: 0.05, amsgrad: true }",
        "{ lr: 0.02, maximize: true }",
        "{ lr: 0.05, amsgrad: true, weightDecay: 0.1 }",
    ],
    "SGD": [
        "{ lr: 0.1, momentum: 0.9, nesterov: true }",
        "{ lr: 0.1, momentum: 0.9, dampening: 0.5 }",
        "{ lr: 0.1, momentum: 0.5, maximize: true }",
    ],
}

# The keys each optimizer's state dict has, as PyTorch's (recorded: state and param_groups).
STATE_DICT_OPTIONS = {
    "SGD": "{ lr: 0.1, momentum: 0.9 }",
    "Adam": "{ lr: 0.05, amsgrad: true }",
    "AdamW": "{ lr: 0.05 }",
    "RMSprop": "{ lr: 0.01, momentum: 0.5, centered: true }",
    "Adagrad": "{ lr: 0.1 }",
}


def build(suite) -> None:
    for name, variants in OPTIMIZERS.items():
        for opts in variants:
            suite.case(f"{name}_steps", tags=[name],
                       inputs=model_inputs(),
                       steps=[f"opt = new torch.optim.{name}([w, b], {opts})", *train("opt", 3)],
                       expect=[*losses(3), "w", "b"])

    # parameter groups: per-group options override the defaults
    for name, groups, defaults in [
        ("AdamW", "[{ params: [w] }, { params: [b], lr: 0.01, weightDecay: 0 }]", "{ lr: 0.05 }"),
        ("RMSprop", "[{ params: [w], momentum: 0.5 }, { params: [b] }]", "{ lr: 0.01 }"),
        ("Adagrad", "[{ params: [w], lrDecay: 0.5 }, { params: [b], lr: 0.05 }]", "{ lr: 0.1 }"),
    ]:
        suite.case(f"{name}_groups", tags=[name, "param_groups"], inputs=model_inputs(),
                   steps=[f"opt = new torch.optim.{name}({groups}, {defaults})", *train("opt", 3)],
                   expect=[*losses(3), "w", "b"])

    # a parameter without a gradient is skipped (and gets no state)
    suite.case("RMSprop_no_grad_param", tags=["RMSprop"], inputs={**model_inputs(), "u": randn(2, grad=True)},
               steps=["opt = new torch.optim.RMSprop([w, b, u], { lr: 0.01 })", *train("opt", 2), "sd = opt.stateDict()"],
               expect=[*losses(2), "w", "b", "u", "sd"])

    # state dicts: PyTorch's layout, keys and values
    for name, opts in STATE_DICT_OPTIONS.items():
        suite.case(f"{name}_state_dict", tags=[name, "state_dict"], inputs=model_inputs(),
                   steps=[f"opt = new torch.optim.{name}([w, b], {opts})", *train("opt", 2), "sd = opt.stateDict()"],
                   expect=["sd", "w", "b"])
    suite.case("Adagrad_state_dict_before_step", tags=["Adagrad", "state_dict"], inputs=model_inputs(),
               steps=["opt = new torch.optim.Adagrad([{ params: [w] }, { params: [b], lr: 0.5 }], { initialAccumulatorValue: 0.25 })",
                      "sd = opt.stateDict()"],
               expect=["sd"])

    # loading a state dict into a fresh optimizer (other options) continues the same training
    for name, opts in STATE_DICT_OPTIONS.items():
        suite.case(f"{name}_load_state_dict", tags=[name, "state_dict"], inputs=model_inputs(),
                   steps=[f"opt = new torch.optim.{name}([w, b], {opts})", *train("opt", 2), "sd = opt.stateDict()",
                          f"opt2 = new torch.optim.{name}([w, b], {{ lr: 0.9 }})", "opt2.loadStateDict(sd)",
                          *train("opt2", 2, first=2), "sd2 = opt2.stateDict()"],
                   expect=[*losses(4), "w", "b", "sd2"])

    # printing: each group's options under PyTorch's names, Python's spelling
    for name, opts in [("SGD", "{ lr: 0.00001, momentum: 0.9 }"), ("Adam", "{ lr: 0.01, eps: 0.000001 }"), ("AdamW", "{ amsgrad: true }"),
                       ("RMSprop", "{ centered: true }"), ("Adagrad", "{ lrDecay: 0.5 }")]:
        suite.case(f"{name}_repr", tags=[name, "repr"], inputs={"w": randn(2, grad=True), "b": randn(1, grad=True)},
                   steps=[f"opt = new torch.optim.{name}([{{ params: [w] }}, {{ params: [b], lr: 0.5 }}], {opts})",
                          "sched = new torch.optim.lrScheduler.ExponentialLR(opt, 0.5)"],
                   expect=["repr:opt"])

    # misuse, with PyTorch's messages
    for name, opts, message in [
        ("AdamW", "{ lr: -0.5 }", "Invalid learning rate: -0.5"),
        ("AdamW", "{ betas: [1, 0.9] }", "Invalid beta parameter at index 0: 1"),
        ("AdamW", "{ weightDecay: -1 }", "Invalid weight_decay value: -1"),
        ("RMSprop", "{ alpha: -0.1 }", "Invalid alpha value: -0.1"),
        ("RMSprop", "{ momentum: -0.5 }", "Invalid momentum value: -0.5"),
        ("RMSprop", "{ eps: -1 }", "Invalid epsilon value: -1"),
        ("Adagrad", "{ lrDecay: -0.1 }", "Invalid lr_decay value: -0.1"),
        ("Adagrad", "{ initialAccumulatorValue: -1 }", "Invalid initial_accumulator_value value: -1"),
        ("Adagrad", "{ lr: -1 }", "Invalid learning rate: -1"),
    ]:
        suite.case(f"{name}_invalid", tags=[name, "errors"], inputs={"w": randn(2, grad=True)},
                   steps=[f"opt = new torch.optim.{name}([w], {opts})"], error=message)
    suite.case("load_state_dict_groups", tags=["state_dict", "errors"], inputs={"w": randn(2, grad=True), "b": randn(2, grad=True)},
               steps=["opt = new torch.optim.Adam([w, b])", "sd = opt.stateDict()",
                      "opt2 = new torch.optim.Adam([{ params: [w] }, { params: [b] }])", "opt2.loadStateDict(sd)"],
               error="loaded state dict has a different number of parameter groups")
    suite.case("load_state_dict_sizes", tags=["state_dict", "errors"], inputs={"w": randn(2, grad=True), "b": randn(2, grad=True)},
               steps=["opt = new torch.optim.SGD([w, b], { lr: 0.1 })", "sd = opt.stateDict()",
                      "opt2 = new torch.optim.SGD([w], { lr: 0.1 })", "opt2.loadStateDict(sd)"],
               error="loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
