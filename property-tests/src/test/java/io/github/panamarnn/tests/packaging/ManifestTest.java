package io.github.panamarnn.tests.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.cells.RnnCell;
import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.unroll.SequenceRunner;
import org.junit.jupiter.api.Test;

/**
 * The library jars this module runs against carry their version ({@code Implementation-Version}, the
 * build's project version) and {@link KernelProvider} reports it.
 */
class ManifestTest {
    @Test
    void everyLibraryJarCarriesTheProjectVersion() {
        String expected = System.getProperty("panamarnn.projectVersion");
        assertTrue(expected != null && !expected.isBlank(), "the build passes panamarnn.projectVersion");
        for (Class<?> c : new Class<?>[] {KernelProvider.class, RnnCell.class, SequenceRunner.class, ModelFiles.class}) {
            assertEquals(expected, c.getPackage().getImplementationVersion(), c.getName() + " comes from a jar without the version");
        }
        assertEquals(expected, KernelProvider.version());
        assertTrue(KernelProvider.describe().startsWith("panama-rnn " + expected + ", kernels "), KernelProvider.describe());
    }
}
