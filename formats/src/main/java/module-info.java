/** Model files users have (Keras .keras/.h5, ONNX, .safetensors, NumPy .npy/.npz), read into cells, runners and whole models. */
module io.github.panamarnn.formats {
    requires transitive io.github.panamarnn.unroll;
    requires com.fasterxml.jackson.databind;
    requires io.jhdf;
    exports io.github.panamarnn.formats;
}
