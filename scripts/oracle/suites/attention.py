"""nn.MultiheadAttention: values and gradients (of the inputs and every parameter) with the
weights set from the case's inputs, for self-, cross- and unbatched attention, batchFirst,
bool and float masks ([L, S] and [N * heads, L, S]), key padding, per-head weights, no
weights, addBiasKv, addZeroAttn, separate kdim/vdim projections, no bias; the initialisation
that does not depend on the random stream; printed form, state dict keys and the errors."""
from dsl import randn, Input, _shape

NN = "torch.nn"


def bools_from(*shape, pattern):
    """A bool mask from a function of the flat index (no row fully masked)."""
    return Input(_shape(shape), "bool", False, lambda rng, n: [pattern(i) for i in range(n)])


def set_params(var, params):
    """Steps copying inputs into the module's parameters: (path from var, input name)."""
    steps = []
    for n, (path, src) in enumerate(params):
        parts = path.split(".")
        cur = var
        for j, p in enumerate(parts):
            nxt = f"p{n}_{j}"
            steps.append(f"{nxt} = {cur}.{p}")
            cur = nxt
        steps.append(f"torch.noGrad(() => {cur}.copy_({src}))")
    return steps


def mha_params(E, kdim=None, vdim=None, bias=True):
    inputs = {"out_w": randn(E, E, scale=0.3)}
    params = []
    if kdim is None and vdim is None:
        inputs["in_w"] = randn(3 * E, E, scale=0.3)
        params.append(("inProjWeight", "in_w"))
    else:
        inputs["q_w"] = randn(E, E, scale=0.3)
        inputs["k_w"] = randn(E, kdim or E, scale=0.3)
        inputs["v_w"] = randn(E, vdim or E, scale=0.3)
        params += [("qProjWeight", "q_w"), ("kProjWeight", "k_w"), ("vProjWeight", "v_w")]
    if bias:
        inputs["in_b"] = randn(3 * E, scale=0.3)
        inputs["out_b"] = randn(E, scale=0.3)
        params += [("inProjBias", "in_b"), ("outProj.bias", "out_b")]
    params.append(("outProj.weight", "out_w"))
    return inputs, params


def build(suite):
    E, H, L, S, N = 8, 2, 3, 4, 2

    def case(name, ctor, qkv, call_opts="", extra_inputs=None, kdim=None, vdim=None, bias=True, extra_params=(), weights=True,
             self_attn=False, tags=()):
        inputs, params = mha_params(E, kdim, vdim, bias)
        inputs.update(qkv)
        inputs.update(extra_inputs or {})
        params += list(extra_params)
        args = "x, x, x" if self_attn else "q, k, v"
        opts = f", {call_opts}" if call_opts else ""
        steps = [f"m = new {NN}.MultiheadAttention({ctor})", *set_params("m", params), f"[o, a] = m.call({args}{opts})", "oo = o.mul(o)", "s = oo.sum()"]
        if weights:
            steps += ["aw = a.mul(a)", "sa = aw.sum()", "s2 = s.add(sa)"]
        expect = ["o", "o.gradFn", "a"] + (["a.gradFn"] if weights else [])
        expect += ["x.grad"] if self_attn else [k + ".grad" for k in ("q", "k", "v") if k in qkv]
        expect += [p + ".grad" for p in ("m.inProjWeight", "m.qProjWeight", "m.kProjWeight", "m.vProjWeight", "m.inProjBias", "m.outProj.weight", "m.outProj.bias")
                   if (p == "m.inProjWeight") == (kdim is None and vdim is None) or p not in ("m.inProjWeight", "m.qProjWeight", "m.kProjWeight", "m.vProjWeight")
                   if bias or "Bias" not in p and "bias" not in p]
        expect += [f"m.{p}.grad" for p, _ in extra_params]
        if not weights:
            # the key bias's gradient is zero in exact arithmetic (softmax ignores a shift): float32 noise here
            expect.remove("m.inProjBias.grad")
        suite.case(f"mha_{name}", tags=["mha", *tags], inputs=inputs, steps=steps,
                   backward=["s2.backward()" if weights else "s.backward()"], expect=expect)

    def qkv(lq=L, s=S, n=N, kdim=E, vdim=E, batch_first=False, batched=True):
        def shp(a, b, e):
            if not batched:
                return (a, e)
            return (b, a, e) if batch_first else (a, b, e)
        return {"q": randn(*shp(lq, n, E), grad=True), "k": randn(*shp(s, n, kdim), grad=True), "v": randn(*shp(s, n, vdim), grad=True)}

    case("cross", f"{E}, {H}", qkv())
    case("self", f"{E}, {H}", {"x": randn(L, N, E, grad=True)}, self_attn=True)
    case("self_batch_first", f"{E}, {H}, {{ batchFirst: true }}", {"x": randn(N, L, E, grad=True)}, self_attn=True, tags=["batch_first"])
    case("cross_batch_first", f"{E}, {H}, {{ batchFirst: true }}", qkv(batch_first=True), tags=["batch_first"])
    case("unbatched", f"{E}, {H}", qkv(batched=False), tags=["unbatched"])
    case("unbatched_batch_first", f"{E}, {H}, {{ batchFirst: true }}", qkv(batched=False), tags=["unbatched"])
    case("one_head", f"{E}, 1", qkv())
    case("four_heads", f"{E}, 4", qkv())
    case("per_head_weights", f"{E}, {H}", qkv(), call_opts="{ averageAttnWeights: false }")
    case("no_weights", f"{E}, {H}", qkv(), call_opts="{ needWeights: false }", weights=False)
    case("no_bias", f"{E}, {H}, {{ bias: false }}", qkv(), bias=False)
    case("kdim_vdim", f"{E}, {H}, {{ kdim: 5, vdim: 3 }}", qkv(kdim=5, vdim=3), kdim=5, vdim=3)
    case("bias_kv", f"{E}, {H}, {{ addBiasKv: true }}", qkv(), extra_inputs={"bk": randn(1, 1, E), "bv": randn(1, 1, E)},
         extra_params=[("biasK", "bk"), ("biasV", "bv")])
    case("zero_attn", f"{E}, {H}, {{ addZeroAttn: true }}", qkv())
    case("bias_kv_zero_attn_masks", f"{E}, {H}, {{ addBiasKv: true, addZeroAttn: true }}", qkv(),
         call_opts="{ attnMask: mask, keyPaddingMask: kpm }",
         extra_inputs={"bk": randn(1, 1, E), "bv": randn(1, 1, E), "mask": bools_from(L, S, pattern=lambda i: i % 4 == 3),
                       "kpm": bools_from(N, S, pattern=lambda i: i == 2)},
         extra_params=[("biasK", "bk"), ("biasV", "bv")])
    # masks: bool [L, S] (true: not allowed), float [L, S] (added), [N * heads, L, S], key padding, both
    case("bool_mask", f"{E}, {H}", qkv(), call_opts="{ attnMask: mask }",
         extra_inputs={"mask": bools_from(L, S, pattern=lambda i: i % 3 == 1)}, tags=["mask"])
    case("float_mask", f"{E}, {H}", qkv(), call_opts="{ attnMask: mask }", extra_inputs={"mask": randn(L, S)}, tags=["mask"])
    case("mask_3d", f"{E}, {H}", qkv(), call_opts="{ attnMask: mask }",
         extra_inputs={"mask": bools_from(N * H, L, S, pattern=lambda i: i % 5 == 2)}, tags=["mask"])
    case("key_padding", f"{E}, {H}", qkv(), call_opts="{ keyPaddingMask: kpm }",
         extra_inputs={"kpm": bools_from(N, S, pattern=lambda i: i in (3, 6, 7))}, tags=["mask"])
    case("key_padding_float_mask", f"{E}, {H}", qkv(), call_opts="{ attnMask: mask, keyPaddingMask: kpm }",
         extra_inputs={"mask": randn(L, S), "kpm": bools_from(N, S, pattern=lambda i: i == 1)}, tags=["mask"])
    case("key_padding_bool_mask", f"{E}, {H}, {{ batchFirst: true }}", qkv(batch_first=True), call_opts="{ attnMask: mask, keyPaddingMask: kpm }",
         extra_inputs={"mask": bools_from(L, S, pattern=lambda i: i == 5), "kpm": bools_from(N, S, pattern=lambda i: i == 7)}, tags=["mask"])
    case("key_padding_unbatched", f"{E}, {H}", qkv(batched=False), call_opts="{ keyPaddingMask: kpm }",
         extra_inputs={"kpm": bools_from(S, pattern=lambda i: i == 0)}, tags=["mask", "unbatched"])
    case("causal_self", f"{E}, {H}", {"x": randn(L, N, E, grad=True)}, call_opts="{ attnMask: mask }", self_attn=True,
         extra_inputs={"mask": bools_from(L, L, pattern=lambda i: i % L > i // L)}, tags=["mask"])
    suite.case("mha_generated_causal_mask", tags=["mha", "mask"], inputs={"x": randn(4, 1, E, grad=True), **mha_params(E)[0]},
               steps=[f"m = new {NN}.MultiheadAttention({E}, {H})", *set_params("m", mha_params(E)[1]),
                      f"mask = {NN}.Transformer.generateSquareSubsequentMask(4)", "[o, a] = m.call(x, x, x, { attnMask: mask })", "s = o.sum()"],
               backward=["s.backward()"], expect=["mask", "o", "a", "x.grad"])
    # a fully masked row gives NaN, as in PyTorch
    suite.case("mha_fully_masked_row", tags=["mha", "mask", "nonfinite"],
               inputs={"x": randn(2, 1, E), "kpm": bools_from(1, 2, pattern=lambda i: True), **mha_params(E)[0]},
               steps=[f"m = new {NN}.MultiheadAttention({E}, {H})", *set_params("m", mha_params(E)[1]),
                      "[o, a] = m.call(x, x, x, { keyPaddingMask: kpm })"], expect=["o", "a"])
    # eval mode with dropout: no dropout (the reference path's values)
    suite.case("mha_eval_dropout", tags=["mha", "dropout"], inputs={**qkv(), **mha_params(E)[0]},
               steps=[f"m = new {NN}.MultiheadAttention({E}, {H}, {{ dropout: 0.5 }})", *set_params("m", mha_params(E)[1]), "m.eval()",
                      "[o, a] = m.call(q, k, v)", "s = o.sum()"],
               backward=["s.backward()"], expect=["o", "a", "q.grad", "m.inProjWeight.grad"])
    # float64
    suite.case("mha_float64", tags=["mha", "float64"],
               inputs={"q": randn(L, N, E, grad=True, dtype="float64"), "k": randn(S, N, E, dtype="float64"), "v": randn(S, N, E, dtype="float64"),
                       "in_w": randn(3 * E, E, scale=0.3, dtype="float64"), "out_w": randn(E, E, scale=0.3, dtype="float64")},
               steps=[f'm = new {NN}.MultiheadAttention({E}, {H}, {{ bias: false, dtype: "float64" }})',
                      *set_params("m", [("inProjWeight", "in_w"), ("outProj.weight", "out_w")]),
                      "[o, a] = m.call(q, k, v)", "s = o.sum()"],
               backward=["s.backward()"], expect=["o", "o.dtype", "a", "q.grad", "m.inProjWeight.grad"])

    # the initialisation: zero biases, xavier-uniform in_proj_weight within sqrt(6 / (E + 3E))
    suite.case("mha_init", tags=["mha", "init"],
               steps=[f"m = new {NN}.MultiheadAttention(16, 4)", "w = m.inProjWeight", "aw = w.abs()", "am = aw.max()",
                      "inside = am.le(0.30619)", "spread = am.gt(0.2)"],
               expect=["inside", "spread", "m.inProjBias", "m.outProj.bias", "m.inProjWeight.shape", "m.outProj.weight.shape"])
    suite.case("mha_init_kdim", tags=["mha", "init"],
               steps=[f"m = new {NN}.MultiheadAttention(8, 2, {{ kdim: 4, vdim: 6, addBiasKv: true }})"],
               expect=["m.qProjWeight.shape", "m.kProjWeight.shape", "m.vProjWeight.shape", "m.inProjWeight", "m.biasK.shape", "m.biasV.shape",
                       "m.inProjBias", "m.outProj.bias"])
    # printed form and state dict (weights set: every value known)
    inputs, params = mha_params(E)
    suite.case("mha_state_dict", tags=["mha", "state_dict"], inputs=inputs,
               steps=[f"m = new {NN}.MultiheadAttention({E}, {H})", *set_params("m", params), "sd = m.stateDict()"], expect=["repr:m", "sd"])
    inputs, params = mha_params(E, kdim=4, vdim=6, bias=False)
    suite.case("mha_state_dict_kdim", tags=["mha", "state_dict"], inputs=inputs,
               steps=[f"m = new {NN}.MultiheadAttention({E}, {H}, {{ kdim: 4, vdim: 6, bias: false }})", *set_params("m", params), "sd = m.stateDict()"],
               expect=["repr:m", "sd"])

    def err(name, steps, error, inputs=None):
        suite.case(f"mha_error_{name}", tags=["errors", "mha"], inputs=inputs or {}, steps=steps, error=error)

    err("divisible", [f"m = new {NN}.MultiheadAttention(8, 3)"], "embed_dim must be divisible by num_heads")
    err("mask_2d_shape", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, k, v, { attnMask: mask })"],
        "The shape of the 2D attn_mask is torch.Size([3, 3]), but should be (3, 4).", {**qkv(), "mask": randn(3, 3)})
    err("mask_3d_shape", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, k, v, { attnMask: mask })"],
        "The shape of the 3D attn_mask is torch.Size([2, 3, 4]), but should be (4, 3, 4).", {**qkv(), "mask": randn(2, 3, 4)})
    err("mask_4d", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, k, v, { attnMask: mask })"],
        "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found 4-D tensor instead", {**qkv(), "mask": randn(1, 4, 3, 4)})
    err("key_2d", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, k, v)"],
        "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D tensors respectively",
        {"q": randn(L, N, E), "k": randn(S, E), "v": randn(S, E)})
    err("query_4d", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, q, q)"],
        "query should be unbatched 2D or batched 3D tensor but received 4-D query tensor", {"q": randn(1, L, N, E)})
    err("key_padding_shape", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, k, v, { keyPaddingMask: kpm })"],
        "expecting key_padding_mask shape of (2, 4), but got torch.Size([2, 3])", {**qkv(), "kpm": bools_from(N, 3, pattern=lambda i: False)})
    err("key_padding_1d", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, k, v, { keyPaddingMask: kpm })"],
        "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found 1-D tensor instead",
        {**qkv(), "kpm": bools_from(S, pattern=lambda i: False)})
    err("embed_dim", [f"m = new {NN}.MultiheadAttention(6, {H})", "r = m.call(q, k, v)"], "was expecting embedding dimension of 6, but got 8", qkv())
    err("key_value_shape", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, k, v)"],
        "key shape torch.Size([4, 2, 8]) does not match value shape torch.Size([5, 2, 8])",
        {"q": randn(L, N, E), "k": randn(S, N, E), "v": randn(5, N, E)})
    err("unbatched_mask_3d", [f"m = new {NN}.MultiheadAttention({E}, {H})", "r = m.call(q, k, v, { attnMask: mask })"],
        "Expected `attn_mask` shape to be (2, 3, 4) but got torch.Size([4, 3, 4])", {**qkv(batched=False), "mask": randn(4, 3, 4)})
