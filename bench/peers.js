// Loads the libraries under test: wasmgrad (by package name, so dist/ as a user gets it)
// and TensorFlow.js: tfjs-core with its cpu and wasm backends. tf is imported from the
// @tensorflow/tfjs package (same pinned version; it re-exports tfjs-core and brings the cpu
// backend) because tfjs-core's Node build registers no gradients: the gradient registrations
// ship only as extensionless ES modules, which Node cannot load, or inside @tensorflow/tfjs's
// Node bundle. Without them tf.grad and optimizers fail ("gradient function not found").
// The tfjs packages live in bench/deps (installed by `npm run bench`, not by the quick start).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as torch from "wasmgrad";

const require = createRequire(new URL("./deps/package.json", import.meta.url));
const importPeer = (name) => import(pathToFileURL(require.resolve(name)).href);
const tf = await importPeer("@tensorflow/tfjs");
const tfwasm = await importPeer("@tensorflow/tfjs-backend-wasm");

export { torch, tf };

/** wasmgrad's peers: "wasmgrad-wasm" and "wasmgrad-js" (torch.setBackend), "tfjs-cpu" and "tfjs-wasm" (tf.setBackend). */
export const WASMGRAD = ["wasmgrad-wasm", "wasmgrad-js"];
export const TFJS = ["tfjs-cpu", "tfjs-wasm"];

export function wasmgradBackend(peer) { return peer === "wasmgrad-wasm" ? "wasm" : "js"; }
export function tfjsBackend(peer) { return peer === "tfjs-cpu" ? "cpu" : "wasm"; }

/** Make `peer` current (for tfjs, tf.setBackend; the backends are kept once made, so this is cheap). */
export async function activate(peer) {
  if (WASMGRAD.includes(peer)) torch.setBackend(wasmgradBackend(peer));
  else {
    const name = tfjsBackend(peer);
    if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to start`);
  }
}

export function wasmgradMemory() {
  const m = torch.memory();
  return { tensors: m.tensors, bytes: m.bytesInUse };
}

export function tfjsMemory() {
  const m = tf.memory();
  return { tensors: m.numTensors, bytes: m.numBytes };
}

/**
 * Start tfjs's wasm backend from its files in node_modules. In Node the package's main is
 * the CommonJS build, whose Emscripten loader reads the .wasm file with `fs` from the
 * prefix given to setWasmPaths (a directory path ending in a separator). It picks
 * tfjs-backend-wasm-simd.wasm when WASM_HAS_SIMD_SUPPORT, and the threaded one only if
 * WASM_HAS_MULTITHREAD_SUPPORT, which tfjs 4.x always reports false under Node. We watch
 * which file it actually reads, to report it.
 */
export async function startTfjs() {
  const distDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
  tfwasm.setWasmPaths(distDir + path.sep);
  const loaded = new Set();
  const { readFile, readFileSync } = fs;
  fs.readFile = function (file, ...rest) {
    if (String(file).endsWith(".wasm")) loaded.add(path.basename(String(file)));
    return readFile.call(this, file, ...rest);
  };
  fs.readFileSync = function (file, ...rest) {
    if (String(file).endsWith(".wasm")) loaded.add(path.basename(String(file)));
    return readFileSync.call(this, file, ...rest);
  };
  try {
    if (!(await tf.setBackend("wasm"))) throw new Error("tfjs wasm backend failed to start");
  } finally {
    fs.readFile = readFile;
    fs.readFileSync = readFileSync;
  }
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  const threadCount = tf.backend().wasm.tfjs.getThreadsCount();
  if (!(await tf.setBackend("cpu"))) throw new Error("tfjs cpu backend failed to start");
  // the cpu backend's first tensor prints an advert for tfjs-node; keep it out of the tables
  const warn = console.warn;
  console.warn = () => {};
  try { tf.tensor([0]).dispose(); } finally { console.warn = warn; }
  return {
    version: tf.version_core,
    wasmVersion: tfwasm.version_wasm,
    wasmBinary: [...loaded].join(", ") || "(not seen)",
    simd,
    threads,
    threadCount,
  };
}

/**
 * Read one element of a tfjs tensor: the backend's readSync (what dataSync() calls), which
 * waits for the tensor's data; the wasm backend copies just elements [0, 1), the cpu one
 * returns its array. Not tf.slice(t, 0, 1).dataSync(): that allocates a second tensor while
 * the output is alive, and on 1M-element outputs this alone sends tfjs-wasm's allocator
 * into a path costing ~2.5 ms more per op (measured), which wasmgrad's allocation-free
 * one-element read does not pay.
 */
export function tfFirst(t) {
  return tf.backend().readSync(t.dataId, 0, 1)[0];
}

/** Read one element of a wasmgrad tensor. */
export function torchFirst(t) {
  return t.numel() === 1 ? t.item() : t.flatten().index(0).item();
}
