/** Runners of panama-rnn: a cell over a sequence, with TF1, Keras and ONNX sequence semantics. */
module io.github.panamarnn.unroll {
    requires transitive io.github.panamarnn.cells;
    exports io.github.panamarnn.unroll;
}
