// 2-D pooling over planes (N*C contiguous H x W planes), in PyTorch 1.13's CPU order of
// operations (aten/src/ATen/native/cpu/{MaxPool,AvgPool,AdaptiveAvgPool}Kernel.cpp):
//   MAX           out = the window's max (NaN wins, the first of ties), idx = its flat h*W + w
//   AVG           out = the window's sum / divisor (padding counted or not, or an override)
//   ADAPTIVE_AVG  out = the mean of rows [floor(oh*H/Ho), ceil((oh+1)*H/Ho)) and likewise columns
//   GATHER        out = x[idx] per plane (max pooling's double backward)
// and each one's adjoint (backward): the output gradient added back over the windows.
// Memory-bound and short-windowed: plain scalar loops, nothing allocated.
//
// Geometry (`gp`, i32): planes, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad, divisor.
import { Pool } from "../abi";

// @ts-ignore: decorator
@inline function geo(gp: usize, i: i32): i32 { return load<i32>(gp + <usize>(i << 2)); }

// @ts-ignore: decorator
@inline function poolT<T>(op: i32, x: usize, out: usize, idx: usize, gp: usize, backward: bool): void {
  const SZ = <usize>sizeof<T>();
  const P = geo(gp, 0), H = geo(gp, 1), W = geo(gp, 2), Ho = geo(gp, 3), Wo = geo(gp, 4);
  const kH = geo(gp, 5), kW = geo(gp, 6), sH = geo(gp, 7), sW = geo(gp, 8), pH = geo(gp, 9), pW = geo(gp, 10);
  const dH = geo(gp, 11), dW = geo(gp, 12), countPad = geo(gp, 13) != 0, divisor = geo(gp, 14);
  const inPlane = <usize>(H * W), outPlane = <usize>(Ho * Wo);
  // backward: x is the output gradient ([P, Ho, Wo]) and out the input gradient ([P, H, W])
  if (backward) memory.fill(out, 0, <usize>P * inPlane * SZ);
  for (let p = 0; p < P; p++) {
    const xi = x + <usize>p * (backward ? outPlane : inPlane) * SZ;
    const oi = out + <usize>p * (backward ? inPlane : outPlane) * SZ;
    const ii = idx + <usize>p * outPlane * 4;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const o = <usize>(oh * Wo + ow);
        if (op == Pool.MAX || op == Pool.GATHER) {
          if (op == Pool.GATHER || backward) {
            const at = <usize>load<i32>(ii + o * 4);
            if (backward) store<T>(oi + at * SZ, load<T>(oi + at * SZ) + load<T>(xi + o * SZ));
            else store<T>(oi + o * SZ, load<T>(xi + at * SZ));
            continue;
          }
          let ih0 = oh * sH - pH, iw0 = ow * sW - pW;
          const ih1 = min(ih0 + (kH - 1) * dH + 1, H), iw1 = min(iw0 + (kW - 1) * dW + 1, W);
          while (ih0 < 0) ih0 += dH;
          while (iw0 < 0) iw0 += dW;
          let best = <T>(-Infinity), at = ih0 * W + iw0;
          for (let ih = ih0; ih < ih1; ih += dH) {
            for (let iw = iw0; iw < iw1; iw += dW) {
              const q = ih * W + iw;
              const v = load<T>(xi + <usize>q * SZ);
              if (v > best || v != v) { best = v; at = q; }
            }
          }
          store<T>(oi + o * SZ, best);
          store<i32>(ii + o * 4, at);
        } else {
          let ih0: i32, ih1: i32, iw0: i32, iw1: i32;
          let div: T;
          if (op == Pool.AVG) {
            ih0 = oh * sH - pH; iw0 = ow * sW - pW;
            ih1 = min(ih0 + kH, H + pH); iw1 = min(iw0 + kW, W + pW);
            const poolSize = (ih1 - ih0) * (iw1 - iw0);
            ih0 = max(ih0, 0); iw0 = max(iw0, 0); ih1 = min(ih1, H); iw1 = min(iw1, W);
            if (ih0 >= ih1 || iw0 >= iw1) { if (!backward) store<T>(oi + o * SZ, <T>0); continue; }
            div = <T>(divisor != 0 ? divisor : countPad ? poolSize : (ih1 - ih0) * (iw1 - iw0));
          } else {
            ih0 = <i32>((<i64>oh * H) / Ho); ih1 = <i32>((<i64>(oh + 1) * H + Ho - 1) / Ho);
            iw0 = <i32>((<i64>ow * W) / Wo); iw1 = <i32>((<i64>(ow + 1) * W + Wo - 1) / Wo);
            div = <T>1;
          }
          const kh = <T>(ih1 - ih0), kw = <T>(iw1 - iw0);
          if (backward) {
            const g = op == Pool.AVG ? load<T>(xi + o * SZ) / div : load<T>(xi + o * SZ) / kh / kw;
            for (let ih = ih0; ih < ih1; ih++) {
              for (let iw = iw0; iw < iw1; iw++) {
                const q = oi + <usize>(ih * W + iw) * SZ;
                store<T>(q, load<T>(q) + g);
              }
            }
          } else {
            let sum = <T>0;
            for (let ih = ih0; ih < ih1; ih++) {
              for (let iw = iw0; iw < iw1; iw++) sum += load<T>(xi + <usize>(ih * W + iw) * SZ);
            }
            store<T>(oi + o * SZ, op == Pool.AVG ? sum / div : sum / kh / kw);
          }
        }
      }
    }
  }
}

/** Pooling (float32): see the Pool op codes; idx (int32, [planes, ho, wo]) written by MAX, read by GATHER. */
export function pool2d_f32(op: i32, x: usize, out: usize, idx: usize, gp: usize): void { poolT<f32>(op, x, out, idx, gp, false); }
/** pool2d_f32 in float64. */
export function pool2d_f64(op: i32, x: usize, out: usize, idx: usize, gp: usize): void { poolT<f64>(op, x, out, idx, gp, false); }
/** The adjoint of pool2d_f32 (MAX and GATHER both add gy at idx): gx from the output gradient gy. */
export function pool2d_backward_f32(op: i32, gy: usize, gx: usize, idx: usize, gp: usize): void { poolT<f32>(op, gy, gx, idx, gp, true); }
/** pool2d_backward_f32 in float64. */
export function pool2d_backward_f64(op: i32, gy: usize, gx: usize, idx: usize, gp: usize): void { poolT<f64>(op, gy, gx, idx, gp, true); }
