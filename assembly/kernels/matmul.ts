// Batched matmul: out[bi] (m x n, contiguous) = a[bi] (m x k) @ b[bi] (k x n).
// Register tiles of 4 rows x 2 vectors (8 accumulators: 4x8 float32, 4x4 float64) over a
// row-major b (column stride 1). A is read with scalar loads at any strides, so transposed A
// needs nothing; a b with column stride != 1 is packed once (per distinct batch) into the
// caller's scratch panel `pack` (k*n elements), or, without a panel, goes a scalar path.

// @ts-ignore: decorator
@inline function fma<T>(acc: v128, x: v128, b: v128): v128 {
  return v128.add<T>(acc, v128.mul<T>(x, b));
}

/** out (m x n, contiguous) = A (strides ar, ac bytes) @ B (row stride br bytes, col stride 1). */
// @ts-ignore: decorator
@inline function gemm<T>(a: usize, ar: usize, ac: usize, b: usize, br: usize, out: usize, m: usize, k: usize, n: usize): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const NB: usize = 2 * L;
  const orow = n * SZ;
  const zero = v128.splat<T>(<T>0);
  let i: usize = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + i * ar, a1 = a0 + ar, a2 = a1 + ar, a3 = a2 + ar;
    const o0 = out + i * orow, o1 = o0 + orow, o2 = o1 + orow, o3 = o2 + orow;
    let j: usize = 0;
    for (; j + NB <= n; j += NB) {
      let c00 = zero, c01 = zero, c10 = zero, c11 = zero;
      let c20 = zero, c21 = zero, c30 = zero, c31 = zero;
      let qa: usize = 0, qb = b + j * SZ;
      for (let p: usize = 0; p < k; p++, qa += ac, qb += br) {
        const b0 = v128.load(qb), b1 = v128.load(qb, 16);
        let x = v128.splat<T>(load<T>(a0 + qa));
        c00 = fma<T>(c00, x, b0); c01 = fma<T>(c01, x, b1);
        x = v128.splat<T>(load<T>(a1 + qa));
        c10 = fma<T>(c10, x, b0); c11 = fma<T>(c11, x, b1);
        x = v128.splat<T>(load<T>(a2 + qa));
        c20 = fma<T>(c20, x, b0); c21 = fma<T>(c21, x, b1);
        x = v128.splat<T>(load<T>(a3 + qa));
        c30 = fma<T>(c30, x, b0); c31 = fma<T>(c31, x, b1);
      }
      const q = j * SZ;
      v128.store(o0 + q, c00); v128.store(o0 + q, c01, 16);
      v128.store(o1 + q, c10); v128.store(o1 + q, c11, 16);
      v128.store(o2 + q, c20); v128.store(o2 + q, c21, 16);
      v128.store(o3 + q, c30); v128.store(o3 + q, c31, 16);
    }
    for (; j + L <= n; j += L) {
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      let qa: usize = 0, qb = b + j * SZ;
      for (let p: usize = 0; p < k; p++, qa += ac, qb += br) {
        const b0 = v128.load(qb);
        c0 = fma<T>(c0, v128.splat<T>(load<T>(a0 + qa)), b0);
        c1 = fma<T>(c1, v128.splat<T>(load<T>(a1 + qa)), b0);
        c2 = fma<T>(c2, v128.splat<T>(load<T>(a2 + qa)), b0);
        c3 = fma<T>(c3, v128.splat<T>(load<T>(a3 + qa)), b0);
      }
      const q = j * SZ;
      v128.store(o0 + q, c0); v128.store(o1 + q, c1); v128.store(o2 + q, c2); v128.store(o3 + q, c3);
    }
    for (; j < n; j++) {
      let s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0;
      let qa: usize = 0, qb = b + j * SZ;
      for (let p: usize = 0; p < k; p++, qa += ac, qb += br) {
        const bv = load<T>(qb);
        s0 += load<T>(a0 + qa) * bv; s1 += load<T>(a1 + qa) * bv;
        s2 += load<T>(a2 + qa) * bv; s3 += load<T>(a3 + qa) * bv;
      }
      const q = j * SZ;
      store<T>(o0 + q, s0); store<T>(o1 + q, s1); store<T>(o2 + q, s2); store<T>(o3 + q, s3);
    }
  }
  for (; i < m; i++) {
    const a0 = a + i * ar;
    const o0 = out + i * orow;
    let j: usize = 0;
    for (; j + NB <= n; j += NB) {
      let c0 = zero, c1 = zero;
      let qa: usize = 0, qb = b + j * SZ;
      for (let p: usize = 0; p < k; p++, qa += ac, qb += br) {
        const x = v128.splat<T>(load<T>(a0 + qa));
        c0 = fma<T>(c0, x, v128.load(qb)); c1 = fma<T>(c1, x, v128.load(qb, 16));
      }
      v128.store(o0 + j * SZ, c0); v128.store(o0 + j * SZ, c1, 16);
    }
    for (; j + L <= n; j += L) {
      let c0 = zero;
      let qa: usize = 0, qb = b + j * SZ;
      for (let p: usize = 0; p < k; p++, qa += ac, qb += br) {
        c0 = fma<T>(c0, v128.splat<T>(load<T>(a0 + qa)), v128.load(qb));
      }
      v128.store(o0 + j * SZ, c0);
    }
    for (; j < n; j++) {
      let s0: T = 0;
      let qa: usize = 0, qb = b + j * SZ;
      for (let p: usize = 0; p < k; p++, qa += ac, qb += br) s0 += load<T>(a0 + qa) * load<T>(qb);
      store<T>(o0 + j * SZ, s0);
    }
  }
}

/** Scalar fallback for any strides (bytes). */
// @ts-ignore: decorator
@inline function gemmStrided<T>(a: usize, ar: usize, ac: usize, b: usize, br: usize, bc: usize, out: usize, m: usize, k: usize, n: usize): void {
  const SZ = sizeof<T>();
  for (let i: usize = 0; i < m; i++) {
    for (let j: usize = 0; j < n; j++) {
      let s: T = 0;
      let qa = a + i * ar, qb = b + j * bc;
      for (let p: usize = 0; p < k; p++, qa += ac, qb += br) s += load<T>(qa) * load<T>(qb);
      store<T>(out + (i * n + j) * SZ, s);
    }
  }
}

/** dst (k x n, contiguous) = B with row/col strides br, bc (bytes). */
// @ts-ignore: decorator
@inline function packB<T>(b: usize, br: usize, bc: usize, k: usize, n: usize, dst: usize): void {
  const SZ = sizeof<T>();
  if (<isize>br == <isize>SZ) {
    // transposed b (rows contiguous in memory along k): read contiguously, write strided
    for (let j: usize = 0; j < n; j++) {
      let qb = b + j * bc, qd = dst + j * SZ;
      const step = n * SZ;
      for (let p: usize = 0; p < k; p++, qb += br, qd += step) store<T>(qd, load<T>(qb));
    }
  } else {
    for (let p: usize = 0; p < k; p++) {
      let qb = b + p * br;
      const qd = dst + p * n * SZ;
      for (let j: usize = 0; j < n; j++, qb += bc) store<T>(qd + j * SZ, load<T>(qb));
    }
  }
}

// @ts-ignore: decorator
@inline function matmulT<T>(
  a: usize, asb: i32, asr: i32, asc: i32,
  b: usize, bsb: i32, bsr: i32, bsc: i32,
  out: usize, batch: usize, m: usize, k: usize, n: usize, pack: usize,
): void {
  const SZ = <i32>sizeof<T>();
  const ab = <usize>(asb * SZ), ar = <usize>(asr * SZ), ac = <usize>(asc * SZ);
  const bb = <usize>(bsb * SZ), br = <usize>(bsr * SZ), bc = <usize>(bsc * SZ);
  const ob = m * n * <usize>SZ;
  const direct = bsc == 1 || n == 1;
  let packed = false;
  for (let bi: usize = 0; bi < batch; bi++) {
    const pa = a + bi * ab, pb = b + bi * bb, po = out + bi * ob;
    if (direct) {
      gemm<T>(pa, ar, ac, pb, br, po, m, k, n);
    } else if (pack != 0) {
      if (!packed || bsb != 0) { packB<T>(pb, br, bc, k, n, pack); packed = true; }
      gemm<T>(pa, ar, ac, pack, n * <usize>SZ, po, m, k, n);
    } else {
      gemmStrided<T>(pa, ar, ac, pb, br, bc, po, m, k, n);
    }
  }
}

/** Batched matmul (float32). Strides in elements; a, b, out byte pointers; pack: 0 or a
 *  scratch panel of k*n floats, used when b's column stride is not 1. */
export function matmul_f32(
  a: usize, asb: i32, asr: i32, asc: i32, b: usize, bsb: i32, bsr: i32, bsc: i32,
  out: usize, batch: usize, m: usize, k: usize, n: usize, pack: usize,
): void { matmulT<f32>(a, asb, asr, asc, b, bsb, bsr, bsc, out, batch, m, k, n, pack); }

/** Batched matmul (float64); see matmul_f32. */
export function matmul_f64(
  a: usize, asb: i32, asr: i32, asc: i32, b: usize, bsb: i32, bsr: i32, bsc: i32,
  out: usize, batch: usize, m: usize, k: usize, n: usize, pack: usize,
): void { matmulT<f64>(a, asb, asr, asc, b, bsb, bsr, bsc, out, batch, m, k, n, pack); }
