"""randint, randperm, multinomial and one_hot. The random streams differ from PyTorch's, so the
random cases record what does not depend on the stream: shapes, dtypes, sorted permutations,
degenerate ranges and distributions, and the errors; one_hot is deterministic."""
from dsl import ints, randn, tensor


def build(suite):
    # ---- randint
    for call in ("torch.randint(0, 10, [8])", "torch.randint(10, [2, 3])", "torch.randint(-3, 3, [4])", "torch.randint(0, 10, [])",
                 "torch.randint(0, 5, [2], { dtype: \"float32\" })", "torch.randint(0, 2, [3], { dtype: \"bool\" })", "torch.randint(0, 3, [0, 2])"):
        suite.case("randint_shape", tags=["randint"],
                   steps=[f"y = {call}"],
                   expect=["y.shape", "y.dtype", "y.requiresGrad"])
    suite.case("randint_degenerate", tags=["randint"],
               steps=["y = torch.randint(4, 5, [2, 3])", "z = torch.randint(-2, -1, [3], { dtype: \"float64\" })"])
    suite.case("randint_range", tags=["randint", "errors"],
               steps=["y = torch.randint(5, 5, [3])"],
               error="random_ expects 'from' to be less than 'to', but got from=5 >= to=5")
    suite.case("randint_range_desc", tags=["randint", "errors"],
               steps=["y = torch.randint(5, 2, [3])"],
               error="random_ expects 'from' to be less than 'to', but got from=5 >= to=2")
    suite.case("randint_negative_size", tags=["randint", "errors"],
               steps=["y = torch.randint(0, 10, [-1])"],
               error="Trying to create tensor with negative dimension -1: [-1]")
    suite.case("randint_bool_range", tags=["randint", "errors"],
               steps=["y = torch.randint(0, 300, [2], { dtype: \"bool\" })"],
               error="to - 1 is out of bounds for bool")

    # ---- randperm: a permutation (sorted: the range), dtypes
    for call in ("torch.randperm(7)", "torch.randperm(1)", "torch.randperm(20, { dtype: \"float64\" })"):
        suite.case("randperm", tags=["randperm"],
                   steps=[f"p = {call}", "[v, i] = p.sort()"],
                   expect=["p.shape", "p.dtype", "v"])
    suite.case("randperm_empty", tags=["randperm"],
               steps=["p = torch.randperm(0)"])
    suite.case("randperm_negative", tags=["randperm", "errors"],
               steps=["p = torch.randperm(-1)"],
               error="Trying to create tensor with negative dimension -1: [-1]")
    suite.case("randperm_bool", tags=["randperm", "errors"],
               steps=["p = torch.randperm(3, { dtype: \"bool\" })"],
               error="\"randperm\" not implemented for 'Bool'")

    # ---- multinomial: shapes and dtypes; certain outcomes (one category with weight, all
    # categories drawn without replacement); errors
    suite.case("multinomial_shape", tags=["multinomial"],
               inputs={"p": tensor([0.1, 0.2, 0.7]), "q": tensor([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6]])},
               steps=["a = torch.multinomial(p, 2)", "b = p.multinomial(5, true)", "c = torch.multinomial(q, 2)", "d = q.multinomial(4, true)"],
               expect=["a.shape", "a.dtype", "b.shape", "c.shape", "c.dtype", "d.shape"])
    suite.case("multinomial_certain", tags=["multinomial"],
               inputs={"p": tensor([0.0, 3.0, 0.0]), "q": tensor([[0.0, 0.0, 2.0], [1.0, 0.0, 0.0]], dtype="float64")},
               steps=["a = torch.multinomial(p, 1)", "b = torch.multinomial(p, 6, true)", "c = torch.multinomial(q, 3, true)"])
    suite.case("multinomial_all", tags=["multinomial"],
               inputs={"p": tensor([0.3, 0.1, 0.4, 0.2])},
               steps=["a = torch.multinomial(p, 4)", "[v, i] = a.sort()"],
               expect=["a.shape", "v"])
    for probs, n, repl, err in (
        ([0.1, 0.2, 0.7], 4, "false", "cannot sample n_sample > prob_dist.size(-1) samples without replacement"),
        ([0.1, 0.2, 0.7], 0, "false", "cannot sample n_sample <= 0 samples"),
        ([0.0, 0.0, 0.0], 1, "false", "invalid multinomial distribution (sum of probabilities <= 0)"),
        ([1.0, -1.0, 2.0], 1, "false", "probability tensor contains either `inf`, `nan` or element < 0"),
        ([1.0, float("nan")], 1, "false", "probability tensor contains either `inf`, `nan` or element < 0"),
        ([1.0, float("inf")], 2, "false", "probability tensor contains either `inf`, `nan` or element < 0"),
        ([1.0, -1.0, 2.0], 3, "true", "invalid multinomial distribution (encountering probability entry < 0)"),
        ([0.0, 0.0], 3, "true", "invalid multinomial distribution (sum of probabilities <= 0)"),
    ):
        suite.case("multinomial_error", tags=["multinomial", "errors"],
                   inputs={"p": tensor(probs)},
                   steps=[f"a = torch.multinomial(p, {n}, {repl})"],
                   error=err)
    suite.case("multinomial_dims", tags=["multinomial", "errors"],
               inputs={"p": randn(2, 2, 2)},
               steps=["a = torch.multinomial(p, 1)"],
               error="prob_dist must be 1 or 2 dim")
    suite.case("multinomial_dtype", tags=["multinomial", "errors"],
               inputs={"p": ints(3, low=1, high=3)},
               steps=["a = torch.multinomial(p, 1)"],
               error="multinomial only supports floating-point dtypes for input, got: ")

    # ---- one_hot
    suite.case("one_hot", tags=["oneHot"],
               inputs={"t": tensor([0, 2, 1, 2], dtype="int32")},
               steps=["y = torch.nn.functional.oneHot(t)", "z = torch.nn.functional.oneHot(t, 5)"])
    suite.case("one_hot_2d", tags=["oneHot"],
               inputs={"t": tensor([[1, 0], [3, 3]], dtype="int32")},
               steps=["y = torch.nn.functional.oneHot(t)"])
    suite.case("one_hot_0d", tags=["oneHot"],
               inputs={"t": tensor(2, dtype="int32")},
               steps=["y = torch.nn.functional.oneHot(t, 4)"])
    suite.case("one_hot_empty", tags=["oneHot"],
               inputs={"t": tensor([], dtype="int32")},
               steps=["y = torch.nn.functional.oneHot(t, 3)"])
    for data, args, err in (
        ([0, 2, 1], ", 2", "Class values must be smaller than num_classes."),
        ([-1], "", "Class values must be non-negative."),
        ([], "", "Can not infer total number of classes from empty tensor."),
    ):
        suite.case("one_hot_error", tags=["oneHot", "errors"],
                   inputs={"t": tensor(data, dtype="int32")},
                   steps=[f"y = torch.nn.functional.oneHot(t{args})"],
                   error=err)
    suite.case("one_hot_float", tags=["oneHot", "errors"],
               inputs={"t": tensor([0.0, 1.0])},
               steps=["y = torch.nn.functional.oneHot(t)"],
               error="one_hot is only applicable to index tensor.")
