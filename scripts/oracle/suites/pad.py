"""
nn.functional.pad in each mode (constant, reflect, replicate, circular): values, gradients,
second derivatives, node names (ConstantPadNdBackward0, ReflectionPad1DBackward0 ...,
CopySlices), negative pads that crop, dtypes, and PyTorch 1.13's checks and messages.
"""
from dsl import bools, ints, randn

F = "torch.nn.functional"

# (name, shape, pads, options)
CASES = [
    ("constant_last", [2, 3, 4], [1, 2], ""),
    ("constant_value", [2, 3], [1, 1, 2, 0], "{ value: 2.5 }"),
    ("constant_all_dims", [2, 3], [1, 0, 0, 1], "{ mode: \"constant\", value: -1 }"),
    ("constant_crop", [2, 3, 4], [-1, 2, 1, -1], ""),
    ("constant_crop_only", [2, 3, 4], [-1, -1], ""),
    ("constant_zero", [2, 3], [0, 0], ""),
    ("constant_empty_pads", [2, 3], [], ""),
    ("constant_1d", [5], [2, 3], ""),
    ("constant_5d", [1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1], ""),
    ("reflect_1d_batched", [2, 3, 5], [2, 3], "{ mode: \"reflect\" }"),
    ("reflect_1d_unbatched", [3, 5], [4, 1], "{ mode: \"reflect\" }"),
    ("reflect_1d_crop", [2, 3, 5], [-2, 3], "{ mode: \"reflect\" }"),
    ("reflect_2d", [2, 2, 4, 5], [1, 2, 3, 1], "{ mode: \"reflect\" }"),
    ("reflect_2d_unbatched", [2, 4, 5], [2, 1, 0, 2], "{ mode: \"reflect\", value: 0 }"),
    ("reflect_3d", [1, 2, 3, 4, 5], [1, 2, 0, 1, 2, 1], "{ mode: \"reflect\" }"),
    ("reflect_3d_unbatched", [2, 3, 3, 4], [3, 1, 2, 2, 1, 0], "{ mode: \"reflect\" }"),
    ("replicate_1d", [2, 3, 4], [5, 2], "{ mode: \"replicate\" }"),
    ("replicate_1d_unbatched", [3, 4], [0, 3], "{ mode: \"replicate\" }"),
    ("replicate_2d", [2, 2, 3, 4], [2, 1, 4, 3], "{ mode: \"replicate\" }"),
    ("replicate_2d_crop", [2, 3, 4], [-1, 2, 1, -2], "{ mode: \"replicate\" }"),
    ("replicate_3d", [1, 2, 2, 3, 4], [1, 2, 2, 1, 3, 0], "{ mode: \"replicate\" }"),
    ("circular_1d", [2, 3, 4], [1, 2], "{ mode: \"circular\" }"),
    ("circular_1d_full", [1, 2, 4], [4, 4], "{ mode: \"circular\" }"),
    ("circular_2d", [2, 2, 3, 4], [2, 1, 1, 3], "{ mode: \"circular\" }"),
    ("circular_crop", [1, 2, 5], [-1, 2], "{ mode: \"circular\" }"),
    ("circular_3d", [1, 1, 2, 3, 4], [1, 1, 1, 0, 2, 1], "{ mode: \"circular\" }"),
]


def build(suite):
    for name, shape, pads, opts in CASES:
        args = f"x, {pads}" + (f", {opts}" if opts else "")
        suite.case(name, tags=[name.split("_")[0]],
                   inputs={"x": randn(*shape, grad=True), "w": randn(*shape)},
                   steps=[f"y = {F}.pad({args})", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
        mode = name.split("_")[0]
        if mode != "circular":
            # the gradient of the gradient (the pad's backward is linear: its own double backward)
            suite.case(f"{name}_double_backward", tags=[mode, "higher_order"],
                       inputs={"x": randn(*shape, grad=True, dtype="float64")},
                       steps=[f"y = {F}.pad({args})", "q = y.mul(y)", "s = q.sum()",
                              "[g] = torch.autograd.grad([s], [x], { createGraph: true })", "h = g.mul(x)", "u = h.sum()"],
                       backward=["u.backward()"],
                       expect=["y", "g", "u", "x.grad"])
    suite.case("constant_int", tags=["constant", "int32"], inputs={"i": ints(2, 3)},
               steps=[f"y = {F}.pad(i, [1, 1], {{ value: 2.7 }})", f"z = {F}.pad(i, [-1, 0, 1, 0])"])
    suite.case("constant_bool", tags=["constant", "bool"], inputs={"b": bools(2, 3)},
               steps=[f"y = {F}.pad(b, [1, 1])", f"z = {F}.pad(b, [0, 1], {{ value: 1 }})"])
    suite.case("constant_nonfinite", tags=["constant"], inputs={"x": randn(3)},
               steps=[f"y = {F}.pad(x, [1, 1], {{ value: -Infinity }})", f"z = {F}.pad(x, [1, 0], {{ value: NaN }})"])
    suite.case("reflect_f64_strided", tags=["reflect", "float64", "strided"],
               inputs={"x": randn(5, 3, 4, grad=True, dtype="float64")},
               steps=["xt = x.transpose(0, 2)", f"y = {F}.pad(xt, [2, 2], {{ mode: \"reflect\" }})", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("circular_next", tags=["circular"],
               inputs={"x": randn(1, 2, 4, grad=True)},
               steps=[f"y = {F}.pad(x, [1, 2], {{ mode: \"circular\" }})"],
               # (its nextFunctions name the copy's node where PyTorch names the copied slice's: left out)
               expect=["y", "y.gradFn"])

    errors = [
        ("odd", [2, 3], "[1]", "", "Padding length must be divisible by 2"),
        ("too_long", [2, 3], "[1, 1, 1, 1, 1, 1]", "", "Padding length too large"),
        ("mode", [2, 3], "[1, 1]", "{ mode: \"wrap\" }", "Unrecognised padding mode wrap"),
        ("value", [2, 3, 4], "[1, 1]", "{ mode: \"reflect\", value: 1 }", "Padding mode \"reflect\" doesn't take in value argument"),
        ("circular_value", [2, 3, 4], "[1, 1]", "{ mode: \"circular\", value: 2 }", "Padding mode \"circular\" doesn't take in value argument"),
        ("non_constant_dims", [4], "[1, 1]", "{ mode: \"reflect\" }", "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"),
        ("non_constant_dims_2d", [3, 4], "[1, 1, 1, 1]", "{ mode: \"replicate\" }", "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"),
        ("non_constant_dims_4d", [1, 2, 3, 4], "[1, 1]", "{ mode: \"replicate\" }", "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"),
        ("constant_crop_too_much", [2, 3, 4], "[-3, -2]", "", "start (0) + length (-1) exceeds dimension size (1)."),
        ("constant_crop_start", [2, 3, 4], "[-5, 0]", "", "Dimension out of range (expected to be in range of [-4, 3], but got 5)"),
        ("constant_negative_size", [2, 3, 4], "[-4, 0, 1, 1]", "", "The input size 4, plus negative padding -4 and 0 resulted in a negative output size, which is invalid. Check dimension 2 of your input."),
        ("reflect_too_big", [2, 3, 4], "[4, 1]", "{ mode: \"reflect\" }", "Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (4, 1) at dimension 2 of input [2, 3, 4]"),
        ("reflect_too_big_2d", [2, 3, 4], "[1, 1, 3, 0]", "{ mode: \"reflect\" }", "Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (3, 0) at dimension 1 of input 3"),
        ("reflect_too_big_3d", [1, 2, 3, 4], "[1, 1, 3, 3, 0, 0]", "{ mode: \"reflect\" }", "Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at dimension 2 of input [1, 2, 3, 4]"),
        ("reflect_empty", [2, 0, 4], "[1, 1]", "{ mode: \"reflect\" }", "2D or 3D (batch mode) tensor expected for input, but got: [ torch."),
        ("reflect_empty_2d", [2, 0, 4], "[1, 1, 1, 1]", "{ mode: \"reflect\" }", "3D or 4D (batch mode) tensor expected for input, but got: [ torch."),
        ("reflect_empty_3d", [1, 2, 0, 4], "[1, 1, 1, 1, 0, 0]", "{ mode: \"reflect\" }", "Expected 4D or 5D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 2, 0, 4]"),
        ("reflect_small", [2, 3, 4], "[-2, -2]", "{ mode: \"reflect\" }", "2input (W: 4)is too small. Calculated output W: 0"),
        ("reflect_small_2d", [2, 3, 4], "[-2, -2, -2, -1]", "{ mode: \"reflect\" }", "input (H: 3, W: 4)is too small. Calculated output H: 0 W: 0"),
        ("reflect_small_3d", [1, 2, 3, 4], "[-2, -2, -2, -1, -1, -1]", "{ mode: \"reflect\" }", "input (D: 2 H: 3, W: 4) is too small. Calculated output D: 0 H: 0 W: 0"),
        ("replicate_empty", [0, 4], "[1, 1]", "{ mode: \"replicate\" }", "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [0, 4]"),
        ("replicate_small", [2, 3, 4], "[-2, -2]", "{ mode: \"replicate\" }", "input (W: 4) is too small. Calculated output W: 0"),
        ("replicate_small_2d", [2, 3, 4], "[-2, -2, -2, -1]", "{ mode: \"replicate\" }", "input (H: 3, W: 4 ) is too small. Calculated output H: 0 W: 0"),
        ("replicate_negative", [2, 3, 4], "[-2, -3, 0, 0]", "{ mode: \"replicate\" }", "Trying to create tensor with negative dimension -1: [2, 3, -1]"),
        ("circular_size", [2, 3, 4], "[1, 1, 1, 1]", "{ mode: \"circular\" }", "Invalid padding size, expected 2 but got 4"),
        ("circular_unbatched", [3, 4], "[1, 1]", "{ mode: \"circular\" }", "Invalid padding size, expected 0 but got 2"),
        ("circular_wrap", [2, 3, 4], "[5, 1]", "{ mode: \"circular\" }", "Padding value causes wrapping around more than once."),
        ("circular_negative", [2, 3, 4], "[-5, 0]", "{ mode: \"circular\" }", "Negative padding value is resulting in an empty dimension"),
    ]
    for name, shape, pads, opts, message in errors:
        # (an input with a zero-size dim is made by torch.zeros: nested data cannot carry its shape)
        make = [f"x = torch.zeros({', '.join(map(str, shape))})"] if 0 in shape else []
        suite.case(f"error_{name}", tags=["errors"], inputs={} if make else {"x": randn(*shape)},
                   steps=[*make, f"y = {F}.pad(x, {pads}" + (f", {opts})" if opts else ")")], error=message)
    suite.case("error_reflect_int", tags=["errors", "int32"], inputs={"i": ints(1, 2)},
               steps=[f"y = {F}.pad(i, [1, 1], {{ mode: \"reflect\" }})"], error="\"reflection_pad1d\" not implemented for '")
    suite.case("error_replicate_bool", tags=["errors", "bool"], inputs={"b": bools(2, 3, 4, 5)},
               steps=[f"y = {F}.pad(b, [1, 1, 1, 1], {{ mode: \"replicate\" }})"], error="\"replication_pad2d_cpu\" not implemented for 'Bool'")
