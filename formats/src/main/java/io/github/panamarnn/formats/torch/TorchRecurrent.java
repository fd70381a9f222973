package io.github.panamarnn.formats.torch;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.Tensor;

import io.github.panamarnn.cells.CellState;
import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.unroll.LayeredRunner;
import io.github.panamarnn.unroll.SequenceRunner.Padding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole PyTorch {@code nn.LSTM} / {@code nn.GRU} / {@code nn.RNN} module (SEMANTICS.md 6):
 * {@code num_layers}, {@code bidirectional} (layer k+1 reads {@code [forward | backward]} of layer
 * k at every step), {@code proj_size}, {@code batch_first}, initial {@code h0}/{@code c0} and
 * packed-sequence lengths (a reverse direction starts at each row's own last valid step; padded
 * outputs are zero; {@code h_n} is each row's state at its last valid step).
 *
 * <p>Not thread-safe: it owns the runners and buffers for one batch size; the cells are shared and
 * can be reused by other instances ({@link #of}).
 */
public final class TorchRecurrent {
    private final int layers;
    private final int dirs;
    private final boolean lstm;
    private final int hidden;
    private final int hw;
    private final int batch;
    private final LayeredRunner runner;

    private TorchRecurrent(RnnCell[][] cells, boolean lstm, int hidden, int batch, int capacity) {
        this.layers = cells.length;
        this.dirs = cells[0].length;
        this.lstm = lstm;
        this.hidden = hidden;
        this.hw = cells[0][0].outputSize();
        this.batch = batch;
        List<LayeredRunner.Layer> stack = new ArrayList<>();
        for (RnnCell[] layer : cells) {
            stack.add(dirs == 1 ? LayeredRunner.Layer.of(layer[0]) : LayeredRunner.Layer.bidirectional(layer[0], layer[1], LayeredRunner.Merge.CONCAT));
        }
        this.runner = new LayeredRunner(stack, batch, capacity);
    }

    /** The module under {@code prefix} of a state_dict, for {@code batch} rows and sequences up to {@code capacity}. */
    public static TorchRecurrent of(Map<String, Tensor> sd, String prefix, TorchModules.Kind kind, int batch, int capacity)
            throws ModelFormatException {
        boolean bidirectional = sd.containsKey(prefix + "weight_ih_l0_reverse");
        int layers = 0;
        while (sd.containsKey(prefix + "weight_ih_l" + layers)) {
            layers++;
        }
        if (layers == 0) {
            throw new ModelFormatException("recurrent module '" + prefix + "': no " + prefix + "weight_ih_l0 (have " + sd.keySet() + ")");
        }
        int dirs = bidirectional ? 2 : 1;
        RnnCell[][] cells = new RnnCell[layers][dirs];
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dirs; d++) {
                cells[l][d] = TorchModules.layer(sd, prefix, kind, l, d == 1);
            }
        }
        int hidden = sd.get(prefix + "weight_ih_l0").shape()[0] / (kind == TorchModules.Kind.LSTM ? 4 : kind == TorchModules.Kind.GRU ? 3 : 1);
        return new TorchRecurrent(cells, kind == TorchModules.Kind.LSTM, hidden, batch, capacity);
    }

    /** Width of {@code output}'s last axis: {@code directions * (proj_size or hidden_size)}. */
    public int outputWidth() {
        return dirs * hw;
    }

    /** Stacked layers ({@code num_layers}). */
    public int layers() {
        return layers;
    }

    /** Directions per layer: 1, or 2 when bidirectional. */
    public int directions() {
        return dirs;
    }

    /**
     * Runs the module as PyTorch's {@code forward} does.
     *
     * @param x          {@code [B, T, in]} when {@code batchFirst}, else {@code [T, B, in]}
     * @param lengths    packed-sequence lengths per row (original batch order), or null
     * @param h0, c0     {@code [layers*dirs, B, hw]} / {@code [layers*dirs, B, hidden]}, or null for zeros
     * @param output     the last layer's outputs, in {@code x}'s layout, width {@link #outputWidth()}
     * @param hn, cn     {@code [layers*dirs, B, ...]} final states, or null
     */
    public void run(float[] x, int steps, boolean batchFirst, int[] lengths, float[] h0, float[] c0, float[] output, float[] hn, float[] cn) {
        if (steps > runner.capacity()) {
            throw new IllegalArgumentException("steps " + steps + " exceed the capacity " + runner.capacity());
        }
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dirs; d++) {
                CellState s = runner.state(l, d);
                int index = l * dirs + d;
                s.reset();
                if (h0 != null) {
                    System.arraycopy(h0, index * batch * hw, s.part(lstm ? 1 : 0), 0, batch * hw);
                }
                if (c0 != null && lstm) {
                    System.arraycopy(c0, index * batch * hidden, s.part(0), 0, batch * hidden);
                }
            }
        }
        // Each layer reads [forward | backward] of the one before at every step, in the input's layout.
        runner.run(x, steps, !batchFirst, lengths, null, Padding.ZERO, output, null);
        for (int l = 0; l < layers; l++) {
            for (int d = 0; d < dirs; d++) {
                CellState s = runner.state(l, d);
                int index = l * dirs + d;
                if (hn != null) {
                    System.arraycopy(s.part(lstm ? 1 : 0), 0, hn, index * batch * hw, batch * hw);
                }
                if (cn != null && lstm) {
                    System.arraycopy(s.part(0), 0, cn, index * batch * hidden, batch * hidden);
                }
            }
        }
    }
}
