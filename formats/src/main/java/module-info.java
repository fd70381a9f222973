/** Model files users have (Keras .keras/.h5, ONNX, .safetensors, NumPy .npy/.npz), read into cells, runners and whole models. */
module io.github.panamarnn.formats {
    requires transitive io.github.panamarnn.model;
    requires com.fasterxml.jackson.databind;
    requires io.jhdf;
    // What jHDF (an automatic module) needs at run time, so that the module path resolves it: without these a .keras or
    // .h5 load ends in NoClassDefFoundError unless the user adds --add-modules ALL-MODULE-PATH.
    requires org.slf4j;
    requires org.apache.commons.lang3;
    requires com.ning.compress.lzf;
    requires org.lz4.java;
    exports io.github.panamarnn.formats;
}
