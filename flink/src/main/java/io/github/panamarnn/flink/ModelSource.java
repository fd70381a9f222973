package io.github.panamarnn.flink;

import io.github.panamarnn.formats.LoadOptions;
import io.github.panamarnn.formats.ModelFiles;
import io.github.panamarnn.kernels.KernelProvider;
import io.github.panamarnn.kernels.Precision;
import io.github.panamarnn.model.Model;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a task gets its model: called once per parallel task, in the operator's {@code open()}, on the task's machine
 * (a {@link Model} is not serializable, so a job ships this recipe instead of the model). Every task of a job
 * must load the same model: a key's state carries the model's fingerprint and is refused by any other model.
 */
@FunctionalInterface
public interface ModelSource extends Serializable {

    /** Loads the model; called in the task thread before the first record. */
    Model load() throws IOException;

    /** A model file any {@link ModelFiles#load(Path)} reads, at the same path on every task manager, float32 weights. */
    static ModelSource file(String path) {
        return file(path, Precision.FP32);
    }

    /** A model file, its weights packed in {@code precision} (bf16 or int8: see {@link Precision}). */
    static ModelSource file(String path, Precision precision) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(precision, "precision");
        return () -> ModelFiles.load(Path.of(path), LoadOptions.DEFAULTS.withKernels(KernelProvider.get().withPrecision(precision)));
    }
}
