import * as tf from '@tensorflow/tfjs';

/** Keras 3's `use_ema` arguments of every optimizer (BaseOptimizer). */
export interface EmaOptions {
  /** `average = momentum · average + (1 - momentum) · variable` after each update (Keras' ema_momentum, 0.99). */
  momentum: number;
  /** Every this many iterations the variables are overwritten with their averages (Keras' ema_overwrite_frequency); absent: only at the end of fit. */
  overwriteFrequency?: number;
}

/** The suffix of an average's entry in the optimizer's weights, as Keras names the variable (`<path>_average`). */
const AVERAGE = '/average';

/** The averages of an optimizer with EMA, and the model variables they follow (known from its first update). */
interface EmaState {
  averages: tf.Variable[];
  variables?: tf.Variable[];
}

const states = new WeakMap<tf.Optimizer, EmaState>();

/**
 * Adds Keras 3's exponential moving average of the weights to an optimizer. Keras keeps it in the
 * optimizer (BaseOptimizer._backend_apply_gradients), so it does here too: after each update —
 * of Kiln's loop, data-parallel replicas' averaged gradients or a user's train step alike, since
 * all go through applyGradients — every variable the optimizer was first applied to is averaged,
 * the first average being the variable itself; every `overwriteFrequency` iterations the variables
 * take their averages. The averages are part of the optimizer's weights (getWeights/setWeights), so
 * checkpoints carry them and a resumed run continues them exactly. Wrap this around the other Keras
 * options, so that it sees the variables after clipping, decay and the update.
 */
export function withEma(optimizer: tf.Optimizer, opts: EmaOptions): tf.Optimizer {
  const state: EmaState = { averages: [] };
  states.set(optimizer, state);
  const apply = optimizer.applyGradients.bind(optimizer);
  optimizer.applyGradients = (given: Parameters<tf.Optimizer['applyGradients']>[0]) => {
    // Keras reads its iteration count before the update increments it.
    const iteration = optimizer.iterations;
    apply(given);
    state.variables ??= buildOn(state, Array.isArray(given) ? given.map((g) => g.name) : Object.keys(given));
    tf.tidy(() => {
      const momentum = iteration === 0 ? 0 : opts.momentum;
      state.variables!.forEach((variable, i) => {
        const average = state.averages[i]!;
        average.assign(tf.add(tf.mul(average, momentum), tf.mul(variable, 1 - momentum)));
      });
    });
    if (opts.overwriteFrequency && (iteration + 1) % opts.overwriteFrequency === 0) overwrite(state);
  };

  const getWeights = optimizer.getWeights.bind(optimizer);
  optimizer.getWeights = async () => [
    ...(await getWeights()),
    ...state.averages.map((average, i) => ({
      name: `${state.variables?.[i]?.name ?? i}${AVERAGE}`,
      tensor: average as tf.Tensor,
    })),
  ];
  const setWeights = optimizer.setWeights.bind(optimizer);
  optimizer.setWeights = async (weights: Parameters<tf.Optimizer['setWeights']>[0]) => {
    const own = weights.filter((w) => w.name.endsWith(AVERAGE));
    await setWeights(weights.filter((w) => !w.name.endsWith(AVERAGE)));
    // Positional, as Keras' load_own_variables and tfjs' own slots are: names of a rebuilt model may differ.
    tf.dispose(state.averages);
    state.averages = own.map((w) => tf.variable(w.tensor, false));
    state.variables = undefined;
  };
  const dispose = optimizer.dispose.bind(optimizer);
  optimizer.dispose = () => {
    tf.dispose(state.averages);
    state.averages = [];
    dispose();
  };
  return optimizer;
}

/** Keras' build: the variables of the first update, and a zero average for each (unless restored). */
function buildOn(state: EmaState, names: string[]): tf.Variable[] {
  const variables = names.map((name) => {
    const variable = tf.engine().registeredVariables[name];
    if (!variable) throw new Error(`EMA: the optimizer was applied to an unknown variable '${name}'`);
    return variable;
  });
  if (state.averages.length === 0) {
    state.averages = variables.map((v) => {
      const zeros = tf.zerosLike(v);
      const average = tf.variable(zeros, false);
      zeros.dispose(); // the variable holds the data
      return average;
    });
  } else if (
    state.averages.length !== variables.length ||
    state.averages.some((a, i) => !tf.util.arraysEqual(a.shape, variables[i]!.shape))
  ) {
    throw new Error(
      `EMA: the restored averages (${state.averages.length}) do not match the ${variables.length} variables being trained`,
    );
  }
  return variables;
}

function overwrite(state: EmaState, variables = state.variables): void {
  if (!variables) return;
  if (variables.length !== state.averages.length)
    throw new Error(
      `EMA: ${variables.length} variables to overwrite, but the optimizer averages ${state.averages.length}`,
    );
  variables.forEach((variable, i) => variable.assign(state.averages[i]!));
}

/**
 * Keras' `optimizer.finalize_variable_values(model.trainable_weights)`, which its fit calls once the
 * epochs are done: with EMA, the model's weights become their averages. Nothing without EMA, or
 * before any average exists.
 */
export function finalizeVariableValues(optimizer: tf.Optimizer, variables: tf.Variable[]): void {
  const state = states.get(optimizer);
  if (!state || state.averages.length === 0) return;
  overwrite(state, variables);
}
