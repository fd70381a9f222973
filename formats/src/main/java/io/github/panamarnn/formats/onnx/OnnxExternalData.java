package io.github.panamarnn.formats.onnx;

import io.github.panamarnn.formats.ModelFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * ONNX external data ({@code TensorProto.data_location = EXTERNAL}): a tensor's bytes in a side file
 * named by its {@code external_data} entries {@code location} (relative to the model's folder),
 * {@code offset} and {@code length}. Every declared value is checked before anything is allocated:
 * the location must be a relative path that stays inside the model's folder (also after following
 * symbolic links), the byte range must lie inside the file and hold exactly the tensor's bytes, and
 * the bytes read for one model may not exceed {@link #MAX_TOTAL_BYTES} (the 2 GiB a single ONNX
 * file may hold), however often a file reuses a region. One instance reads one model; not
 * thread-safe.
 */
final class OnnxExternalData {
    /** Total external bytes one model may read. */
    static final long MAX_TOTAL_BYTES = Integer.MAX_VALUE;

    private final Path dir;
    private final String what;
    private long total;

    OnnxExternalData(Path modelFile) {
        Path parent = modelFile.toAbsolutePath().normalize().getParent();
        this.dir = parent;
        this.what = modelFile.toString();
    }

    /** The {@code bytes} bytes of tensor {@code tensor} as its {@code external_data} entries place them. */
    byte[] read(String tensor, Map<String, String> entries, long bytes) throws ModelFormatException {
        String location = entries.get("location");
        if (location == null || location.isEmpty()) {
            throw new ModelFormatException(what + ": tensor '" + tensor + "' has external data without a location (entries " + entries.keySet() + ")");
        }
        Path rel;
        try {
            rel = Path.of(location);
        } catch (RuntimeException e) {
            throw new ModelFormatException(what + ": tensor '" + tensor + "': external data location '" + location + "' is not a path", e);
        }
        Path file = dir.resolve(rel).normalize();
        if (rel.isAbsolute() || !file.startsWith(dir)) {
            throw new ModelFormatException(what + ": tensor '" + tensor + "': external data location '" + location + "' leaves the model's folder "
                    + dir + "; expected a relative path inside it");
        }
        long offset = number(tensor, entries, "offset", 0);
        long size;
        try {
            if (!Files.isRegularFile(file)) {
                throw new ModelFormatException(what + ": tensor '" + tensor + "': external data file " + file + " does not exist");
            }
            if (!file.toRealPath().startsWith(dir.toRealPath())) {
                throw new ModelFormatException(what + ": tensor '" + tensor + "': external data location '" + location + "' links outside the "
                        + "model's folder " + dir);
            }
            size = Files.size(file);
        } catch (IOException e) {
            throw new ModelFormatException(what + ": tensor '" + tensor + "': cannot read external data " + file + " (" + e.getMessage() + ")", e);
        }
        long length = number(tensor, entries, "length", Math.max(0, size - offset));
        if (offset > size || length > size - offset) {
            throw new ModelFormatException(what + ": tensor '" + tensor + "': external data range [" + offset + ", " + (offset + length) + ") lies "
                    + "outside " + file.getFileName() + " (" + size + " bytes)");
        }
        if (length != bytes) {
            throw new ModelFormatException(what + ": tensor '" + tensor + "': external data holds " + length + " bytes, its shape and type need "
                    + bytes);
        }
        if (total + length > MAX_TOTAL_BYTES) {
            throw new ModelFormatException(what + ": external data of more than " + MAX_TOTAL_BYTES + " bytes in total (at tensor '" + tensor
                    + "'); over the budget of one model");
        }
        total += length;
        byte[] out = new byte[(int) length];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer bb = ByteBuffer.wrap(out);
            long pos = offset;
            while (bb.hasRemaining()) {
                int n = ch.read(bb, pos);
                if (n < 0) {
                    throw new ModelFormatException(what + ": tensor '" + tensor + "': " + file.getFileName() + " ended while reading its data");
                }
                pos += n;
            }
        } catch (IOException e) {
            throw new ModelFormatException(what + ": tensor '" + tensor + "': cannot read external data " + file + " (" + e.getMessage() + ")", e);
        }
        return out;
    }

    private long number(String tensor, Map<String, String> entries, String key, long dflt) throws ModelFormatException {
        String v = entries.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ModelFormatException(what + ": tensor '" + tensor + "': external data " + key + " '" + v + "', expected a non-negative integer");
    }
}
