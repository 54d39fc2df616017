// The whole wasm ABI (re-exports only). Pointers are byte offsets into `memory`;
// strides, offsets and counts elsewhere are in elements. See src/backend/wasm/index.ts.
export { alloc, allocUninit, allocWithin, free, capacity, zero } from "./memory";
export { unary_f32, unary_f64, unary_i32, binary_f32, binary_f64, binary_i32, where_f32, where_f64, where_i32, where_u8, unary_params_f32, unary_params_f64, unary_backward_f32, unary_backward_f64 } from "./kernels/elementwise";
export { reduce_f32, reduce_f64, reduce_i32 } from "./kernels/reduce";
export { matmul_f32, matmul_f64 } from "./kernels/matmul";
export { copy, fill } from "./kernels/copy";
export {
  conv2d_scratch, conv2d_f32, conv2d_f64, conv2d_input_grad_f32, conv2d_input_grad_f64, conv2d_weight_grad_f32, conv2d_weight_grad_f64,
} from "./kernels/conv";
export { pool2d_f32, pool2d_f64, pool2d_backward_f32, pool2d_backward_f64 } from "./kernels/pool";
export { scan_f32, scan_f64, scan_i32, cumprod_backward_f32, cumprod_backward_f64 } from "./kernels/scan";
export { gather_1, gather_4, gather_8, scatter_1, scatter_4, scatter_8, scatter_add_f32, scatter_add_f64, scatter_add_i32 } from "./kernels/gather";
export { layer_norm_f32, layer_norm_f64, layer_norm_backward_f32, layer_norm_backward_f64 } from "./kernels/layernorm";
export { softmax_f32, softmax_f64, softmax_backward_f32, softmax_backward_f64 } from "./kernels/softmax";
export { batch_norm_stats_f32, batch_norm_stats_f64, batch_norm_forward_f32, batch_norm_forward_f64, batch_norm_backward_f32, batch_norm_backward_f64 } from "./kernels/batchnorm";
