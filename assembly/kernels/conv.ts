// 2-D convolution (1-D is H = KH = 1) and its two gradients, for contiguous NCHW tensors, with
// weights [cout, cin/groups, kh, kw]. Everything is a product of small matrices run by one
// register-tiled micro-kernel (gemm below); nothing is allocated here: the caller passes a
// scratch block of the size conv2d_scratch asks for.
//
// Unit column stride (most layers): no im2col. The input group is copied once into a zero-padded
// buffer P, and every row of the im2col matrix, for tap r = (c, kh, kw) and output row oh, is then
// a contiguous piece of P: P + off[r] + oh*sh*Wp. The micro-kernel reads B's rows through that
// offset table ("indirect" GEMM), one output row at a time:
//   forward       out[oh]  = W_g (cout_g x K) @ rows of P
//   input grad    gx[ih]   = W_g flipped and transposed (read through a second offset table, no
//                 copy) @ rows of the zero-padded output gradient: a stride-1 convolution again
//   weight grad   gw[co][r] += dot(gy[co][oh], P row r at oh), as 4 x 2 tiles of vector dot products
// Rows too short for vectors (fewer than 8 outputs, or a scalar tail over an eighth of them, as
// 14 or 7 wide maps have) with unit strides: "wide rows". Output row oh's taps start at
// P + off[r] + oh*Wp, so the whole plane is one run of Ho*Wp positions read straight from P: the
// micro-kernel computes all of them (the Wp - Wo columns between rows are discarded) into a small
// buffer Q, whose rows are then copied out. The input gradient does the same over the padded
// output gradient; the weight gradient takes dot products over the run, against a copy of gy
// with zeros in the discarded columns (so it needs a finite input: 0 * inf would be NaN).
// Otherwise (strided columns, or short rows with other strides): packed im2col, the panel of `nc`
// output positions (K rows) multiplied in place; the input gradient multiplies W^T (read through
// its strides) by gy and adds the panel back (col2im); the weight gradient packs the panel
// transposed. A 1x1 convolution with unit stride and no padding reads its input as the panel.
//
// Geometry (`gp`, i32): n, cin, h, w, cout, kh, kw, ho, wo, sh, sw, ph, pw, dh, dw, groups, nc.
// ph/pw are the top/left padding; ho/wo are given (asymmetric "same" padding needs no more);
// nc is written by conv2d_scratch.

// @ts-ignore: decorator
@inline function geo(gp: usize, i: i32): i32 { return load<i32>(gp + <usize>(i << 2)); }

// ---- the micro-kernel -------------------------------------------------------------------------
// out (m x n, row stride orow) (+)= A (m x k) @ B (k x n, columns contiguous), byte strides.
// Direct: A[i][p] at a + i*ar + p*ac, B row p at b + p*br. Indirect (`ind`): ac and br are i32
// tables of byte offsets, A[i][p] at a + i*ar + ac[p] and B row p at b + br[p]. Register tiles of
// 4 rows x 2 vectors (8 accumulators: the most V8 keeps in registers with the operands), the A
// element splat straight from memory; column blocks outermost, so a block of B stays in L1
// across all row tiles.

// @ts-ignore: decorator
@inline function fma<T>(acc: v128, x: v128, b: v128): v128 {
  return v128.add<T>(acc, v128.mul<T>(x, b));
}

// @ts-ignore: decorator
@inline function splat<T>(p: usize): v128 {
  return sizeof<T>() == 4 ? v128.load32_splat(p) : v128.load64_splat(p);
}

/** 4 rows x (2 or 1) vectors at (a, b, o). */
// @ts-ignore: decorator
@inline function tile4<T>(two: bool, ind: bool, a: usize, ar: usize, ac: usize, b: usize, br: usize, o: usize, orow: usize, k: usize, acc: bool): void {
  const zero = v128.splat<T>(<T>0);
  const o1 = o + orow, o2 = o1 + orow, o3 = o2 + orow;
  let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
  if (acc) {
    c00 = v128.load(o); c10 = v128.load(o1); c20 = v128.load(o2); c30 = v128.load(o3);
    if (two) { c01 = v128.load(o, 16); c11 = v128.load(o1, 16); c21 = v128.load(o2, 16); c31 = v128.load(o3, 16); }
  }
  const a1 = a + ar, a2 = a1 + ar, a3 = a2 + ar;
  let qa: usize = 0, qb = b;
  for (let p: usize = 0; p < k; p++) {
    if (ind) { qa = <usize>load<u32>(ac + (p << 2)); qb = b + <usize>load<u32>(br + (p << 2)); }
    const b0 = v128.load(qb);
    const b1 = two ? v128.load(qb, 16) : zero;
    let x = splat<T>(a + qa);
    c00 = fma<T>(c00, x, b0); if (two) c01 = fma<T>(c01, x, b1);
    x = splat<T>(a1 + qa);
    c10 = fma<T>(c10, x, b0); if (two) c11 = fma<T>(c11, x, b1);
    x = splat<T>(a2 + qa);
    c20 = fma<T>(c20, x, b0); if (two) c21 = fma<T>(c21, x, b1);
    x = splat<T>(a3 + qa);
    c30 = fma<T>(c30, x, b0); if (two) c31 = fma<T>(c31, x, b1);
    if (!ind) { qa += ac; qb += br; }
  }
  v128.store(o, c00); v128.store(o1, c10); v128.store(o2, c20); v128.store(o3, c30);
  if (two) { v128.store(o, c01, 16); v128.store(o1, c11, 16); v128.store(o2, c21, 16); v128.store(o3, c31, 16); }
}

/** 1 row x (2 or 1) vectors. */
// @ts-ignore: decorator
@inline function tile1<T>(two: bool, ind: bool, a: usize, ac: usize, b: usize, br: usize, o: usize, k: usize, acc: bool): void {
  const zero = v128.splat<T>(<T>0);
  let c0 = zero, c1 = zero;
  if (acc) { c0 = v128.load(o); if (two) c1 = v128.load(o, 16); }
  let qa: usize = 0, qb = b;
  for (let p: usize = 0; p < k; p++) {
    if (ind) { qa = <usize>load<u32>(ac + (p << 2)); qb = b + <usize>load<u32>(br + (p << 2)); }
    const x = splat<T>(a + qa);
    c0 = fma<T>(c0, x, v128.load(qb));
    if (two) c1 = fma<T>(c1, x, v128.load(qb, 16));
    if (!ind) { qa += ac; qb += br; }
  }
  v128.store(o, c0);
  if (two) v128.store(o, c1, 16);
}

/** out (+)= A @ B over m x n (see above). */
// @ts-ignore: decorator
@inline function gemm<T>(ind: bool, a: usize, ar: usize, ac: usize, b: usize, br: usize, out: usize, orow: usize, m: usize, k: usize, n: usize, acc: bool): void {
  const SZ = <usize>sizeof<T>();
  const L: usize = 16 / SZ;
  let j: usize = 0;
  for (; j + 2 * L <= n; j += 2 * L) {
    let i: usize = 0;
    for (; i + 4 <= m; i += 4) tile4<T>(true, ind, a + i * ar, ar, ac, b + j * SZ, br, out + i * orow + j * SZ, orow, k, acc);
    for (; i < m; i++) tile1<T>(true, ind, a + i * ar, ac, b + j * SZ, br, out + i * orow + j * SZ, k, acc);
  }
  for (; j + L <= n; j += L) {
    let i: usize = 0;
    for (; i + 4 <= m; i += 4) tile4<T>(false, ind, a + i * ar, ar, ac, b + j * SZ, br, out + i * orow + j * SZ, orow, k, acc);
    for (; i < m; i++) tile1<T>(false, ind, a + i * ar, ac, b + j * SZ, br, out + i * orow + j * SZ, k, acc);
  }
  for (; j < n; j++) {
    for (let i: usize = 0; i < m; i++) {
      const q = out + i * orow + j * SZ;
      let s: T = acc ? load<T>(q) : <T>0;
      for (let p: usize = 0; p < k; p++) {
        const pa = ind ? <usize>load<u32>(ac + (p << 2)) : p * ac;
        const pb = ind ? <usize>load<u32>(br + (p << 2)) : p * br;
        s += load<T>(a + i * ar + pa) * load<T>(b + pb + j * SZ);
      }
      store<T>(q, s);
    }
  }
}

// ---- row helpers -------------------------------------------------------------------------------

/** dst[0 .. n) += src[0 .. n). */
// @ts-ignore: decorator
@inline function addRow<T>(dst: usize, src: usize, n: usize): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  let t: usize = 0;
  for (; t + L <= n; t += L) v128.store(dst + t * SZ, v128.add<T>(v128.load(dst + t * SZ), v128.load(src + t * SZ)));
  for (; t < n; t++) store<T>(dst + t * SZ, load<T>(dst + t * SZ) + load<T>(src + t * SZ));
}

/** dst[0 .. n) = v. */
// @ts-ignore: decorator
@inline function fillRow<T>(dst: usize, v: T, n: usize): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const s = v128.splat<T>(v);
  let t: usize = 0;
  for (; t + L <= n; t += L) v128.store(dst + t * SZ, s);
  for (; t < n; t++) store<T>(dst + t * SZ, v);
}

/** dst [c][hd][wd] = src [c][a - top][b - left] inside src (hs x ws planes), else 0. */
// @ts-ignore: decorator
@inline function padCopy<T>(src: usize, c: i32, hs: i32, ws: i32, dst: usize, hd: i32, wd: i32, top: i32, left: i32): void {
  const SZ = <usize>sizeof<T>();
  const lo = max(0, min(wd, left)), hi = max(lo, min(wd, left + ws));
  for (let ci = 0; ci < c; ci++) {
    for (let a = 0; a < hd; a++) {
      const d = dst + <usize>((ci * hd + a) * wd) * SZ;
      const sa = a - top;
      if (sa < 0 || sa >= hs) { memory.fill(d, 0, <usize>wd * SZ); continue; }
      if (lo > 0) memory.fill(d, 0, <usize>lo * SZ);
      if (hi > lo) memory.copy(d + <usize>lo * SZ, src + <usize>((ci * hs + sa) * ws + lo - left) * SZ, <usize>(hi - lo) * SZ);
      if (wd > hi) memory.fill(d + <usize>hi * SZ, 0, <usize>(wd - hi) * SZ);
    }
  }
}

// ---- the paths and their scratch --------------------------------------------------------------

/** Whether a row of n outputs is long enough for vectors (at most an eighth of it scalar). */
// @ts-ignore: decorator
@inline function rowsFit(n: i32): bool { return n >= 8 && (n & 3) * 8 <= n; }

/** Whether the input is its own im2col matrix: 1x1 kernel, unit stride, no padding. */
// @ts-ignore: decorator
@inline function pointwise(gp: usize): bool {
  return geo(gp, 5) == 1 && geo(gp, 6) == 1 && geo(gp, 9) == 1 && geo(gp, 10) == 1 && geo(gp, 11) == 0 && geo(gp, 12) == 0 &&
    geo(gp, 7) == geo(gp, 2) && geo(gp, 8) == geo(gp, 3);
}

// pass: 0 forward, 1 input gradient, 2 weight gradient
// @ts-ignore: decorator
@inline function usesRows(gp: usize, pass: i32): bool {
  if (pointwise(gp) && pass != 2) return false;
  if (geo(gp, 10) != 1) return false; // sw
  if (pass == 0) return rowsFit(geo(gp, 8));
  if (pass == 1) return geo(gp, 9) == 1 && rowsFit(geo(gp, 3)); // sh == 1, rows of w
  return geo(gp, 8) >= 4;
}

/** Whether `pass` runs on wide rows (see the top): unit strides, rows too short for the row paths. */
// @ts-ignore: decorator
@inline function usesWide(gp: usize, pass: i32): bool {
  if (geo(gp, 9) != 1 || geo(gp, 10) != 1) return false;
  if (pass == 0) return !pointwise(gp) && !rowsFit(geo(gp, 8));
  if (pass == 1) return !pointwise(gp) && !rowsFit(geo(gp, 3));
  return (geo(gp, 8) & 3) != 0;
}

/** Elements read past the end of a padded plane by a wide run: the last taps, and a vector's lanes. */
// @ts-ignore: decorator
@inline function wideSlack(gp: usize): i32 { return (geo(gp, 6) - 1) * geo(gp, 14) + 8; }

/** Positions of a wide run over `rows` rows of width `wp`, rounded up to whole vector pairs. */
// @ts-ignore: decorator
@inline function wideRun(rows: i32, wp: i32): i32 { return (rows * wp + 7) & ~7; }

/** Rows and columns of the padded input P the row paths read: every tap of every output. */
// @ts-ignore: decorator
@inline function padRows(gp: usize): i32 { return (geo(gp, 7) - 1) * geo(gp, 9) + (geo(gp, 5) - 1) * geo(gp, 13) + 1; }
// @ts-ignore: decorator
@inline function padCols(gp: usize): i32 { return geo(gp, 8) + (geo(gp, 6) - 1) * geo(gp, 14); }

/** Elements of the im2col panel per output position (K), and the panel's column count. */
// @ts-ignore: decorator
@inline function panelRows(gp: usize): i32 { return geo(gp, 1) / geo(gp, 15) * geo(gp, 5) * geo(gp, 6); }

/**
 * The scratch bytes `pass` (0 forward, 1 input gradient, 2 weight gradient) needs for this
 * geometry with `size`-byte elements (a float64: large paddings can ask for more than 4 GiB, which
 * the caller refuses); also writes the im2col column block (nc) into the geometry.
 */
export function conv2d_scratch(gp: usize, pass: i32, size: i32): f64 {
  const K = panelRows(gp);
  const HoWo = geo(gp, 7) * geo(gp, 8);
  // an im2col panel of about 64 KiB stays in L2 while the micro-kernel walks it once per 4 rows
  const nc = min(max(HoWo, 1), max(8, (16384 / max(K, 1)) & ~7));
  store<i32>(gp + 64, nc);
  const sz = <f64>size;
  const panel = <f64>K * <f64>nc * sz;
  const cinG = <f64>(geo(gp, 1) / geo(gp, 15)), coutG = geo(gp, 4) / geo(gp, 15);
  let wide: f64 = 0;
  if (usesWide(gp, pass)) {
    const slack = <f64>wideSlack(gp);
    if (pass == 1) {
      const hg = <f64>geo(gp, 2) + <f64>(geo(gp, 5) - 1) * <f64>geo(gp, 13), wg = <f64>geo(gp, 3) + <f64>(geo(gp, 6) - 1) * <f64>geo(gp, 14);
      const kTaps = <f64>coutG * <f64>geo(gp, 5) * <f64>geo(gp, 6);
      const run = <f64>wideRun(geo(gp, 2), <i32>wg);
      // or the im2col panel, for weights that are not all finite
      return max((<f64>coutG * hg * wg + slack + cinG * run) * sz + 8 * kTaps, panel);
    }
    const plane = cinG * <f64>padRows(gp) * <f64>padCols(gp) + slack;
    const run = <f64>wideRun(geo(gp, 7), padCols(gp));
    if (pass == 0) return (plane + <f64>coutG * run) * sz + 8 * <f64>K;
    // the weight gradient falls back to the row or im2col path for an input that is not finite
    wide = (plane + <f64>coutG * run) * sz + 4 * <f64>K;
  }
  if (usesRows(gp, pass)) {
    if (pass == 1) {
      const kTaps = <f64>coutG * <f64>geo(gp, 5) * <f64>geo(gp, 6);
      const hg = <f64>geo(gp, 2) + <f64>(geo(gp, 5) - 1) * <f64>geo(gp, 13), wg = <f64>geo(gp, 3) + <f64>(geo(gp, 6) - 1) * <f64>geo(gp, 14);
      // or the im2col panel, for weights that are not all finite
      return max(<f64>coutG * hg * wg * sz + 8 * kTaps, panel);
    }
    return max(wide, cinG * <f64>padRows(gp) * <f64>padCols(gp) * sz + 8 * <f64>K);
  }
  if (pointwise(gp) && pass != 2) return 0;
  return max(wide, panel);
}

// ---- im2col ------------------------------------------------------------------------------------

// For each row r = (c, kh, kw) of the im2col matrix and each output position j in [j0, j0 + nc)
// (row-major over ho x wo), the input element read is x[c][oh*sh - ph + kh*dh][ow*sw - pw + kw*dw],
// or padding. MODE 0 packs the panel [K, nc], MODE 1 packs it transposed [nc, K], MODE 2 adds a
// panel [K, nc] back into x (col2im).
// @ts-ignore: decorator
@inline function walk<T>(MODE: i32, x: usize, gp: usize, cin: i32, j0: i32, nc: i32, panel: usize): void {
  const SZ = sizeof<T>();
  const H = geo(gp, 2), W = geo(gp, 3), KH = geo(gp, 5), KW = geo(gp, 6), Wo = geo(gp, 8);
  const sh = geo(gp, 9), sw = geo(gp, 10), ph = geo(gp, 11), pw = geo(gp, 12), dh = geo(gp, 13), dw = geo(gp, 14);
  const K = cin * KH * KW;
  const ncb = <usize>nc * SZ, kb = <usize>K * SZ;
  let r = 0;
  for (let c = 0; c < cin; c++) {
    const xc = x + <usize>(c * H * W) * SZ;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++, r++) {
        let oh = j0 / Wo, ow = j0 % Wo, j = 0;
        while (j < nc) {
          const seg = min(Wo - ow, nc - j);
          const ih = oh * sh - ph + kh * dh;
          const iw0 = ow * sw - pw + kw * dw;
          // the part of the segment inside the row: t in [lo, hi)
          let lo = 0, hi = 0;
          if (ih >= 0 && ih < H) {
            if (sw == 1) {
              lo = max(0, min(seg, -iw0));
              hi = max(lo, min(seg, W - iw0));
            } else {
              // first and last t with 0 <= iw0 + t*sw < W
              lo = iw0 >= 0 ? 0 : min(seg, (-iw0 + sw - 1) / sw);
              hi = W - iw0 <= 0 ? lo : max(lo, min(seg, (W - 1 - iw0) / sw + 1));
            }
          }
          const row = xc + <usize>(ih * W + iw0) * SZ; // element t at row + t*sw*SZ (only read for t in [lo, hi))
          const swb = <usize>sw * SZ;
          if (MODE == 0) {
            const d = panel + <usize>r * ncb + <usize>j * SZ;
            if (lo > 0) memory.fill(d, 0, <usize>lo * SZ);
            if (sw == 1) {
              if (hi > lo) memory.copy(d + <usize>lo * SZ, row + <usize>lo * SZ, <usize>(hi - lo) * SZ);
            } else {
              for (let t = lo; t < hi; t++) store<T>(d + <usize>t * SZ, load<T>(row + <usize>t * swb));
            }
            if (seg > hi) memory.fill(d + <usize>hi * SZ, 0, <usize>(seg - hi) * SZ);
          } else if (MODE == 1) {
            const d = panel + <usize>j * kb + <usize>r * SZ;
            for (let t = 0; t < lo; t++) store<T>(d + <usize>t * kb, <T>0);
            for (let t = lo; t < hi; t++) store<T>(d + <usize>t * kb, load<T>(row + <usize>t * swb));
            for (let t = hi; t < seg; t++) store<T>(d + <usize>t * kb, <T>0);
          } else {
            const s = panel + <usize>r * ncb + <usize>j * SZ;
            if (sw == 1) {
              if (hi > lo) addRow<T>(row + <usize>lo * SZ, s + <usize>lo * SZ, <usize>(hi - lo));
            } else {
              for (let t = lo; t < hi; t++) {
                const q = row + <usize>t * swb;
                store<T>(q, load<T>(q) + load<T>(s + <usize>t * SZ));
              }
            }
          }
          j += seg; ow = 0; oh++;
        }
      }
    }
  }
}

/** table[r] = byte offset in P of tap r = (c, kh, kw): c*hp*wp + kh*dh*wp + kw*dw. */
// @ts-ignore: decorator
@inline function tapOffsets<T>(table: usize, cin: i32, KH: i32, KW: i32, hp: i32, wp: i32, dh: i32, dw: i32): void {
  const SZ = sizeof<T>();
  let r: usize = 0;
  for (let c = 0; c < cin; c++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++, r++) {
    store<u32>(table + (r << 2), <u32>((c * hp * wp + kh * dh * wp + kw * dw) * <i32>SZ));
  }
}

// ---- the three passes --------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function convForward<T>(x: usize, w: usize, bias: usize, out: usize, gp: usize, scratch: usize): void {
  const SZ = <usize>sizeof<T>();
  const N = geo(gp, 0), cin = geo(gp, 1), H = geo(gp, 2), W = geo(gp, 3), cout = geo(gp, 4);
  const KH = geo(gp, 5), KW = geo(gp, 6), Ho = geo(gp, 7), Wo = geo(gp, 8), G = geo(gp, 15), NC = geo(gp, 16);
  const HoWo = Ho * Wo, cinG = cin / G, coutG = cout / G, K = cinG * KH * KW;
  const hasBias = bias != 0;
  const orow = <usize>HoWo * SZ;
  const wide = usesWide(gp, 0);
  const rows = !wide && usesRows(gp, 0), direct = pointwise(gp);
  const hp = padRows(gp), wp = padCols(gp);
  const P = scratch, aoff = scratch + <usize>(cinG * hp * wp + (wide ? wideSlack(gp) : 0)) * SZ, boff = aoff + <usize>K * 4;
  const run = wideRun(Ho, wp), Q = boff + <usize>K * 4, qrow = <usize>run * SZ;
  if (rows || wide) {
    for (let p = 0; p < K; p++) store<u32>(aoff + (<usize>p << 2), <u32>(p * <i32>SZ));
    tapOffsets<T>(boff, cinG, KH, KW, hp, wp, geo(gp, 13), geo(gp, 14));
  }
  const shRow = <usize>(geo(gp, 9) * wp) * SZ;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const xg = x + <usize>((n * cin + g * cinG) * H * W) * SZ;
      const wg = w + <usize>(g * coutG * K) * SZ;
      const og = out + <usize>((n * cout + g * coutG) * HoWo) * SZ;
      if (wide) {
        padCopy<T>(xg, cinG, H, W, P, hp, wp, geo(gp, 11), geo(gp, 12));
        if (hasBias) for (let co = 0; co < coutG; co++) fillRow<T>(Q + <usize>co * qrow, load<T>(bias + <usize>(g * coutG + co) * SZ), <usize>run);
        gemm<T>(true, wg, <usize>K * SZ, aoff, P, boff, Q, qrow, <usize>coutG, <usize>K, <usize>run, hasBias);
        for (let co = 0; co < coutG; co++) {
          for (let oh = 0; oh < Ho; oh++) memory.copy(og + <usize>co * orow + <usize>(oh * Wo) * SZ, Q + <usize>co * qrow + <usize>(oh * wp) * SZ, <usize>Wo * SZ);
        }
        continue;
      }
      if (hasBias) for (let co = 0; co < coutG; co++) fillRow<T>(og + <usize>co * orow, load<T>(bias + <usize>(g * coutG + co) * SZ), <usize>HoWo);
      if (rows) {
        padCopy<T>(xg, cinG, H, W, P, hp, wp, geo(gp, 11), geo(gp, 12));
        for (let oh = 0; oh < Ho; oh++) {
          gemm<T>(true, wg, <usize>K * SZ, aoff, P + <usize>oh * shRow, boff, og + <usize>(oh * Wo) * SZ, orow, <usize>coutG, <usize>K, <usize>Wo, hasBias);
        }
      } else if (direct) {
        gemm<T>(false, wg, <usize>K * SZ, SZ, xg, orow, og, orow, <usize>coutG, <usize>K, <usize>HoWo, hasBias);
      } else {
        for (let j0 = 0; j0 < HoWo; j0 += NC) {
          const nc = min(NC, HoWo - j0);
          walk<T>(0, xg, gp, cinG, j0, nc, scratch);
          gemm<T>(false, wg, <usize>K * SZ, SZ, scratch, <usize>nc * SZ, og + <usize>j0 * SZ, orow, <usize>coutG, <usize>K, <usize>nc, hasBias);
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function convBackwardInput<T>(gy: usize, w: usize, gx: usize, gp: usize, scratch: usize): void {
  const SZ = <usize>sizeof<T>();
  const N = geo(gp, 0), cin = geo(gp, 1), H = geo(gp, 2), W = geo(gp, 3), cout = geo(gp, 4);
  const KH = geo(gp, 5), KW = geo(gp, 6), Ho = geo(gp, 7), Wo = geo(gp, 8), G = geo(gp, 15), NC = geo(gp, 16);
  const dh = geo(gp, 13), dw = geo(gp, 14);
  const HoWo = Ho * Wo, cinG = cin / G, coutG = cout / G, taps = KH * KW, K = cinG * taps;
  const orow = <usize>HoWo * SZ;
  const direct = pointwise(gp);
  // the padded gradient's zeros would meet every weight (0 * inf is NaN), where PyTorch's col2im
  // meets only the taps that reach the input: non-finite weights take the im2col path
  const finite = allFinite<T>(w, <usize>(cout * K));
  const wide = usesWide(gp, 1) && finite;
  const rows = wide || (usesRows(gp, 1) && finite);
  if (rows) {
    // gx[c][ih][iw] = sum over (co, kh, kw) of w[co][c][KH-1-kh][KW-1-kw] * G[co][ih + kh*dh][iw + kw*dw],
    // G the output gradient zero-padded by (KH-1)*dh - ph above and (KW-1)*dw - pw on the left
    const hg = H + (KH - 1) * dh, wg = W + (KW - 1) * dw, kTaps = coutG * taps;
    const Gp = scratch, aoff = scratch + <usize>(coutG * hg * wg + (wide ? wideSlack(gp) : 0)) * SZ, boff = aoff + <usize>kTaps * 4;
    const run = wideRun(H, wg), Q = boff + <usize>kTaps * 4, qrow = <usize>run * SZ;
    let p: usize = 0;
    for (let co = 0; co < coutG; co++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++, p++) {
      store<u32>(aoff + (p << 2), <u32>((co * K + (KH - 1 - kh) * KW + (KW - 1 - kw)) * <i32>SZ));
      store<u32>(boff + (p << 2), <u32>((co * hg * wg + kh * dh * wg + kw * dw) * <i32>SZ));
    }
    for (let n = 0; n < N; n++) {
      for (let g = 0; g < G; g++) {
        const gxg = gx + <usize>((n * cin + g * cinG) * H * W) * SZ;
        const wgp = w + <usize>(g * coutG * K) * SZ;
        padCopy<T>(gy + <usize>((n * cout + g * coutG) * HoWo) * SZ, coutG, Ho, Wo, Gp, hg, wg, (KH - 1) * dh - geo(gp, 11), (KW - 1) * dw - geo(gp, 12));
        if (wide) {
          gemm<T>(true, wgp, <usize>taps * SZ, aoff, Gp, boff, Q, qrow, <usize>cinG, <usize>kTaps, <usize>run, false);
          for (let c = 0; c < cinG; c++) {
            for (let ih = 0; ih < H; ih++) memory.copy(gxg + <usize>((c * H + ih) * W) * SZ, Q + <usize>c * qrow + <usize>(ih * wg) * SZ, <usize>W * SZ);
          }
          continue;
        }
        for (let ih = 0; ih < H; ih++) {
          gemm<T>(true, wgp, <usize>taps * SZ, aoff, Gp + <usize>(ih * wg) * SZ, boff, gxg + <usize>(ih * W) * SZ, <usize>(H * W) * SZ, <usize>cinG, <usize>kTaps, <usize>W, false);
        }
      }
    }
    return;
  }
  if (!direct) memory.fill(gx, 0, <usize>(N * cin * H * W) * SZ);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const gxg = gx + <usize>((n * cin + g * cinG) * H * W) * SZ;
      const wg = w + <usize>(g * coutG * K) * SZ;
      const gyg = gy + <usize>((n * cout + g * coutG) * HoWo) * SZ;
      // A = W_g^T: row r of A is column r of W_g (stride 1), its k-th element W_g[k][r] (stride K)
      if (direct) {
        gemm<T>(false, wg, SZ, <usize>K * SZ, gyg, orow, gxg, orow, <usize>K, <usize>coutG, <usize>HoWo, false);
        continue;
      }
      for (let j0 = 0; j0 < HoWo; j0 += NC) {
        const nc = min(NC, HoWo - j0);
        gemm<T>(false, wg, SZ, <usize>K * SZ, gyg + <usize>j0 * SZ, orow, scratch, <usize>nc * SZ, <usize>K, <usize>coutG, <usize>nc, false);
        walk<T>(2, gxg, gp, cinG, j0, nc, scratch);
      }
    }
  }
}

/** Tiles of 4 output channels x 2 taps of gw += dot products of gy rows and P rows (n vectors + tail). */
// @ts-ignore: decorator
@inline function weightDots<T>(gyg: usize, P: usize, boff: usize, gwg: usize, coutG: i32, K: i32, Ho: i32, Wo: i32, prow: usize): void {
  const SZ = <usize>sizeof<T>();
  const L: usize = 16 / SZ;
  const HoWo = <usize>(Ho * Wo), wo = <usize>Wo, kb = <usize>K * SZ;
  const zero = v128.splat<T>(<T>0);
  let co = 0;
  for (; co < coutG; co += 4) {
    const rowsCo = min(4, coutG - co);
    for (let r = 0; r < K; r += 2) {
      const two = r + 1 < K;
      let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
      let s00: T = 0, s01: T = 0, s10: T = 0, s11: T = 0, s20: T = 0, s21: T = 0, s30: T = 0, s31: T = 0;
      const p0 = P + <usize>load<u32>(boff + (<usize>r << 2));
      const p1 = two ? P + <usize>load<u32>(boff + (<usize>(r + 1) << 2)) : p0;
      // rows of gy past coutG read row co again (their sums are not stored)
      const g0 = gyg + <usize>co * HoWo * SZ;
      const g1 = rowsCo > 1 ? g0 + HoWo * SZ : g0, g2 = rowsCo > 2 ? g1 + HoWo * SZ : g0, g3 = rowsCo > 3 ? g2 + HoWo * SZ : g0;
      for (let oh = 0; oh < Ho; oh++) {
        const q = <usize>(oh * Wo) * SZ, qp = <usize>oh * prow;
        let t: usize = 0;
        for (; t + L <= wo; t += L) {
          const tb = t * SZ;
          const x0 = v128.load(p0 + qp + tb), x1 = v128.load(p1 + qp + tb);
          let y = v128.load(g0 + q + tb);
          c00 = fma<T>(c00, y, x0); c01 = fma<T>(c01, y, x1);
          y = v128.load(g1 + q + tb);
          c10 = fma<T>(c10, y, x0); c11 = fma<T>(c11, y, x1);
          y = v128.load(g2 + q + tb);
          c20 = fma<T>(c20, y, x0); c21 = fma<T>(c21, y, x1);
          y = v128.load(g3 + q + tb);
          c30 = fma<T>(c30, y, x0); c31 = fma<T>(c31, y, x1);
        }
        for (; t < wo; t++) {
          const tb = t * SZ;
          const x0 = load<T>(p0 + qp + tb), x1 = load<T>(p1 + qp + tb);
          let y = load<T>(g0 + q + tb); s00 += y * x0; s01 += y * x1;
          y = load<T>(g1 + q + tb); s10 += y * x0; s11 += y * x1;
          y = load<T>(g2 + q + tb); s20 += y * x0; s21 += y * x1;
          y = load<T>(g3 + q + tb); s30 += y * x0; s31 += y * x1;
        }
      }
      const o = gwg + <usize>co * kb + <usize>r * SZ;
      store<T>(o, load<T>(o) + hsum<T>(c00) + s00);
      if (two) store<T>(o + SZ, load<T>(o + SZ) + hsum<T>(c01) + s01);
      if (rowsCo > 1) {
        store<T>(o + kb, load<T>(o + kb) + hsum<T>(c10) + s10);
        if (two) store<T>(o + kb + SZ, load<T>(o + kb + SZ) + hsum<T>(c11) + s11);
      }
      if (rowsCo > 2) {
        store<T>(o + 2 * kb, load<T>(o + 2 * kb) + hsum<T>(c20) + s20);
        if (two) store<T>(o + 2 * kb + SZ, load<T>(o + 2 * kb + SZ) + hsum<T>(c21) + s21);
      }
      if (rowsCo > 3) {
        store<T>(o + 3 * kb, load<T>(o + 3 * kb) + hsum<T>(c30) + s30);
        if (two) store<T>(o + 3 * kb + SZ, load<T>(o + 3 * kb + SZ) + hsum<T>(c31) + s31);
      }
    }
  }
}

/** Whether none of the n elements at p is NaN or infinite. */
// @ts-ignore: decorator
@inline function allFinite<T>(p: usize, n: usize): bool {
  const SZ = <usize>sizeof<T>();
  const L: usize = 16 / SZ;
  let bad = v128.splat<i32>(0);
  let t: usize = 0;
  for (; t + L <= n; t += L) {
    const v = v128.load(p + t * SZ);
    const d = v128.sub<T>(v, v); // NaN exactly where v is not finite
    bad = v128.or(bad, v128.ne<T>(d, d));
  }
  for (; t < n; t++) {
    const v = load<T>(p + t * SZ);
    if (v - v != v - v) return false;
  }
  return !v128.any_true(bad);
}

/** The sum of a vector's lanes. */
// @ts-ignore: decorator
@inline function hsum<T>(v: v128): T {
  if (sizeof<T>() == 4) {
    return <T>(f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
  }
  return <T>(f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1));
}

// @ts-ignore: decorator
@inline function convBackwardWeight<T>(gy: usize, x: usize, gw: usize, gp: usize, scratch: usize): void {
  const SZ = <usize>sizeof<T>();
  const N = geo(gp, 0), cin = geo(gp, 1), H = geo(gp, 2), W = geo(gp, 3), cout = geo(gp, 4);
  const KH = geo(gp, 5), KW = geo(gp, 6), Ho = geo(gp, 7), Wo = geo(gp, 8), G = geo(gp, 15), NC = geo(gp, 16);
  const HoWo = Ho * Wo, cinG = cin / G, coutG = cout / G, K = cinG * KH * KW;
  const orow = <usize>HoWo * SZ;
  const wide = usesWide(gp, 2) && allFinite<T>(x, <usize>(N * cin * H * W));
  const rows = wide || usesRows(gp, 2);
  const hp = padRows(gp), wp = padCols(gp);
  const slack = wide ? wideSlack(gp) : 0;
  const P = scratch, boff = scratch + <usize>(cinG * hp * wp + slack) * SZ;
  if (rows) tapOffsets<T>(boff, cinG, KH, KW, hp, wp, geo(gp, 13), geo(gp, 14));
  // wide: the output gradient with zeros between its rows, Gq [coutG][run]; finite past P's end
  const run = wideRun(Ho, wp), Gq = boff + <usize>K * 4, grow = <usize>run * SZ;
  if (wide) {
    memory.fill(P + <usize>(cinG * hp * wp) * SZ, 0, <usize>slack * SZ);
    memory.fill(Gq, 0, <usize>coutG * grow);
  }
  memory.fill(gw, 0, <usize>(cout * K) * SZ);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const xg = x + <usize>((n * cin + g * cinG) * H * W) * SZ;
      const gwg = gw + <usize>(g * coutG * K) * SZ;
      const gyg = gy + <usize>((n * cout + g * coutG) * HoWo) * SZ;
      if (wide) {
        padCopy<T>(xg, cinG, H, W, P, hp, wp, geo(gp, 11), geo(gp, 12));
        for (let co = 0; co < coutG; co++) {
          for (let oh = 0; oh < Ho; oh++) memory.copy(Gq + <usize>co * grow + <usize>(oh * wp) * SZ, gyg + <usize>co * orow + <usize>(oh * Wo) * SZ, <usize>Wo * SZ);
        }
        weightDots<T>(Gq, P, boff, gwg, coutG, K, 1, run, 0);
        continue;
      }
      if (rows) {
        padCopy<T>(xg, cinG, H, W, P, hp, wp, geo(gp, 11), geo(gp, 12));
        weightDots<T>(gyg, P, boff, gwg, coutG, K, Ho, Wo, <usize>(geo(gp, 9) * wp) * SZ);
        continue;
      }
      for (let j0 = 0; j0 < HoWo; j0 += NC) {
        const nc = min(NC, HoWo - j0);
        walk<T>(1, xg, gp, cinG, j0, nc, scratch);
        gemm<T>(false, gyg + <usize>j0 * SZ, orow, SZ, scratch, <usize>K * SZ, gwg, <usize>K * SZ, <usize>coutG, <usize>nc, <usize>K, true);
      }
    }
  }
}

/** out = conv2d(x, w) + bias (float32); bias 0 for none; scratch: conv2d_scratch(gp, 0, 4) bytes. */
export function conv2d_f32(x: usize, w: usize, bias: usize, out: usize, gp: usize, scratch: usize): void { convForward<f32>(x, w, bias, out, gp, scratch); }
/** conv2d_f32 in float64. */
export function conv2d_f64(x: usize, w: usize, bias: usize, out: usize, gp: usize, scratch: usize): void { convForward<f64>(x, w, bias, out, gp, scratch); }
/** gx = the gradient of conv2d with respect to its input, for output gradient gy (float32). */
export function conv2d_input_grad_f32(gy: usize, w: usize, gx: usize, gp: usize, scratch: usize): void { convBackwardInput<f32>(gy, w, gx, gp, scratch); }
/** conv2d_input_grad_f32 in float64. */
export function conv2d_input_grad_f64(gy: usize, w: usize, gx: usize, gp: usize, scratch: usize): void { convBackwardInput<f64>(gy, w, gx, gp, scratch); }
/** gw = the gradient of conv2d with respect to its weight, for output gradient gy (float32). */
export function conv2d_weight_grad_f32(gy: usize, x: usize, gw: usize, gp: usize, scratch: usize): void { convBackwardWeight<f32>(gy, x, gw, gp, scratch); }
/** conv2d_weight_grad_f32 in float64. */
export function conv2d_weight_grad_f64(gy: usize, x: usize, gw: usize, gp: usize, scratch: usize): void { convBackwardWeight<f64>(gy, x, gw, gp, scratch); }
