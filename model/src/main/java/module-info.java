/** The loaded-model runtime of panama-rnn: a model of layers, its sessions, streams, stream pool and state snapshots. */
module io.github.panamarnn.model {
    requires transitive io.github.panamarnn.unroll;
    requires jdk.jfr;
    exports io.github.panamarnn.model;
}
