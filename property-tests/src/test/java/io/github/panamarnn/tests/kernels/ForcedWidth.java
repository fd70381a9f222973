package io.github.panamarnn.tests.kernels;

import io.github.panamarnn.kernels.KernelProvider;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Skips a kernel property class, with the reason printed in the report, when the build forces a
 * vector width ({@code panamarnn.vectorBits}) this CPU does not have: the 512-bit run on an AVX2
 * machine is skipped for all to see, never silently passed and never an error.
 */
public final class ForcedWidth implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        int forced = Integer.getInteger(KernelProvider.VECTOR_BITS_PROPERTY, 0);
        int available = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (forced > available) {
            String why = "this CPU's widest float vectors are " + available + " bits; the run forcing " + forced + " bits is skipped";
            System.out.println("[kernels] " + context.label() + ": " + why);
            return SkipResult.skip(why);
        }
        return SkipResult.doNotSkip();
    }
}
