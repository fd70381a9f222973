/** Model files users have (NumPy .npy/.npz, .safetensors), read directly and mapped onto cells and runners. */
module io.github.panamarnn.formats {
    requires transitive io.github.panamarnn.unroll;
    requires com.fasterxml.jackson.databind;
    exports io.github.panamarnn.formats;
}
