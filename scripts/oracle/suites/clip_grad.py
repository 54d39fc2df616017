"""
torch.nn.utils.clipGradNorm_ / clipGradValue_: the total norm returned and the clipped
gradients, for each norm type, clipping or not, one tensor or several, parameters without a
gradient, float64, non-finite gradients.
"""
from dsl import randn, tensor


def grads_of(*params: str) -> list[str]:
    """Steps that give w and b (and any other named parameter used) gradients."""
    return ["p = x.matmul(w)", "q = p.add(b)", "l = torch.nn.functional.mseLoss(q, t)", "l.backward()"]


def model(dtype: str = "float32") -> dict:
    return {"x": randn(4, 3, dtype=dtype, scale=2.0), "t": randn(4, 2, dtype=dtype), "w": randn(3, 2, grad=True, dtype=dtype),
            "b": randn(2, grad=True, dtype=dtype)}


def build(suite) -> None:
    for call in [
        "torch.nn.utils.clipGradNorm_([w, b], 0.5)",
        "torch.nn.utils.clipGradNorm_([w, b], 100)",
        "torch.nn.utils.clipGradNorm_([w, b], 0.5, { normType: 1 })",
        "torch.nn.utils.clipGradNorm_([w, b], 0.5, { normType: 3 })",
        "torch.nn.utils.clipGradNorm_([w, b], 0.5, { normType: Infinity })",
        "torch.nn.utils.clipGradNorm_([w, b], 0.5, { normType: \"inf\" })",
        "torch.nn.utils.clipGradNorm_([w, b], 0.2, 1)",
        "torch.nn.utils.clipGradNorm_([w, b], 0.5, { normType: 2, errorIfNonfinite: true })",
        "torch.nn.utils.clipGradNorm_(w, 0.1)",
        "torch.nn.utils.clipGradNorm_([w], 0.3, { normType: Infinity })",
    ]:
        suite.case("clip_grad_norm", tags=["clipGradNorm_"], inputs=model(), steps=[*grads_of(), f"n = {call}"],
                   expect=["n", "n.requiresGrad", "w.grad", "b.grad"])
    suite.case("clip_grad_norm_float64", tags=["clipGradNorm_", "float64"], inputs=model("float64"),
               steps=[*grads_of(), "n = torch.nn.utils.clipGradNorm_([w, b], 0.5)"], expect=["n", "w.grad", "b.grad"])
    suite.case("clip_grad_norm_skips", tags=["clipGradNorm_"], inputs={**model(), "u": randn(3, grad=True)},
               steps=[*grads_of(), "n = torch.nn.utils.clipGradNorm_([u, w, b], 0.5)"], expect=["n", "w.grad", "b.grad", "u.grad"])
    suite.case("clip_grad_norm_no_grads", tags=["clipGradNorm_"], inputs={"u": randn(3, grad=True)},
               steps=["n = torch.nn.utils.clipGradNorm_([u], 0.5)"], expect=["n", "n.dtype", "u.grad"])
    nonfinite = {"x": tensor([[1.0, float("inf")], [0.5, 2.0]]), "t": randn(2, 2), "w": randn(2, 2, grad=True), "b": randn(2, grad=True)}
    suite.case("clip_grad_norm_nonfinite", tags=["clipGradNorm_"], inputs=nonfinite,
               steps=[*grads_of(), "n = torch.nn.utils.clipGradNorm_([w, b], 1)"], expect=["n", "w.grad", "b.grad"])
    suite.case("clip_grad_norm_nonfinite_error", tags=["clipGradNorm_", "errors"], inputs=nonfinite,
               steps=[*grads_of(), "n = torch.nn.utils.clipGradNorm_([w, b], 1, { errorIfNonfinite: true })"],
               error="The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped.")
    for v in ("0.05", "1"):
        suite.case("clip_grad_value", tags=["clipGradValue_"], inputs=model(),
                   steps=[*grads_of(), f"torch.nn.utils.clipGradValue_([w, b], {v})"], expect=["w.grad", "b.grad"])
