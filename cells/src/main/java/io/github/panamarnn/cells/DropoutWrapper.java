package io.github.panamarnn.cells;

import java.util.SplittableRandom;

/**
 * TF1 {@code DropoutWrapper} (SEMANTICS.md 2). At inference it is the identity ({@link #inference}).
 * {@link #monteCarlo} keeps dropout on, as Monte-Carlo dropout does: inverted dropout (kept values
 * divided by the keep probability) on the input, the new state and the output, in TF1's order; the
 * LSTM {@code c} state is never dropped. The masks come from a generator seeded at
 * {@link #zeroState}, so a run is reproducible; with {@code variational}, one mask per sequence is
 * reused at every step until {@link #newSequence} draws the next.
 *
 * <p>Immutable and thread-safe; a state (with its generator and masks) belongs to one stream.
 */
public final class DropoutWrapper extends CellWrapper {
    private final boolean active;
    private final float inputKeep;
    private final float outputKeep;
    private final float stateKeep;
    private final long seed;
    private final boolean variational;
    private final boolean[] droppable;
    private final int[] innerSizes;

    private DropoutWrapper(RnnCell inner, boolean active, float inputKeep, float outputKeep, float stateKeep, long seed, boolean variational) {
        super(inner);
        this.innerSizes = inner.stateSizes();
        this.active = active;
        this.inputKeep = keep("input_keep_prob", inputKeep);
        this.outputKeep = keep("output_keep_prob", outputKeep);
        this.stateKeep = keep("state_keep_prob", stateKeep);
        this.seed = seed;
        this.variational = variational;
        this.droppable = droppableParts(inner);
    }

    private static float keep(String name, float p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1], got " + p);
        }
        return p;
    }

    /** Which state parts dropout may touch: all but an LSTM's {@code c}. */
    private static boolean[] droppableParts(RnnCell cell) {
        if (cell instanceof LstmCell) {
            return new boolean[] {false, true};
        }
        if (cell instanceof MultiRnnCell m) {
            boolean[] all = new boolean[cell.stateSizes().length];
            int at = 0;
            for (int l = 0; l < m.layerCount(); l++) {
                boolean[] p = droppableParts(m.layer(l));
                System.arraycopy(p, 0, all, at, p.length);
                at += p.length;
            }
            return all;
        }
        if (cell instanceof CellWrapper w) {
            return droppableParts(w.inner());
        }
        boolean[] all = new boolean[cell.stateSizes().length];
        java.util.Arrays.fill(all, true);
        return all;
    }

    /** The inference default: no dropout at all. */
    public static DropoutWrapper inference(RnnCell inner) {
        return new DropoutWrapper(inner, false, 1, 1, 1, 0, false);
    }

    /** Dropout kept on at inference (Monte-Carlo dropout), seeded. */
    public static DropoutWrapper monteCarlo(RnnCell inner, float inputKeep, float outputKeep, float stateKeep, long seed, boolean variational) {
        return new DropoutWrapper(inner, true, inputKeep, outputKeep, stateKeep, seed, variational);
    }

    static final class State extends WrappedState {
        final SplittableRandom random;
        final float[] inMask;
        final float[] outMask;
        final float[][] stateMasks;
        boolean drawn;

        State(CellState inner, int in, int out, SplittableRandom random) {
            super(inner, inner.batch * in);
            this.random = random;
            this.inMask = new float[inner.batch * in];
            this.outMask = new float[inner.batch * out];
            this.stateMasks = new float[inner.parts.length][];
            for (int i = 0; i < stateMasks.length; i++) {
                stateMasks[i] = new float[inner.parts[i].length];
            }
        }
    }

    @Override
    public CellState zeroState(int batch) {
        CellState s = inner.zeroState(batch);
        return active ? new State(s, inner.inputSize(), inner.outputSize(), new SplittableRandom(seed)) : s;
    }

    /** Variational mode: the next step draws new masks (call between sequences). */
    public void newSequence(CellState state) {
        if (state instanceof State s) {
            s.drawn = false;
        }
    }

    private static void draw(SplittableRandom r, float[] mask, float keep) {
        float scale = 1f / keep;
        for (int i = 0; i < mask.length; i++) {
            mask[i] = r.nextDouble() < keep ? scale : 0f;
        }
    }

    @Override
    public void step(float[] x, int xOff, CellState state, float[] out, int outOff) {
        if (!active) {
            inner.step(x, xOff, state, out, outOff);
            return;
        }
        // Before the masks are drawn: a rejected call must not advance the random stream either.
        StepChecks.state(this, state, State.class, innerSizes);
        StepChecks.range(this, "input", x, xOff, (long) state.batch * inputSize());
        StepChecks.range(this, "output", out, outOff, (long) state.batch * outputSize());
        State s = (State) state;
        if (!variational || !s.drawn) {
            draw(s.random, s.inMask, inputKeep);
            draw(s.random, s.outMask, outputKeep);
            for (int i = 0; i < s.stateMasks.length; i++) {
                draw(s.random, s.stateMasks[i], stateKeep);
            }
            s.drawn = true;
        }
        for (int i = 0; i < s.scratch.length; i++) {
            s.scratch[i] = x[xOff + i] * s.inMask[i];
        }
        inner.step(s.scratch, 0, s.inner, out, outOff);
        for (int p = 0; p < s.stateMasks.length; p++) {
            if (droppable[p] && stateKeep < 1) {
                float[] part = s.parts[p];
                float[] m = s.stateMasks[p];
                for (int i = 0; i < part.length; i++) {
                    part[i] *= m[i];
                }
            }
        }
        for (int i = 0; i < s.outMask.length; i++) {
            out[outOff + i] *= s.outMask[i];
        }
    }

    @Override
    public String toString() {
        return "DropoutWrapper[" + (active ? "monte-carlo keep in/out/state " + inputKeep + "/" + outputKeep + "/" + stateKeep
                + (variational ? ", variational" : "") + ", seed " + seed : "inference: identity") + ", " + inner + "]";
    }
}
