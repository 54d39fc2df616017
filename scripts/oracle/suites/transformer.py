"""nn.TransformerEncoderLayer and nn.TransformerEncoder (PyTorch 1.13): values and gradients
with every parameter set from the case's inputs (post-norm and pre-norm, relu and gelu,
batchFirst, source and key-padding masks, unbatched), the encoder's deep copies and final norm,
state dict keys, printed forms, Transformer.generateSquareSubsequentMask, and errors. Dropout
is 0 or the module is in eval mode, so the values do not depend on the random stream."""
from dsl import randn, Input, _shape

NN = "torch.nn"
D, H, FF = 8, 2, 16


def layer_params(prefix=""):
    """(parameter path, input name, input) for every parameter of a layer."""
    shapes = [("selfAttn.inProjWeight", [3 * D, D], 0.3), ("selfAttn.inProjBias", [3 * D], 0.2),
              ("selfAttn.outProj.weight", [D, D], 0.3), ("selfAttn.outProj.bias", [D], 0.2),
              ("linear1.weight", [FF, D], 0.3), ("linear1.bias", [FF], 0.2),
              ("linear2.weight", [D, FF], 0.3), ("linear2.bias", [D], 0.2),
              ("norm1.weight", [D], 0.2), ("norm1.bias", [D], 0.2), ("norm2.weight", [D], 0.2), ("norm2.bias", [D], 0.2)]
    out = []
    for i, (path, shape, scale) in enumerate(shapes):
        shift = 1.0 if path.startswith("norm") and path.endswith("weight") else 0.0
        out.append((path, f"{prefix}p{i}", randn(*shape, scale=scale, shift=shift)))
    return out


def set_params(var, params):
    steps = []
    for n, (path, src, _) in enumerate(params):
        cur = var
        for j, p in enumerate(path.split(".")):
            nxt = f"{var}_{n}_{j}"
            steps.append(f"{nxt} = {cur}.{p}")
            cur = nxt
        steps.append(f"torch.noGrad(() => {cur}.copy_({src}))")
    return steps


def bools_from(*shape, pattern):
    return Input(_shape(shape), "bool", False, lambda rng, n: [pattern(i) for i in range(n)])


GRADS = ["layer.selfAttn.inProjWeight.grad", "layer.selfAttn.inProjBias.grad", "layer.selfAttn.outProj.weight.grad",
         "layer.linear1.weight.grad", "layer.linear1.bias.grad", "layer.linear2.weight.grad", "layer.norm1.weight.grad",
         "layer.norm1.bias.grad", "layer.norm2.weight.grad", "layer.norm2.bias.grad"]


def build(suite):
    def layer_case(name, opts, x_shape, call="", extra=None, eval_mode=False, tags=()):
        params = layer_params()
        inputs = {"x": randn(*x_shape, grad=True), "gy": randn(*x_shape), **{n: t for _, n, t in params}, **(extra or {})}
        steps = [f"layer = new {NN}.TransformerEncoderLayer({D}, {H}, {{ dimFeedforward: {FF}{', ' + opts if opts else ''} }})",
                 *set_params("layer", params)]
        if eval_mode:
            steps.append("layer.eval()")
        steps += [f"y = layer.call(x{', ' + call if call else ''})", "q = y.mul(gy)", "s = q.sum()"]
        suite.case(f"encoder_layer_{name}", tags=["encoder_layer", *tags], inputs=inputs, steps=steps, backward=["s.backward()"],
                   expect=["y", "y.gradFn", "x.grad", *GRADS])

    layer_case("post_norm", "dropout: 0.0", [5, 2, D])
    layer_case("pre_norm", "dropout: 0.0, normFirst: true", [5, 2, D])
    layer_case("gelu", 'dropout: 0.0, activation: "gelu"', [5, 2, D])
    layer_case("batch_first", "dropout: 0.0, batchFirst: true", [2, 5, D], tags=["batch_first"])
    layer_case("eval_dropout", "dropout: 0.3", [5, 2, D], eval_mode=True, tags=["eval"])
    layer_case("eps", "dropout: 0.0, layerNormEps: 0.01", [4, 3, D])
    layer_case("unbatched", "dropout: 0.0", [5, D], tags=["unbatched"])
    layer_case("src_mask", "dropout: 0.0", [5, 2, D], call="{ srcMask: mask }",
               extra={"mask": bools_from(5, 5, pattern=lambda i: i % 5 > i // 5)}, tags=["mask"])
    layer_case("src_key_padding_mask", "dropout: 0.0, batchFirst: true, normFirst: true", [2, 5, D], call="{ srcKeyPaddingMask: kpm }",
               extra={"kpm": bools_from(2, 5, pattern=lambda i: i in (4, 8, 9))}, tags=["mask", "batch_first"])
    layer_case("both_masks", "dropout: 0.0", [5, 2, D], call="{ srcMask: mask, srcKeyPaddingMask: kpm }",
               extra={"mask": randn(5, 5), "kpm": bools_from(2, 5, pattern=lambda i: i == 3)}, tags=["mask"])

    # the encoder: copies of the layer (its set weights), a causal mask, a final norm
    def encoder_case(name, enc_opts, call, extra=None, norm=False):
        params = layer_params()
        inputs = {"x": randn(5, 2, D, grad=True), "gy": randn(5, 2, D), **{n: t for _, n, t in params}, **(extra or {})}
        steps = [f"layer = new {NN}.TransformerEncoderLayer({D}, {H}, {{ dimFeedforward: {FF}, dropout: 0.0 }})", *set_params("layer", params)]
        if norm:
            inputs["nw"] = randn(D, shift=1.0, scale=0.2)
            steps += [f"fin = new {NN}.LayerNorm({D})", "finw = fin.weight", "torch.noGrad(() => finw.copy_(nw))"]
        steps += [f"enc = new {NN}.TransformerEncoder(layer, 2{', ' + enc_opts if enc_opts else ''})",
                  f"y = enc.call(x{', ' + call if call else ''})", "q = y.mul(gy)", "s = q.sum()"]
        expect = ["y", "y.gradFn", "x.grad", "enc.layers.0.linear1.weight.grad", "enc.layers.1.linear1.weight.grad",
                  "enc.layers.0.selfAttn.inProjWeight.grad", "enc.layers.1.norm2.bias.grad", "layer.linear1.weight.grad"]
        if norm:
            expect.append("fin.weight.grad")
        suite.case(f"encoder_{name}", tags=["encoder"], inputs=inputs, steps=steps, backward=["s.backward()"], expect=expect)

    encoder_case("plain", "", "")
    encoder_case("causal", "", "{ mask: mask }", extra={"mask": bools_from(5, 5, pattern=lambda i: i % 5 > i // 5)})
    encoder_case("norm_padding", "{ norm: fin }", "{ srcKeyPaddingMask: kpm }", extra={"kpm": bools_from(2, 5, pattern=lambda i: i in (0, 9))}, norm=True)
    suite.case("encoder_generated_mask", tags=["encoder", "mask"],
               inputs={"x": randn(4, 1, D, grad=True), **{n: t for _, n, t in layer_params()}},
               steps=[f"layer = new {NN}.TransformerEncoderLayer({D}, {H}, {{ dimFeedforward: {FF}, dropout: 0.0 }})", *set_params("layer", layer_params()),
                      f"enc = new {NN}.TransformerEncoder(layer, 1)", f"mask = {NN}.Transformer.generateSquareSubsequentMask(4)",
                      "y = enc.call(x, { mask: mask })", "s = y.sum()"],
               backward=["s.backward()"], expect=["mask", "y", "x.grad"])

    # state dicts (weights set: every value known) and printed forms
    params = layer_params()
    suite.case("encoder_state_dict", tags=["encoder", "state_dict"], inputs={n: t for _, n, t in params},
               steps=[f"layer = new {NN}.TransformerEncoderLayer({D}, {H}, {{ dimFeedforward: {FF}, dropout: 0.0 }})", *set_params("layer", params),
                      f"enc = new {NN}.TransformerEncoder(layer, 2)", "sd = enc.stateDict()", "lsd = layer.stateDict()"],
               expect=["sd", "lsd", "repr:enc", "enc.numLayers"])
    for name, opts in [("default", ""), ("gelu_eps", ', { activation: "gelu", layerNormEps: 1e-06, dropout: 0.2 }'),
                       ("norm_first", ", { dimFeedforward: 32, normFirst: true, batchFirst: true }")]:
        suite.case(f"encoder_layer_repr_{name}", tags=["repr", "encoder_layer"], steps=[f"layer = new {NN}.TransformerEncoderLayer({D}, {H}{opts})"],
                   expect=["repr:layer", "layer.normFirst", "layer.selfAttn.batchFirst", "layer.linear1.weight.shape"])
    for n in [1, 3, 5]:
        suite.case(f"generate_square_subsequent_mask_{n}", tags=["mask"], steps=[f"mask = {NN}.Transformer.generateSquareSubsequentMask({n})"],
                   expect=["mask"])

    def err(name, steps, error, inputs=None):
        suite.case(f"encoder_error_{name}", tags=["errors", "encoder"], inputs=inputs or {}, steps=steps, error=error)

    err("activation", [f'layer = new {NN}.TransformerEncoderLayer({D}, {H}, {{ activation: "tanh" }})'], "activation should be relu/gelu, not tanh")
    err("heads", [f"layer = new {NN}.TransformerEncoderLayer({D}, 3)"], "embed_dim must be divisible by num_heads")
    err("mask_shape", [f"layer = new {NN}.TransformerEncoderLayer({D}, {H}, {{ dimFeedforward: {FF} }})", "y = layer.call(x, { srcMask: mask })"],
        "The shape of the 2D attn_mask is torch.Size([4, 4]), but should be (5, 5).", {"x": randn(5, 2, D), "mask": randn(4, 4)})
    err("padding_dtype", [f"layer = new {NN}.TransformerEncoderLayer({D}, {H}, {{ dimFeedforward: {FF} }})", "y = layer.call(x, { srcKeyPaddingMask: kpm })"],
        "only bool and floating types of key_padding_mask are supported", {"x": randn(5, 2, D), "kpm": Input([2, 5], "int32", False, lambda rng, n: [0] * n)})
