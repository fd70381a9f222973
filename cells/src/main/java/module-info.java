/**
 * Recurrent cells of panama-rnn: LSTM, GRU and simple RNN cells built from TensorFlow 1.x, Keras,
 * ONNX or PyTorch weights, converted once into the packed layout of the kernels module.
 */
module io.github.panamarnn.cells {
    requires transitive io.github.panamarnn.kernels;
    requires java.management;
    requires jdk.jfr;
    exports io.github.panamarnn.cells;
}
