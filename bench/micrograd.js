// A minimal, faithful JavaScript port of Andrej Karpathy's micrograd (engine.py + nn.py):
// one Value object per scalar, each op records its inputs and a backward closure, and
// backward() topologically sorts the graph and runs the closures in reverse. Plain JS
// numbers (float64) throughout, as Python floats are. Used by bench/train.js as the
// "scalar autograd" baseline.

export class Value {
  constructor(data, children = [], op = "") {
    this.data = data;
    this.grad = 0;
    this._backward = () => {};
    this._prev = new Set(children);
    this._op = op;
  }

  add(other) {
    other = other instanceof Value ? other : new Value(other);
    const out = new Value(this.data + other.data, [this, other], "+");
    out._backward = () => {
      this.grad += out.grad;
      other.grad += out.grad;
    };
    return out;
  }

  mul(other) {
    other = other instanceof Value ? other : new Value(other);
    const out = new Value(this.data * other.data, [this, other], "*");
    out._backward = () => {
      this.grad += other.data * out.grad;
      other.grad += this.data * out.grad;
    };
    return out;
  }

  pow(k) {
    if (typeof k !== "number") throw new TypeError("only supporting int/float powers for now");
    const out = new Value(this.data ** k, [this], `**${k}`);
    out._backward = () => {
      this.grad += k * this.data ** (k - 1) * out.grad;
    };
    return out;
  }

  relu() {
    const out = new Value(this.data < 0 ? 0 : this.data, [this], "ReLU");
    out._backward = () => {
      this.grad += (out.data > 0 ? 1 : 0) * out.grad;
    };
    return out;
  }

  backward() {
    // topological order of all of the children in the graph
    const topo = [];
    const visited = new Set();
    const build = (v) => {
      if (!visited.has(v)) {
        visited.add(v);
        for (const child of v._prev) build(child);
        topo.push(v);
      }
    };
    build(this);
    // go one variable at a time and apply the chain rule to get its gradient
    this.grad = 1;
    for (let i = topo.length - 1; i >= 0; i--) topo[i]._backward();
  }

  neg() { return this.mul(-1); }
  sub(other) { return this.add(other instanceof Value ? other.neg() : -other); }
  div(other) { return this.mul(other instanceof Value ? other.pow(-1) : 1 / other); }
}

/** Python's sum(iterable, start): start + x0 + x1 + ... (a number start is lifted on the first add). */
export function sum(values, start = 0) {
  let acc = start;
  for (const v of values) acc = acc instanceof Value ? acc.add(v) : v.add(acc); // __radd__
  return acc;
}

export class Module {
  zeroGrad() { for (const p of this.parameters()) p.grad = 0; }
  parameters() { return []; }
}

export class Neuron extends Module {
  /** `w` and `b` are numbers (micrograd draws them from U(-1, 1); the benchmark passes copies of wasmgrad's). */
  constructor(w, b, nonlin = true) {
    super();
    this.w = w.map((x) => new Value(x));
    this.b = new Value(b);
    this.nonlin = nonlin;
  }
  call(x) {
    const act = sum(this.w.map((wi, i) => wi.mul(x[i])), this.b);
    return this.nonlin ? act.relu() : act;
  }
  parameters() { return [...this.w, this.b]; }
}

export class Layer extends Module {
  /** `weight` is [nout][nin] (a torch.nn.Linear weight's rows), `bias` is [nout]. */
  constructor(weight, bias, nonlin = true) {
    super();
    this.neurons = weight.map((row, j) => new Neuron(row, bias[j], nonlin));
  }
  call(x) {
    const out = this.neurons.map((n) => n.call(x));
    return out.length === 1 ? out[0] : out;
  }
  parameters() { return this.neurons.flatMap((n) => n.parameters()); }
}

export class MLP extends Module {
  /** `layers`: [{ weight: number[][], bias: number[] }, ...]; ReLU on all but the last, as micrograd's MLP. */
  constructor(layers) {
    super();
    this.layers = layers.map((l, i) => new Layer(l.weight, l.bias, i !== layers.length - 1));
  }
  call(x) {
    for (const layer of this.layers) x = layer.call(x);
    return x;
  }
  parameters() { return this.layers.flatMap((l) => l.parameters()); }
}
