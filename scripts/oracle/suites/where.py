"""
torch.where's graph: WhereBackward0 has edges for self and other only (the condition is saved,
not an input), with None for an operand that does not require grad or is a number.
"""
from dsl import randn


def build(suite) -> None:
    suite.case("where_edges_both", inputs={"a": randn(2, 3, grad=True), "b": randn(2, 3, grad=True)},
               steps=["c = a.gt(0)", "y = torch.where(c, a, b)", "s = y.sum()"],
               backward=["s.backward()"], also=["y.gradFn.nextFunctions"])
    suite.case("where_edges_other_const", inputs={"a": randn(3, grad=True), "b": randn(3)},
               steps=["c = a.lt(0)", "y = torch.where(c, b, a)", "q = y.mul(y)", "s = q.sum()"],
               backward=["s.backward()"], also=["y.gradFn.nextFunctions"])
    suite.case("where_edges_scalar", inputs={"a": randn(4, grad=True)},
               steps=["c = a.gt(0)", "y = torch.where(c, a, 0.5)", "s = y.sum()"],
               backward=["s.backward()"], also=["y.gradFn.nextFunctions"])
