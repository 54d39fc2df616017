"""
Learning-rate schedulers: each one's lr sequence over 12 steps (PyTorch's chainable
formulas, so the floats are PyTorch's), with its defaults and notable options, several
parameter groups, resuming (lastEpoch), the deprecated step(epoch), state dicts, the
momentum OneCycleLR cycles, training with a schedule, and PyTorch's errors.
"""
import warnings

from dsl import randn

N = 12


def sequence(sched: str, opt: str = "opt", n: int = N, first: int = 1) -> list[str]:
    """`n` rounds of opt.step(); sched.step(); lr<i> = sched.getLastLr()."""
    out = []
    for i in range(first, first + n):
        out += [f"{opt}.step()", f"{sched}.step()", f"lr{i} = {sched}.getLastLr()"]
    return out


def lrs(n: int = N, first: int = 0) -> list[str]:
    return [f"lr{i}" for i in range(first, first + n + 1)]


ONE_GROUP = "opt = new torch.optim.SGD([w], { lr: 0.1, momentum: 0.9 })"
TWO_GROUPS = "opt = new torch.optim.SGD([{ params: [w] }, { params: [v], lr: 0.5 }], { lr: 0.1, momentum: 0.9 })"

SCHEDULERS = [
    ("StepLR", "3"),
    ("StepLR", "2, { gamma: 0.5 }"),
    ("StepLR", "1, { gamma: 0.9 }"),
    ("MultiStepLR", "[2, 5, 9]"),
    ("MultiStepLR", "[2, 5, 5, 9], { gamma: 0.5 }"),
    ("ExponentialLR", "0.9"),
    ("ExponentialLR", "0.5"),
    ("CosineAnnealingLR", "5"),
    ("CosineAnnealingLR", "4, { etaMin: 0.01 }"),
    ("CosineAnnealingLR", "20, { etaMin: 0.001 }"),
    ("LambdaLR", '{ fn: "pow", base: 0.9 }'),
    ("LambdaLR", '{ fn: "warmup", steps: 5 }'),
    ("LinearLR", ""),
    ("LinearLR", "{ startFactor: 0.25, totalIters: 4 }"),
    ("LinearLR", "{ startFactor: 1, endFactor: 0.1, totalIters: 8 }"),
    ("OneCycleLR", "1, { totalSteps: 12 }"),
    ("OneCycleLR", "0.5, { totalSteps: 12, annealStrategy: \"linear\", pctStart: 0.5 }"),
    ("OneCycleLR", "0.5, { epochs: 3, stepsPerEpoch: 4, threePhase: true }"),
    ("OneCycleLR", "0.5, { totalSteps: 13, cycleMomentum: false, divFactor: 10, finalDivFactor: 100 }"),
]


def args(a: str) -> str:
    return f"opt, {a}" if a else "opt"


# PyTorch warns about what these cases do on purpose; the recording does not need to say so
warnings.filterwarnings("ignore", message="The epoch parameter in `scheduler.step")


def build(suite) -> None:
    for name, a in SCHEDULERS:
        suite.case(f"{name}_sequence", tags=[name], inputs={"w": randn(2, grad=True)},
                   steps=[ONE_GROUP, f"sched = new torch.optim.lrScheduler.{name}({args(a)})", "lr0 = sched.getLastLr()", *sequence("sched")],
                   expect=lrs())

    # two groups with their own lr: each scaled from its own initial lr
    for name, a in [("StepLR", "2, { gamma: 0.5 }"), ("CosineAnnealingLR", "6"), ("LinearLR", ""),
                    ("LambdaLR", '[{ fn: "pow", base: 0.9 }, { fn: "warmup", steps: 4 }]'), ("OneCycleLR", "[1, 0.2], { totalSteps: 12 }")]:
        suite.case(f"{name}_groups", tags=[name, "param_groups"], inputs={"w": randn(2, grad=True), "v": randn(3, grad=True)},
                   steps=[TWO_GROUPS, f"sched = new torch.optim.lrScheduler.{name}({args(a)})", "lr0 = sched.getLastLr()", *sequence("sched")],
                   expect=lrs())

    # OneCycleLR cycles the momentum: SGD's momentum, Adam's first beta
    for opt, key in [("new torch.optim.SGD([w], { lr: 0.1, momentum: 0.9 })", "momentum"), ("new torch.optim.Adam([w], { lr: 0.1 })", "betas"),
                     ("new torch.optim.RMSprop([w], { momentum: 0.5 })", "momentum")]:
        for steps in (3, 9):
            suite.case("OneCycleLR_momentum", tags=["OneCycleLR"], inputs={"w": randn(2, grad=True)},
                       steps=[f"opt = {opt}", "sched = new torch.optim.lrScheduler.OneCycleLR(opt, 0.5, { totalSteps: 10, baseMomentum: 0.8, maxMomentum: 0.9 })",
                              "lr0 = sched.getLastLr()", *sequence("sched", n=steps)],
                       expect=[*lrs(steps), f"opt.paramGroups.0.{key}", "opt.paramGroups.0.maxLr", "opt.paramGroups.0.minLr", "opt.paramGroups.0.initialLr"])

    # a schedule drives training: SGD steps use the scheduled lr
    for name, a in [("StepLR", "1, { gamma: 0.5 }"), ("CosineAnnealingLR", "4"), ("OneCycleLR", "0.2, { totalSteps: 5 }")]:
        steps = [ONE_GROUP.replace("[w]", "[w, b]"), f"sched = new torch.optim.lrScheduler.{name}({args(a)})"]
        for i in range(4):
            steps += ["opt.zeroGrad()", f"p{i} = x.matmul(w)", f"q{i} = p{i}.add(b)", f"loss{i} = torch.nn.functional.mseLoss(q{i}, t)",
                      f"loss{i}.backward()", "opt.step()", "sched.step()"]
        suite.case(f"{name}_training", tags=[name, "training"],
                   inputs={"x": randn(4, 3), "t": randn(4, 2), "w": randn(3, 2, grad=True, scale=0.5), "b": randn(2, grad=True, scale=0.1)},
                   steps=steps, expect=["loss0", "loss1", "loss2", "loss3", "w", "b"])

    # resuming with lastEpoch: needs initial_lr, which a first scheduler left in the groups
    for name, a, b in [("StepLR", "2, { gamma: 0.5 }", "2, { gamma: 0.5, lastEpoch: 4 }"),
                       ("CosineAnnealingLR", "6", "6, { lastEpoch: 4 }"),
                       ("ExponentialLR", "0.8", "0.8, { lastEpoch: 4 }"),
                       ("LinearLR", "{ totalIters: 8 }", "{ totalIters: 8, lastEpoch: 4 }")]:
        suite.case(f"{name}_resume", tags=[name, "resume"], inputs={"w": randn(2, grad=True)},
                   steps=[ONE_GROUP, f"first = new torch.optim.lrScheduler.{name}({args(a)})", "lr0 = first.getLastLr()", *sequence("first", n=4),
                          f"sched = new torch.optim.lrScheduler.{name}({args(b)})", "lr5 = sched.getLastLr()", *sequence("sched", n=6, first=6)],
                   expect=[*lrs(11)])

    # the deprecated step(epoch): closed forms
    for name, a in [("StepLR", "3, { gamma: 0.5 }"), ("MultiStepLR", "[2, 4, 4], { gamma: 0.5 }"), ("ExponentialLR", "0.9"),
                    ("CosineAnnealingLR", "5, { etaMin: 0.01 }"), ("LinearLR", "{ totalIters: 4 }"), ("LambdaLR", '{ fn: "pow", base: 0.8 }')]:
        steps = [ONE_GROUP, f"sched = new torch.optim.lrScheduler.{name}({args(a)})"]
        for i, epoch in enumerate([3, 7, 1, 4, 10]):
            steps += ["opt.step()", f"sched.step({epoch})", f"lr{i} = sched.getLastLr()"]
        suite.case(f"{name}_step_epoch", tags=[name, "closed_form"], inputs={"w": randn(2, grad=True)},
                   steps=steps, expect=[f"lr{i}" for i in range(5)])

    # state dicts: PyTorch's keys and values, and loading one into a fresh scheduler
    for name, a in [("StepLR", "3, { gamma: 0.5 }"), ("MultiStepLR", "[2, 4, 4]"), ("ExponentialLR", "0.9"),
                    ("CosineAnnealingLR", "5, { etaMin: 0.01 }"), ("LinearLR", "{ totalIters: 4 }"), ("LambdaLR", '{ fn: "pow", base: 0.8 }')]:
        suite.case(f"{name}_state_dict", tags=[name, "state_dict"], inputs={"w": randn(2, grad=True)},
                   steps=[ONE_GROUP, f"sched = new torch.optim.lrScheduler.{name}({args(a)})", *sequence("sched", n=3), "ssd = sched.stateDict()",
                          "osd = opt.stateDict()"],
                   expect=["ssd", "osd"])
    for name, a, fresh in [("StepLR", "3, { gamma: 0.5 }", "2, { gamma: 0.9 }"), ("CosineAnnealingLR", "5, { etaMin: 0.01 }", "10"),
                           ("MultiStepLR", "[2, 4, 4]", "[1]")]:
        suite.case(f"{name}_load_state_dict", tags=[name, "state_dict"], inputs={"w": randn(2, grad=True)},
                   steps=[ONE_GROUP, f"sched = new torch.optim.lrScheduler.{name}({args(a)})", "lr0 = sched.getLastLr()", *sequence("sched", n=3),
                          "ssd = sched.stateDict()", f"sched2 = new torch.optim.lrScheduler.{name}({args(fresh)})", "sched2.loadStateDict(ssd)",
                          *sequence("sched2", n=6, first=4)],
                   expect=lrs(9))

    # PyTorch's errors
    w = {"w": randn(2, grad=True)}
    for name, a, message in [
        ("StepLR", "2, { lastEpoch: 3 }", "is not specified in param_groups[0] when resuming an optimizer"),
        ("LinearLR", "{ startFactor: 2 }", "Starting multiplicative factor expected to be between 0 and 1."),
        ("LinearLR", "{ endFactor: -1 }", "Ending multiplicative factor expected to be between 0 and 1."),
        ("LambdaLR", '[{ fn: "pow", base: 0.9 }, { fn: "pow", base: 0.8 }]', "Expected 1 lr_lambdas, but got 2"),
        ("OneCycleLR", "0.1", "You must define either total_steps OR (epochs AND steps_per_epoch)"),
        ("OneCycleLR", "0.1, { totalSteps: 0 }", "Expected positive integer total_steps, but got 0"),
        ("OneCycleLR", "0.1, { epochs: -1, stepsPerEpoch: 3 }", "Expected positive integer epochs, but got -1"),
        ("OneCycleLR", "0.1, { totalSteps: 10, pctStart: 1.5 }", "Expected float between 0 and 1 pct_start, but got 1.5"),
        ("OneCycleLR", "0.1, { totalSteps: 10, annealStrategy: \"exp\" }", "anneal_strategy must by one of 'cos' or 'linear', instead got exp"),
        ("OneCycleLR", "[0.1, 0.2], { totalSteps: 10 }", "expected 1 values for max_lr, got 2"),
    ]:
        suite.case(f"{name}_invalid", tags=[name, "errors"], inputs=w,
                   steps=[ONE_GROUP, f"sched = new torch.optim.lrScheduler.{name}({args(a)})"], error=message)
    suite.case("OneCycleLR_no_momentum", tags=["OneCycleLR", "errors"], inputs=w,
               steps=["opt = new torch.optim.Adagrad([w])", "sched = new torch.optim.lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 10 })"],
               error="optimizer must support momentum with `cycle_momentum` option enabled")
    suite.case("OneCycleLR_past_the_end", tags=["OneCycleLR", "errors"], inputs=w,
               steps=[ONE_GROUP, "sched = new torch.optim.lrScheduler.OneCycleLR(opt, 0.1, { totalSteps: 3 })", *sequence("sched", n=4)],
               error="Tried to step 5 times. The specified number of total steps is 3")
    suite.case("not_an_optimizer", tags=["StepLR", "errors"], inputs=w,
               steps=["sched = new torch.optim.lrScheduler.StepLR(w, 2)"], error="Tensor is not an Optimizer")
