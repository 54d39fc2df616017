"""bmm, dot, outer, einsum: values, gradients, node names (einsum's last step, as PyTorch
records it), dtypes and PyTorch's error texts for bad shapes and equations."""
from dsl import ints, randn


def build(suite):
    # ---- bmm
    for a, b in (([2, 3, 4], [2, 4, 5]), ([1, 2, 2], [1, 2, 3]), ([3, 1, 4], [3, 4, 1]), ([2, 5, 3], [2, 3, 2])):
        suite.case("bmm", tags=["bmm"],
                   inputs={"a": randn(*a, grad=True), "b": randn(*b, grad=True)},
                   steps=["y = a.bmm(b)", "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("bmm_torch", tags=["bmm", "module_function", "float64"],
               inputs={"a": randn(2, 2, 3, grad=True, dtype="float64"), "b": randn(2, 3, 2, grad=True, dtype="float64")},
               steps=["y = torch.bmm(a, b)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("bmm_transposed", tags=["bmm", "strided"],
               inputs={"a": randn(2, 4, 3, grad=True), "b": randn(2, 4, 5, grad=True)},
               steps=["at = a.transpose(1, 2)", "y = at.bmm(b)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("bmm_int", tags=["bmm", "int32"],
               inputs={"a": ints(2, 2, 3), "b": ints(2, 3, 2)},
               steps=["y = a.bmm(b)"])
    suite.case("bmm_double_backward", tags=["bmm", "higher_order"],
               inputs={"a": randn(2, 2, 3, grad=True, dtype="float64"), "b": randn(2, 3, 2, grad=True, dtype="float64")},
               steps=["y = a.bmm(b)", "q = y.mul(y)", "s = q.sum()",
                      "[g] = torch.autograd.grad([s], [a], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
               backward=["t.backward()"],
               expect=["y", "g", "t", "a.grad", "b.grad"])
    for a, b, err in (([2, 3, 4], [3, 4, 5], "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [3, 4]."),
                      ([2, 3, 4], [2, 5, 5], "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5]."),
                      ([3, 4], [2, 4, 5], "batch1 must be a 3D tensor"),
                      ([2, 3, 4], [4, 5], "batch2 must be a 3D tensor")):
        suite.case("bmm_shapes", tags=["bmm", "errors"],
                   inputs={"a": randn(*a), "b": randn(*b)},
                   steps=["y = a.bmm(b)"],
                   error=err)
    suite.case("bmm_dtype", tags=["bmm", "errors"],
               inputs={"a": randn(1, 2, 2, dtype="float64"), "b": ints(1, 2, 2)},
               steps=["y = a.bmm(b)"],
               error="expected scalar type Double but found")

    # ---- dot, outer
    suite.case("dot", tags=["dot"],
               inputs={"a": randn(5, grad=True), "b": randn(5, grad=True)},
               steps=["y = a.dot(b)", "z = torch.dot(b, a)"],
               backward=["y.backward()"])
    suite.case("dot_int", tags=["dot", "int32"],
               inputs={"a": ints(4), "b": ints(4)},
               steps=["y = a.dot(b)"])
    suite.case("dot_size", tags=["dot", "errors"],
               inputs={"a": randn(3), "b": randn(4)},
               steps=["y = a.dot(b)"],
               error="inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively")
    suite.case("dot_ndim", tags=["dot", "errors"],
               inputs={"a": randn(3), "b": randn(3, 1)},
               steps=["y = a.dot(b)"],
               error="1D tensors expected, but got 1D and 2D tensors")
    suite.case("dot_dtype", tags=["dot", "errors"],
               inputs={"a": randn(3, dtype="float64"), "b": ints(3)},
               steps=["y = a.dot(b)"],
               error="dot : expected both vectors to have same dtype, but found Double and")
    suite.case("outer", tags=["outer"],
               inputs={"a": randn(3, grad=True), "b": randn(4, grad=True)},
               steps=["y = a.outer(b)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"])
    suite.case("outer_promote", tags=["outer", "promotion"],
               inputs={"a": randn(3, grad=True), "b": randn(2, dtype="float64")},
               steps=["y = torch.outer(a, b)", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("outer_ndim", tags=["outer", "errors"],
               inputs={"a": randn(3), "b": randn(4, 1)},
               steps=["y = a.outer(b)"],
               error="outer: Expected 1-D argument vec2, but got 2-D")

    # ---- einsum: products, reductions, diagonals, broadcasting ellipses, implicit outputs
    eqs = [
        ("ij,jk->ik", [[2, 3], [3, 4]]), ("ij,jk", [[2, 3], [3, 4]]), ("ij,kj->ik", [[2, 3], [4, 3]]),
        ("bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]), ("ij,jk,k->i", [[2, 3], [3, 4], [4]]), ("i,i->", [[5], [5]]),
        ("i,j->ij", [[3], [4]]), ("ij,ij->ij", [[2, 3], [2, 3]]), ("ij->ji", [[2, 3]]), ("ij->", [[2, 3]]),
        ("ij->j", [[2, 3]]), ("ii->i", [[3, 3]]), ("ii", [[3, 3]]), ("iij->j", [[2, 2, 3]]), ("...ij,...jk->...ik", [[5, 2, 3], [3, 4]]),
        ("...ij->...ji", [[2, 2, 3]]), ("i...->...", [[3, 2, 2]]), ("bhqd,bhkd->bhqk", [[1, 2, 3, 4], [1, 2, 5, 4]]),
        ("ij,jk->ki", [[2, 3], [3, 4]]), ("ab,cd->abcd", [[2, 1], [1, 3]]), ("i j , j k -> i k", [[2, 3], [3, 2]]),
        ("Ab,bC->AC", [[2, 3], [3, 2]]), ("ijk,ikl->ijl", [[2, 1, 3], [2, 3, 2]]),
    ]
    for eq, shapes in eqs:
        names = "abcd"[: len(shapes)]
        inputs = {n: randn(*s, grad=True) for n, s in zip(names, shapes)}
        args = ", ".join(names)
        suite.case("einsum", tags=["einsum"],
                   inputs=inputs,
                   steps=[f"y = torch.einsum({eq!r}, {args})".replace("'", '"'), "q = y.mul(y)", "s = q.sum()"],
                   backward=["s.backward()"])
    suite.case("einsum_list", tags=["einsum"],
               inputs={"a": randn(2, 3, grad=True, dtype="float64"), "b": randn(3, grad=True, dtype="float64")},
               steps=["y = torch.einsum(\"ij,j->i\", [a, b])", "s = y.sum()"],
               backward=["s.backward()"])
    suite.case("einsum_int", tags=["einsum", "int32"],
               inputs={"a": ints(2, 3), "b": ints(3, 2)},
               steps=["y = torch.einsum(\"ij,jk->ik\", a, b)", "z = torch.einsum(\"ij->\", a)"])
    suite.case("einsum_double_backward", tags=["einsum", "higher_order"],
               inputs={"a": randn(2, 3, grad=True, dtype="float64"), "b": randn(3, 2, grad=True, dtype="float64")},
               steps=["y = torch.einsum(\"ij,jk->ik\", a, b)", "q = y.mul(y)", "s = q.sum()",
                      "[g] = torch.autograd.grad([s], [a], { createGraph: true })", "gg = g.mul(g)", "t = gg.sum()"],
               backward=["t.backward()"],
               expect=["y", "g", "t", "a.grad", "b.grad"])
    bad = [
        ("ij,jk->ik", [[2, 3]], "einsum(): fewer operands were provided than specified in the equation"),
        ("ij->ik", [[2, 3]], "einsum(): output subscript k does not appear in the equation for any input operand"),
        ("ij->ii", [[2, 3]], "einsum(): output subscript i appears more than once in the output"),
        ("ij", [[2, 3], [3, 2]], "einsum(): more operands were provided than specified in the equation"),
        ("ij1->i", [[2, 3]], "einsum(): invalid subscript given at index 2 in the equation string, subscripts must be in [a-zA-Z]"),
        ("ij->i1", [[2, 3]], "einsum(): invalid subscript given at index 5 in the equation string, subscripts must be in [a-zA-Z]"),
        ("ijk->i", [[2, 3]], "einsum(): the number of subscripts in the equation (3) does not match the number of dimensions (2) for operand 0 and no ellipsis was given"),
        ("ijk...->i", [[2, 3]], "einsum(): the number of subscripts in the equation (3) is more than the number of dimensions (2) for operand 0"),
        ("i.j->i", [[2, 3]], "einsum(): found '.' for operand 0 that is not part of any ellipsis"),
        ("i....j->i", [[2, 3]], "einsum(): found '.' for operand 0 for which an ellipsis was already found"),
        ("ij->i.", [[2, 3]], "einsum(): found '.' for output that is not part of any ellipsis (...)"),
        ("ij->...i...", [[2, 3]], "einsum(): found '.' for output but an ellipsis (...) was already found"),
        ("ij,jk->ik", [[2, 3], [2, 3]], "einsum(): subscript j has size 2 for operand 1 which does not broadcast with previously seen size 3"),
        ("ii->i", [[2, 3]], "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
    ]
    for eq, shapes, err in bad:
        names = "abcd"[: len(shapes)]
        suite.case("einsum_error", tags=["einsum", "errors"],
                   inputs={n: randn(*s) for n, s in zip(names, shapes)},
                   steps=[f"y = torch.einsum({eq!r}, {', '.join(names)})".replace("'", '"')],
                   error=err)
    suite.case("einsum_dtype", tags=["einsum", "errors"],
               inputs={"a": randn(2, 3, dtype="float64"), "b": ints(3, 2)},
               steps=["y = torch.einsum(\"ij,jk->ik\", a, b)"],
               error="expected scalar type Double but found")
