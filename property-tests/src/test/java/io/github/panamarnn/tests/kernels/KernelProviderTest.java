package io.github.panamarnn.tests.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.kernels.KernelProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The provider picks the vector kernels here, and falls back, with one warning naming the fix, without the module. */
class KernelProviderTest {

    @Test
    void vectorKernelsRunInTheseTests() {
        // Surefire passes --add-modules and panamarnn.requireVector=true: a silent fallback fails here.
        assertTrue(KernelProvider.get().isVectorized(), "expected the vector kernels, got " + KernelProvider.get().name()
                + " because " + KernelProvider.fallbackReason());
        assertNull(KernelProvider.fallbackReason());
        String bits = System.getProperty(KernelProvider.VECTOR_BITS_PROPERTY);
        if (bits != null) {
            assertTrue(KernelProvider.get().name().contains(bits + " bits"), KernelProvider.get().name());
        }
    }

    @Test
    void withoutTheModuleTheScalarKernelsRunAfterOneWarning() throws Exception {
        Result r = runJvm(List.of());
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.out.contains("kernels: scalar"), r.toString());
        assertTrue(r.err.contains("--add-modules jdk.incubator.vector"), r.toString());
        assertEquals(1, r.err.lines().filter(l -> l.contains("WARNING")).count(), "exactly one warning line: " + r);
    }

    @Test
    void requiringVectorWithoutTheModuleFailsLoudly() throws Exception {
        Result r = runJvm(List.of("-D" + KernelProvider.REQUIRE_VECTOR_PROPERTY + "=true"));
        assertNotEquals(0, r.exit, r.toString());
        assertTrue(r.err.contains("vector kernels required"), r.toString());
    }

    @Test
    void forcingScalarIsSilent() throws Exception {
        Result r = runJvm(List.of("--add-modules=jdk.incubator.vector", "-D" + KernelProvider.SCALAR_PROPERTY + "=true"));
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.out.contains("kernels: scalar"), r.toString());
        assertTrue(r.err.lines().noneMatch(l -> l.contains("scalar kernels")), r.toString());
    }

    @Test
    void withTheModuleTheVectorKernelsRun() throws Exception {
        Result r = runJvm(List.of("--add-modules=jdk.incubator.vector"));
        assertEquals(0, r.exit, r.toString());
        assertTrue(r.out.contains("kernels: panama"), r.toString());
    }

    record Result(int exit, String out, String err) {
    }

    /** The child JVM's program: prints which kernels it would run and, for the scalar fallback, why. */
    public static final class PrintKernels {
        private PrintKernels() {
        }

        /** Prints "kernels: name" and, when the scalar kernels were chosen, "fallback: reason". */
        public static void main(String[] args) {
            System.out.println("kernels: " + KernelProvider.get().name());
            String why = KernelProvider.fallbackReason();
            if (why != null) {
                System.out.println("fallback: " + why);
            }
        }
    }

    private static Result runJvm(List<String> jvmArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PrintKernels.class.getName());
        Process p = new ProcessBuilder(cmd).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out, err);
    }
}
