package io.github.panamarnn.tests.formats;

import io.github.panamarnn.formats.KerasModels;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.OnnxModel;
import io.github.panamarnn.formats.OnnxSession;
import io.github.panamarnn.formats.NumPy;
import io.github.panamarnn.formats.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Corrupted and truncated model files (from the real ones in ../shared/models): the readers either
 * read them (a flipped data byte is still a file) or throw a {@link ModelFormatException}; never an
 * OutOfMemoryError, an index error or any other exception, and never a hang (JUnit's run ends).
 */
class CorruptFilesPropertiesTest {
    static final Path MODELS = TorchModelsTest.MODELS;

    @Property(tries = 600)
    void corruptedFilesGiveCleanErrors(@ForAll @IntRange(min = 0, max = 5) int kind, @ForAll @IntRange(min = 0, max = 3) int damage,
                                       @ForAll long seed) throws IOException {
        Path src = switch (kind) {
            case 0 -> MODELS.resolve("torch/lstm64_proj16.safetensors");
            case 1 -> MODELS.resolve("torch/lstm64_proj16.npz");
            case 2 -> MODELS.resolve("data/test_windows.npy");
            case 3 -> MODELS.resolve("keras/simplernn32.keras");
            case 4 -> MODELS.resolve("keras/simplernn32.h5");
            default -> MODELS.resolve("onnx/gru64.onnx");
        };
        byte[] b = Files.readAllBytes(src);
        SplittableRandom r = new SplittableRandom(seed);
        switch (damage) {
            case 0 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length)); // truncated
            case 1 -> { // bytes flipped in the first 200 (headers)
                for (int i = 0; i < 1 + r.nextInt(6); i++) {
                    b[r.nextInt(Math.min(200, b.length))] ^= (byte) (1 + r.nextInt(255));
                }
            }
            case 2 -> { // a header length or size field overwritten with anything
                int at = r.nextInt(Math.min(16, b.length));
                b[at] = (byte) r.nextInt(256);
                b[Math.min(at + 1, b.length - 1)] = (byte) r.nextInt(256);
            }
            default -> { // bytes flipped anywhere
                for (int i = 0; i < 1 + r.nextInt(20); i++) {
                    b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                }
            }
        }
        Path tmp = Files.createTempFile("corrupt", src.getFileName().toString());
        try {
            Files.write(tmp, b);
            try {
                switch (kind) {
                    case 0 -> SafeTensors.read(tmp);
                    case 1 -> NumPy.readNpz(tmp);
                    case 2 -> NumPy.readNpy(tmp);
                    case 3, 4 -> KerasModels.load(tmp);
                    default -> new OnnxSession(OnnxModel.read(tmp));
                }
            } catch (ModelFormatException expected) {
                // a clean, named error
            } catch (java.util.zip.ZipException | java.io.EOFException zipLevel) {
                throw new AssertionError("the zip layer's error escaped without naming the file: " + zipLevel, zipLevel);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
