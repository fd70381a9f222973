package io.github.panamarnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species every vector kernel uses, chosen once. The system property
 * {@code panamarnn.vectorBits} (128, 256 or 512) forces a width, so that tests exercise the 128-bit
 * code paths on a 256-bit machine; by default it is the preferred species. Kept in its own class so
 * that nothing touches the Vector API before {@link KernelProvider} has checked it is there.
 */
final class PanamaSpecies {
    static final VectorSpecies<Float> FLOAT = choose();
    static final int LANES = FLOAT.length();
    /** Ints of the same width: bfloat16 and int8 weights are loaded as ints and widened into {@link #FLOAT} lanes. */
    static final VectorSpecies<Integer> INT = VectorSpecies.of(int.class, FLOAT.vectorShape());
    /** Bytes widened into {@link #FLOAT} lanes (int8 weights): a quarter of the width, but at least the 64-bit shape. */
    static final VectorSpecies<Byte> BYTE = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, FLOAT.vectorBitSize() / 4)));
    /** Output units per packed panel: four vectors, one accumulator chain each. */
    static final int PANEL = 4 * LANES;

    private PanamaSpecies() {
    }

    private static VectorSpecies<Float> choose() {
        int bits = Integer.getInteger(KernelProvider.VECTOR_BITS_PROPERTY, 0);
        if (bits == 0) {
            return FloatVector.SPECIES_PREFERRED;
        }
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException(KernelProvider.VECTOR_BITS_PROPERTY + " must be 128, 256 or 512, got " + bits);
        }
        if (bits > FloatVector.SPECIES_PREFERRED.vectorBitSize()) {
            throw new IllegalArgumentException(KernelProvider.VECTOR_BITS_PROPERTY + "=" + bits
                    + " is wider than this CPU's preferred " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }
}
