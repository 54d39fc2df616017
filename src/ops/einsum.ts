/**
 * einsum, as PyTorch 1.13 computes it: parse the subscripts (52 letters and one ellipsis per
 * operand), take diagonals for repeated subscripts, unsqueeze and permute every operand to one
 * order (output dims, then contracted dims), then contract left to right, each pair by
 * permute/reshape/bmm (sumproduct_pair), summing a dim as soon as no later operand has it. The
 * same steps give PyTorch's values, errors and (for the last step) node names.
 */
import { Tensor } from "../tensor.js";
import { composite, record, rule, allocTensor, handleOf, wantsGrad } from "./core.js";
import { bmm } from "./matmul.js";

const LETTERS = 26;
const TOTAL_LABELS = 2 * LETTERS;
const ELLIPSIS = TOTAL_LABELS;

const isAlpha = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
const toSubscript = (c: string) => (c >= "A" && c <= "Z" ? c.charCodeAt(0) - 65 : c.charCodeAt(0) - 97 + LETTERS);
const toLabel = (s: number) => String.fromCharCode(s < LETTERS ? s + 65 : s - LETTERS + 97);

// ---- diagonal (a view), for repeated subscripts ------------------------------------------------------

interface DiagAttrs { shape: number[]; d1: number; d2: number }

/** The view of x's diagonal over dims d1 < d2 (removed), appended as the last dim. */
function diagonalView(x: Tensor, d1: number, d2: number): Tensor {
  const keep = x.shape.map((_, i) => i).filter((i) => i !== d1 && i !== d2);
  const shape = [...keep.map((i) => x.shape[i]!), Math.min(x.shape[d1]!, x.shape[d2]!)];
  const strides = [...keep.map((i) => x._strides[i]!), x._strides[d1]! + x._strides[d2]!];
  return x._view(shape, strides, x._offset);
}

// zeros with the gradient written into their diagonal (PyTorch's diagonal_backward)
const DiagonalBackward = rule<[], DiagAttrs>("DiagonalBackward0", (g, _, a) => [diagonalBackward(g, a)]);
const DiagonalBackwardBackward = rule<[], DiagAttrs>("DiagonalBackwardBackward0", (g, _, a) => [diagonal(g, a.d1, a.d2)]);

function diagonalBackward(g: Tensor, a: DiagAttrs): Tensor {
  const be = g._storage.backend;
  const z = allocTensor(be, g.dtype, a.shape.slice());
  const target = diagonalView(z, a.d1, a.d2);
  be.copy(handleOf(g), g.dtype, g._offset, g._strides, z._storage.handle, z.dtype, target._offset, target._strides, target.shape);
  target.dispose();
  if (wantsGrad(g)) record(z, DiagonalBackwardBackward, [g], null, a);
  return z;
}

/** PyTorch's x.diagonal(0, d1, d2) for d1 < d2 (a view, DiagonalBackward0). */
function diagonal(x: Tensor, d1: number, d2: number): Tensor {
  const out = diagonalView(x, d1, d2);
  if (wantsGrad(x)) record(out, DiagonalBackward, [x], null, { shape: x.shape.slice(), d1, d2 });
  return out;
}

// ---- sumproduct_pair ------------------------------------------------------------------------------------

/** (left * right).sum(sumDims) keeping the summed dims as size 1, by permute, reshape and bmm. */
function sumproductPair(left0: Tensor, right0: Tensor, sumDims: number[]): Tensor {
  if (sumDims.length === 0) return left0.mul(right0);
  let left = left0, right = right0;
  const nd = left.ndim;
  const isSum = new Array<boolean>(nd).fill(false);
  for (const d of sumDims) isSum[d] = true;
  const lro: number[] = [], lo: number[] = [], ro: number[] = [];
  let lroSize = 1, loSize = 1, roSize = 1, sumSize = 1;
  for (let i = 0; i < nd; i++) {
    const sl = left.shape[i] !== 1, sr = right.shape[i] !== 1;
    if (isSum[i]) {
      if (sl && sr) {
        if (left.shape[i] !== right.shape[i]) throw new Error("non-broadcast dimensions must match");
        sumSize *= left.shape[i]!;
      } else if (sl) {
        left = left.sum(i, true);
      } else if (sr) {
        right = right.sum(i, true);
      }
    } else if (sl && sr) {
      if (left.shape[i] !== right.shape[i]) throw new Error("non-broadcast dimensions must match");
      lro.push(i); lroSize *= left.shape[i]!;
    } else if (sl) {
      lo.push(i); loSize *= left.shape[i]!;
    } else {
      ro.push(i); roSize *= right.shape[i]!;
    }
  }
  const outSize = [...lro.map((d) => left.shape[d]!), ...lo.map((d) => left.shape[d]!), ...sumDims.map(() => 1), ...ro.map((d) => right.shape[d]!)];
  const lperm = [...lro, ...lo, ...sumDims, ...ro];
  const rperm = [...lro, ...sumDims, ...ro, ...lo];
  const operm = new Array<number>(outSize.length).fill(-1);
  [...lro, ...lo, ...sumDims, ...ro].forEach((d, i) => { operm[d] = i; });
  const l3 = left.permute(lperm).reshape(lroSize, loSize, sumSize);
  const r3 = right.permute(rperm).reshape(lroSize, sumSize, roSize);
  return bmm(l3, r3).view(outSize).permute(operm);
}

// ---- einsum -------------------------------------------------------------------------------------------

/** PyTorch's einsum(equation, operands). */
export function einsum(equation: string, operands: readonly Tensor[]): Tensor {
  if (operands.length === 0) throw new Error("einsum(): must provide at least one operand");
  const numOps = operands.length;
  const arrow = equation.indexOf("->");
  const lhs = arrow < 0 ? equation : equation.slice(0, arrow);

  // subscripts of each operand (ELLIPSIS for "...")
  const opLabels: number[][] = operands.map(() => []);
  let ellInInput = false;
  let cur = 0;
  for (let i = 0; i < lhs.length; i++) {
    const c = lhs[i]!;
    if (c === " ") continue;
    if (c === ".") {
      if (ellInInput) throw new Error(`einsum(): found '.' for operand ${cur} for which an ellipsis was already found`);
      if (!(i + 2 < lhs.length && lhs[++i] === "." && lhs[++i] === ".")) throw new Error(`einsum(): found '.' for operand ${cur} that is not part of any ellipsis`);
      opLabels[cur]!.push(ELLIPSIS);
      ellInInput = true;
    } else if (c === ",") {
      cur++;
      if (cur >= numOps) throw new Error("einsum(): fewer operands were provided than specified in the equation");
      ellInInput = false;
    } else {
      if (!isAlpha(c)) throw new Error(`einsum(): invalid subscript given at index ${i} in the equation string, subscripts must be in [a-zA-Z]`);
      opLabels[cur]!.push(toSubscript(c));
    }
  }
  if (cur !== numOps - 1) throw new Error("einsum(): more operands were provided than specified in the equation");

  // label counts, and the most dims any ellipsis covers
  const labelCount = new Array<number>(TOTAL_LABELS).fill(0);
  let ellNumDim = 0;
  operands.forEach((op, i) => {
    const labels = opLabels[i]!;
    let n = labels.length;
    let hasEll = false;
    for (const l of labels) {
      if (l === ELLIPSIS) { n--; hasEll = true; ellNumDim = Math.max(ellNumDim, op.ndim - n); } else labelCount[l]!++;
    }
    if (hasEll ? n > op.ndim : n !== op.ndim) {
      throw new Error(`einsum(): the number of subscripts in the equation (${n}${hasEll ? ") is more than the number of dimensions (" : ") does not match the number of dimensions ("}${op.ndim}) for operand ${i}${hasEll ? "" : " and no ellipsis was given"}`);
    }
  });

  // where each label goes in the aligned order: output dims, then contracted dims
  const permIndexOf = new Array<number>(TOTAL_LABELS).fill(-1);
  let permIndex = 0, ellIndex = 0, ellInOutput = false;
  if (arrow < 0) {
    permIndex = ellNumDim; // implicit output: the ellipsis, then the labels seen once, in order
    ellInOutput = true;
    for (let l = 0; l < TOTAL_LABELS; l++) if (labelCount[l] === 1) permIndexOf[l] = permIndex++;
  } else {
    const rhs = equation.slice(arrow + 2);
    for (let i = 0; i < rhs.length; i++) {
      const c = rhs[i]!;
      if (c === " ") continue;
      if (c === ".") {
        if (ellInOutput) throw new Error("einsum(): found '.' for output but an ellipsis (...) was already found");
        if (!(i + 2 < rhs.length && rhs[++i] === "." && rhs[++i] === ".")) throw new Error("einsum(): found '.' for output that is not part of any ellipsis (...)");
        ellIndex = permIndex;
        permIndex += ellNumDim;
        ellInOutput = true;
      } else {
        if (!isAlpha(c)) throw new Error(`einsum(): invalid subscript given at index ${lhs.length + 2 + i} in the equation string, subscripts must be in [a-zA-Z]`);
        const s = toSubscript(c);
        if (!(labelCount[s]! > 0 && permIndexOf[s] === -1)) {
          throw new Error(`einsum(): output subscript ${c}${permIndexOf[s]! > -1 ? " appears more than once in the output" : " does not appear in the equation for any input operand"}`);
        }
        permIndexOf[s] = permIndex++;
      }
    }
  }
  const outNumDim = permIndex;
  if (!ellInOutput) { ellIndex = permIndex; permIndex += ellNumDim; }
  for (let l = 0; l < TOTAL_LABELS; l++) if (labelCount[l]! > 0 && permIndexOf[l] === -1) permIndexOf[l] = permIndex++;

  return composite(() => {
    // align every operand: check sizes, take diagonals, unsqueeze missing dims, permute
    const labelSize = new Array<number>(TOTAL_LABELS).fill(1);
    const ellSizes = new Array<number>(ellNumDim).fill(1);
    const dimCounts = new Array<number>(permIndex).fill(0);
    const ops: Tensor[] = [];
    operands.forEach((operand, i) => {
      let op = operand;
      const perm = new Array<number>(permIndex).fill(-1);
      let dim = 0;
      for (const s of opLabels[i]!) {
        if (s === ELLIPSIS) {
          const ndim = operand.ndim - (opLabels[i]!.length - 1);
          for (let j = ellNumDim - ndim; j < ellNumDim; j++) {
            const size = op.shape[dim]!;
            if (size !== 1) {
              if (!(ellSizes[j] === 1 || ellSizes[j] === size)) {
                throw new Error(`einsum(): dimension ${dim} covered by ellipsis in operand ${i}has size ${size} which does not broadcast with previously seen ellipsis with size ${ellSizes[j]} for the respective dimension`);
              }
              ellSizes[j] = size;
              dimCounts[ellIndex + j]!++;
            }
            perm[ellIndex + j] = dim++;
          }
        } else if (perm[permIndexOf[s]!] === -1) {
          const size = op.shape[dim]!;
          if (size !== 1) {
            if (!(labelSize[s] === 1 || labelSize[s] === size)) {
              throw new Error(`einsum(): subscript ${toLabel(s)} has size ${size} for operand ${i} which does not broadcast with previously seen size ${labelSize[s]}`);
            }
            labelSize[s] = size;
            dimCounts[permIndexOf[s]!]!++;
          }
          perm[permIndexOf[s]!] = dim++;
        } else {
          // a repeated subscript: its diagonal, moved to where the first one was
          const prev = perm[permIndexOf[s]!]!;
          if (op.shape[dim] !== op.shape[prev]) {
            throw new Error(`einsum(): subscript ${toLabel(s)} is repeated for operand ${i} but the sizes don't match, ${op.shape[dim]} != ${op.shape[prev]}`);
          }
          op = diagonal(op, prev, dim);
          const order = op.shape.map((_, k) => k);
          order.splice(prev, 0, order.pop()!); // movedim(-1, prev)
          op = op.permute(order);
        }
      }
      for (let k = 0; k < perm.length; k++) {
        if (perm[k] === -1) { op = op.unsqueeze(dim); perm[k] = dim++; }
      }
      ops.push(op.permute(perm));
    });

    // contract left to right, summing each dim as soon as no later operand has it
    while (ops.length > 1) {
      let a = ops.shift()!, b = ops.shift()!;
      const sumDims: number[] = [], aSum: number[] = [], bSum: number[] = [];
      for (let d = outNumDim; d < permIndex; d++) {
        if (a.shape[d] !== 1 && b.shape[d] !== 1) {
          if (--dimCounts[d]! === 1) { sumDims.push(d); dimCounts[d] = 0; }
        } else if (dimCounts[d] === 1) {
          if (a.shape[d] !== 1) { aSum.push(d); dimCounts[d] = 0; } else if (b.shape[d] !== 1) { bSum.push(d); dimCounts[d] = 0; }
        }
      }
      if (aSum.length > 0) a = a.sum(aSum, true);
      if (bSum.length > 0) b = b.sum(bSum, true);
      ops.unshift(sumproductPair(a, b, sumDims));
    }

    // the contracted dims: size 1 after a contraction (a view drops them), or summed for one operand
    const result = ops[0]!;
    if (permIndex - outNumDim > 0) {
      if (numOps > 1) return result.view(result.shape.slice(0, outNumDim));
      return result.sum(Array.from({ length: permIndex - outNumDim }, (_, k) => outNumDim + k));
    }
    return result;
  });
}
