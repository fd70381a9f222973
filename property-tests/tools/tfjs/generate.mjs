// Writes ../../src/test/resources/tfjs-models/<id>.json: each a Keras-config model (model.toJSON()), its weights
// per layer in layer.getWeights() order, an input and TensorFlow.js's own outputs for it (cpu backend, float32).
// KerasModels.fromConfig must load the config and reproduce the outputs (TfjsModelsTest).
//
//   cd property-tests/tools/tfjs && npm install && node generate.mjs
//
// Deterministic: weights and inputs come from a seeded generator, not from tfjs's initializers.
import * as tf from '@tensorflow/tfjs';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

await tf.setBackend('cpu');
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'test', 'resources', 'tfjs-models');
mkdirSync(OUT, { recursive: true });

let seed = 20261201;
function rand() { // mulberry32
  seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const uniform = (n, scale) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
const tensorJson = (t) => ({ shape: t.shape, data: Array.from(t.dataSync()) });

function randomizeWeights(model) {
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length) layer.setWeights(ws.map((w) => tf.tensor(uniform(w.size, 0.6), w.shape)));
  }
}

function save(id, model, x, what) {
  randomizeWeights(model);
  let y = model.predict(x);
  const ys = Array.isArray(y) ? y : [y];
  const weights = {};
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length) weights[layer.name] = ws.map(tensorJson);
  }
  const json = model.toJSON(null, false);
  const doc = {
    id: 'tfjs-models/' + id,
    source: 'tfjs-' + tf.version.tfjs + ' (cpu backend)',
    what,
    keras_version: json.keras_version,
    model: json,
    weights,
    inputs: { x: tensorJson(x) },
    expected: Object.fromEntries(ys.map((t, i) => [i === 0 ? 'output' : 'output_' + i, tensorJson(t)])),
  };
  writeFileSync(join(OUT, id + '.json'), JSON.stringify(doc) + '\n');
  console.log('wrote', id, ys.map((t) => t.shape));
}

const L = tf.layers;
const X = (b, t, d, scale = 1.5) => tf.tensor(uniform(b * t * d, scale), [b, t, d]);

// RNN(cell) for each cell, with activations Keras 3 and TF.js share
save('rnn_simple_cell_relu6', tf.sequential({ layers: [
  L.rnn({ cell: L.simpleRNNCell({ units: 6, activation: 'relu6' }), returnSequences: true, inputShape: [null, 4] })] }),
  X(3, 7, 4, 3), 'RNN(SimpleRNNCell(relu6)), return_sequences');
save('rnn_gru_cell_mish_backwards', tf.sequential({ layers: [
  L.rnn({ cell: L.gruCell({ units: 5, activation: 'mish', recurrentActivation: 'hardSigmoid' }), goBackwards: true, inputShape: [null, 3] })] }),
  X(2, 6, 3), 'RNN(GRUCell(mish, hard_sigmoid)), go_backwards, last output');
save('rnn_lstm_cell_swish', tf.sequential({ layers: [
  L.rnn({ cell: L.lstmCell({ units: 4, activation: 'swish', useBias: false }), returnSequences: true, inputShape: [null, 5] })] }),
  X(2, 5, 5), 'RNN(LSTMCell(swish, no bias)), return_sequences');
save('rnn_stacked_cells', tf.sequential({ layers: [
  L.rnn({ cell: L.stackedRNNCells({ cells: [L.lstmCell({ units: 6 }), L.gruCell({ units: 5, activation: 'gelu' }),
    L.simpleRNNCell({ units: 4, activation: 'gelu_new' })] }), returnSequences: true, inputShape: [null, 3] })] }),
  X(3, 6, 3), 'RNN(StackedRNNCells(LSTMCell, GRUCell(gelu), SimpleRNNCell(gelu_new))), return_sequences');
// Activations, one layer each, stacked
save('activations_stack', tf.sequential({ layers: [
  L.simpleRNN({ units: 5, activation: 'elu', returnSequences: true, inputShape: [null, 4] }),
  L.simpleRNN({ units: 5, activation: 'selu', returnSequences: true }),
  L.gru({ units: 4, activation: 'softsign', recurrentActivation: 'softplus', returnSequences: true }),
  L.lstm({ units: 4, activation: 'linear', recurrentActivation: 'hardSigmoid', returnSequences: true }),
  L.simpleRNN({ units: 3, activation: 'sigmoid' })] }),
  X(2, 6, 4), 'elu, selu, softsign/softplus, linear/hard_sigmoid, sigmoid');
// Embedding in front, with and without mask_zero
{
  const ids = tf.tensor([[3, 1, 0, 7, 0, 0], [0, 12, 5, 5, 19, 2], [4, 0, 0, 0, 0, 0]], [3, 6]);
  save('embedding_mask_zero_lstm', tf.sequential({ layers: [
    L.embedding({ inputDim: 20, outputDim: 6, maskZero: true, inputShape: [null] }),
    L.lstm({ units: 5, returnSequences: true })] }), ids, 'Embedding(20, 6, mask_zero) -> LSTM(5), return_sequences');
  save('embedding_gru_dense', tf.sequential({ layers: [
    L.embedding({ inputDim: 20, outputDim: 4, inputShape: [null] }),
    L.gru({ units: 6 }), L.dense({ units: 3, activation: 'tanh' })] }), ids, 'Embedding(20, 4) -> GRU(6) -> Dense(3, tanh)');
}
// Bidirectional: merge_mode=None (two outputs), and around RNN(cell)
{
  const inp = tf.input({ shape: [null, 3] });
  const outs = L.bidirectional({ layer: L.lstm({ units: 4, returnSequences: true }), mergeMode: null }).apply(inp);
  save('bidirectional_merge_none', tf.model({ inputs: inp, outputs: outs }), X(2, 5, 3),
    'Functional: Bidirectional(LSTM(4), merge_mode=None), both outputs');
}
{
  const inp = tf.input({ shape: [null, 3] });
  const h = L.gru({ units: 5, returnSequences: true }).apply(inp);
  const outs = L.bidirectional({ layer: L.simpleRNN({ units: 3 }), mergeMode: null }).apply(h);
  save('bidirectional_merge_none_last', tf.model({ inputs: inp, outputs: outs }), X(3, 4, 3),
    'Functional: GRU -> Bidirectional(SimpleRNN(3), merge_mode=None), both last outputs');
}
// (Bidirectional(RNN(cell)) is not in this list: tfjs 4.22 cannot construct it, its RNN.fromConfig fails on a live cell.)
save('bidirectional_gru_ave', tf.sequential({ layers: [
  L.bidirectional({ layer: L.gru({ units: 4, returnSequences: true, activation: 'relu6' }), mergeMode: 'ave', inputShape: [null, 3] })] }),
  X(2, 5, 3), 'Bidirectional(GRU(4, relu6), ave)');
// return_state in a single-chain functional model: only the output is read
{
  const inp = tf.input({ shape: [null, 4] });
  const [seqOut] = L.lstm({ units: 5, returnSequences: true, returnState: true }).apply(inp);
  const [last] = L.gru({ units: 3, returnState: true }).apply(seqOut);
  const out = L.dense({ units: 2 }).apply(last);
  save('functional_return_state_chain', tf.model({ inputs: inp, outputs: out }), X(2, 6, 4),
    'Functional: LSTM(return_state) -> its output -> GRU(return_state) -> its output -> Dense');
}
