/**
 * The ADBench GMM objective in tfjs-core (cpu backend, float32: the backend has no float64), written
 * the way a tfjs user would, with batched tensors, and its gradient by `tf.grads` (a run-time tape).
 * Run with `node --import ./bench/tfjs-resolve.mjs`: tfjs-core registers its gradients only from its
 * ESM sources, whose relative imports have no file extension.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";

await tf.setBackend("cpu");

const PI = 3.14159265359;

/** Objective and gradient functions for one input (constants built once). */
export function tfjsGmm(input, logGammaDistrib) {
  const { d, k, n, wishartGamma, wishartM } = input;
  const icfSize = (d * (d + 1)) / 2;
  const f32 = (v) => Float32Array.from(v);
  const x = tf.tensor2d(f32(input.x), [n, d]);
  // Gather map for the strictly-lower entries, column by column, into a d x d matrix (0: a zero).
  const index = new Int32Array(d * d);
  let l = 1;
  for (let c = 0; c < d; c++) for (let r = c + 1; r < d; r++) index[r * d + c] = l++;
  const lowerIndex = tf.tensor1d(index, "int32");
  const eye = tf.eye(d);
  const N = d + wishartM + 1;
  const C = N * d * (Math.log(wishartGamma) - 0.5 * Math.log(2)) - logGammaDistrib(0.5 * N, d);
  const CONSTANT = -n * d * 0.5 * Math.log(2 * PI);

  const objective = (alphas, means, icf) => {
    const q = tf.slice(icf, [0, 0], [k, d]);
    const lparams = tf.slice(icf, [0, d], [k, icfSize - d]);
    const Qdiags = tf.exp(q);
    const sumQs = tf.sum(q, 1);
    const padded = tf.concat([tf.zeros([k, 1]), lparams], 1);
    const lower = tf.reshape(tf.gather(padded, lowerIndex, 1), [k, d, d]);
    const Q = tf.add(lower, tf.mul(tf.reshape(Qdiags, [k, 1, d]), eye));
    const xcentered = tf.sub(tf.reshape(x, [1, n, d]), tf.reshape(means, [k, 1, d])); // [k, n, d]
    const Qx = tf.matMul(xcentered, Q, false, true); // [k, n, d]
    const mainTerm = tf.sub(tf.reshape(tf.add(alphas, sumQs), [k, 1]), tf.mul(0.5, tf.sum(tf.square(Qx), 2))); // [k, n]
    const slse = tf.sum(tf.logSumExp(mainTerm, 0));
    const lseAlphas = tf.logSumExp(alphas);
    const frobenius = tf.add(tf.sum(tf.square(Qdiags)), tf.sum(tf.square(lparams)));
    const prior = tf.sub(tf.mul(0.5 * wishartGamma * wishartGamma, frobenius), tf.mul(wishartM, tf.sum(sumQs)));
    return tf.add(tf.add(tf.sub(slse, tf.mul(n, lseAlphas)), CONSTANT), tf.sub(prior, k * C));
  };
  const params = () => [tf.tensor1d(f32(input.alphas)), tf.tensor2d(f32(input.means), [k, d]), tf.tensor2d(f32(input.icf), [k, icfSize])];
  const grads = tf.grads(objective);
  return {
    value() {
      return tf.tidy(() => objective(...params()).dataSync()[0]);
    },
    gradient() {
      return tf.tidy(() => grads(params()).map((g) => g.dataSync()));
    },
  };
}
