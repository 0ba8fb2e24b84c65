import * as tf from '@tensorflow/tfjs';
import { forwardLoss, type OutputHead } from './heads.ts';
import { sampleWeights } from './sample-weights.ts';

/** One forward and backward pass over a batch (or a replica's shard of one). A type, not an interface, so tidy can return it. */
export type BatchGradients = {
  loss: tf.Scalar;
  perHead: tf.Scalar[];
  preds: tf.Tensor[];
  /** By variable name; a variable the loss does not reach has no entry (the optimizer then leaves it alone). */
  grads: tf.NamedTensorMap;
};

/**
 * The loss of `xs`/`ys` and its gradients with respect to `trainable`. Shared by single-replica
 * training and every data-parallel replica, so both compute exactly the same thing. A tensor in `ys`
 * beyond the heads' is the rows' sample weights (it travels with the targets, so a replica's shard
 * carries its rows' weights); class weights multiply them. Call it inside a tidy; every tensor
 * returned belongs to that tidy.
 */
export function batchGradients(
  model: tf.LayersModel,
  heads: OutputHead[],
  trainable: tf.Variable[],
  xs: tf.Tensor[],
  ys: tf.Tensor[],
  classWeight?: Record<string, number>,
): BatchGradients {
  const given = ys.length > heads.length ? tf.reshape(ys[heads.length]!, [-1]) : undefined;
  const targets = ys.slice(0, heads.length);
  const byClass = classWeight ? sampleWeights(targets[0]!, classWeight) : undefined;
  const weights = given && byClass ? tf.mul(given, byClass) : (given ?? byClass);
  let kept: { perHead: tf.Scalar[]; preds: tf.Tensor[] } | undefined;
  // variableGrads runs the loss in a scope of its own: keep what we want back from inside it.
  const { value, grads } = tf.variableGrads(() => {
    const out = forwardLoss(model, heads, xs, targets, true, weights);
    kept = { perHead: out.perHead.map((t) => tf.keep(t)), preds: out.preds.map((t) => tf.keep(t)) };
    return out.total;
  }, trainable);
  // Clones (which share the buffers) belong to the caller's tidy, like `value` and `grads` do.
  const perHead = kept!.perHead.map((t) => t.clone());
  const preds = kept!.preds.map((t) => t.clone());
  tf.dispose([...kept!.perHead, ...kept!.preds]);
  return { loss: value, perHead, preds, grads };
}
