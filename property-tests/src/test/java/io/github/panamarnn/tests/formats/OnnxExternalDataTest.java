package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.onnx.OnnxModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX external data: a tensor's bytes in a side file next to the model, read at the declared offset
 * and length; a location that leaves the model's folder (relative, absolute or through a symbolic
 * link), a range outside the file, a length that does not match the tensor, or a missing file is
 * refused naming the tensor and the reason.
 */
class OnnxExternalDataTest {
    @TempDir
    Path dir;

    private static final float[] W = {0.5f, -1.25f, 3f, 1e-3f};

    private static byte[] le(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private Path model(Path folder, String[][] entries) throws IOException {
        Files.createDirectories(folder);
        Path m = folder.resolve("m.onnx");
        Files.write(m, OnnxWeightTypesTest.model(OnnxModel.FLOAT, W.length, null, null, entries));
        return m;
    }

    @Test
    void weightsAreReadFromTheSideFileAtTheirOffset() throws IOException {
        byte[] data = new byte[8 + 16 + 5];
        System.arraycopy(le(W), 0, data, 8, 16);
        Files.createDirectories(dir.resolve("weights"));
        Files.write(dir.resolve("weights/w.bin"), data);
        Path m = model(dir, new String[][] {{"location", "weights/w.bin"}, {"offset", "8"}, {"length", "16"}});
        assertArrayEquals(W, OnnxModel.read(m).initializers().get("W").floats());
        // without offset and length: the whole file
        Files.write(dir.resolve("exact.bin"), le(W));
        assertArrayEquals(W, OnnxModel.read(model(dir, new String[][] {{"location", "./exact.bin"}})).initializers().get("W").floats());
    }

    /** onnxruntime reads the same file the same way: its output is ours. */
    @Test
    void onnxruntimeAgrees() throws Exception {
        byte[] data = new byte[12 + 16];
        System.arraycopy(le(W), 0, data, 12, 16);
        Files.write(dir.resolve("w.bin"), data);
        Path m = model(dir, new String[][] {{"location", "w.bin"}, {"offset", "12"}, {"length", "16"}});
        float[] x = {1f, 2f, -3f, 0.25f};
        float[] ours = new io.github.panamarnn.formats.onnx.OnnxSession(OnnxModel.read(m))
                .run(java.util.Map.of("X", io.github.panamarnn.formats.onnx.OnnxValue.of("X", x, x.length))).get("Y").floats();
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        try (ai.onnxruntime.OrtSession s = env.createSession(m.toString(), new ai.onnxruntime.OrtSession.SessionOptions());
             ai.onnxruntime.OnnxTensor in = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(x), new long[] {x.length});
             ai.onnxruntime.OrtSession.Result r = s.run(java.util.Map.of("X", in))) {
            float[] theirs = (float[]) r.get(0).getValue();
            assertArrayEquals(theirs, ours);
        }
    }

    private void refused(Path m, String... words) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModel.read(m));
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage());
        }
    }

    @Test
    void everyDeclaredValueIsCheckedBeforeReading() throws IOException {
        Files.write(dir.resolve("w.bin"), le(W));
        Path sub = dir.resolve("sub");
        refused(model(sub, new String[][] {{"location", "../w.bin"}}), "'W'", "leaves the model's folder");
        refused(model(sub, new String[][] {{"location", dir.resolve("w.bin").toString()}}), "leaves the model's folder");
        refused(model(sub, new String[][] {{"location", "nothere.bin"}}), "does not exist");
        refused(model(sub, new String[][] {{"offset", "0"}}), "without a location");
        Files.copy(dir.resolve("w.bin"), sub.resolve("w.bin"));
        refused(model(sub, new String[][] {{"location", "w.bin"}, {"offset", "4"}, {"length", "16"}}), "outside w.bin (16 bytes)");
        refused(model(sub, new String[][] {{"location", "w.bin"}, {"length", "12"}}), "holds 12 bytes", "need 16");
        refused(model(sub, new String[][] {{"location", "w.bin"}, {"offset", "-4"}}), "offset '-4'");
        try {
            Files.createSymbolicLink(sub.resolve("link.bin"), dir.resolve("w.bin"));
            refused(model(sub, new String[][] {{"location", "link.bin"}}), "links outside");
        } catch (UnsupportedOperationException e) {
            // no symbolic links on this file system: nothing to check
        }
        // bytes without a file: no folder to read from
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxModel.read(OnnxWeightTypesTest.model(OnnxModel.FLOAT, W.length, null, null, new String[][] {{"location", "w.bin"}}), "mem"));
        assertTrue(e.getMessage().contains("external file"), e.getMessage());
    }
}
