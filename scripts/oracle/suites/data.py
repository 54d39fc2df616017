"""
torch.utils.data without shuffling (a shuffled order comes from wasmgrad's generator, not
PyTorch's: test/data.test.ts checks it): TensorDataset samples and DataLoader batches, their
values, dtypes and shapes, with batch sizes that do and do not divide the dataset, dropLast,
one tensor or several.
"""
from dsl import ints, randn


def build(suite) -> None:
    for n, batch, drop, names in [(5, 2, False, 3), (5, 2, True, 2), (6, 3, False, 2), (4, 1, False, 4), (3, 5, False, 1)]:
        outs = ", ".join(f"b{i}" for i in range(names))
        opts = f"{{ batchSize: {batch}" + (", dropLast: true" if drop else "") + " }"
        suite.case("loader_batches", tags=["DataLoader"], inputs={"x": randn(n, 3), "y": ints(n, low=0, high=9)},
                   steps=["ds = new torch.utils.data.TensorDataset(x, y)", f"dl = new torch.utils.data.DataLoader(ds, {opts})",
                          "m = ds.length", "n = dl.length", f"[{outs}] = new torch.utils.data.DataLoader(ds, {opts})"],
                   expect=["m", "n", *[f"b{i}" for i in range(names)]])
    suite.case("loader_one_tensor", tags=["DataLoader"], inputs={"x": randn(4, 2, 2)},
               steps=["ds = new torch.utils.data.TensorDataset(x)", "[b0, b1] = new torch.utils.data.DataLoader(ds, { batchSize: 3 })"],
               expect=["b0", "b1"])
    suite.case("loader_default_batch", tags=["DataLoader"], inputs={"x": randn(2, 3), "y": randn(2)},
               steps=["ds = new torch.utils.data.TensorDataset(x, y)", "[b0, b1] = new torch.utils.data.DataLoader(ds)"],
               expect=["b0", "b1"])
    suite.case("tensor_dataset_get", tags=["TensorDataset"], inputs={"x": randn(3, 2), "y": ints(3)},
               steps=["ds = new torch.utils.data.TensorDataset(x, y)", "[s0, t0] = ds.get(1)", "[s1, t1] = ds.get(-1)"],
               expect=["s0", "t0", "s1", "t1"])
    suite.case("tensor_dataset_sizes", tags=["TensorDataset", "errors"], inputs={"x": randn(3, 2), "y": randn(2)},
               steps=["ds = new torch.utils.data.TensorDataset(x, y)"], error="Size mismatch between tensors")
    suite.case("loader_batch_size", tags=["DataLoader", "errors"], inputs={"x": randn(3, 2)},
               steps=["ds = new torch.utils.data.TensorDataset(x)", "dl = new torch.utils.data.DataLoader(ds, { batchSize: 0 })"],
               error="batch_size should be a positive integer value, but got batch_size=0")
