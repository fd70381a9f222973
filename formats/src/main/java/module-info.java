/**
 * Model files users have, one package per source, each reading a file into the layers of a
 * {@link io.github.panamarnn.model.Model}: {@code keras} (.keras, .h5), {@code onnx} (graphs, compiled to layers
 * or interpreted), {@code torch} (state_dicts), {@code tf1} (TF1 variables) and {@code tensors} (the containers: .npy,
 * .npz, .safetensors). {@link io.github.panamarnn.formats.ModelFiles} opens any of them by its extension.
 */
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
    exports io.github.panamarnn.formats.keras;
    exports io.github.panamarnn.formats.onnx;
    exports io.github.panamarnn.formats.tensors;
    exports io.github.panamarnn.formats.tf1;
    exports io.github.panamarnn.formats.torch;
    // formats.zip (the budgeted, CRC-checked zip entry reader the .keras and .npz readers share) is not exported.
}
