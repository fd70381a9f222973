package io.github.panamarnn.formats.tensors;

import io.github.panamarnn.formats.Budget;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.zip.ZipEntries;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * NumPy {@code .npy} and {@code .npz} files read directly (format 1.0 to 3.0): little-endian
 * {@code float32} ({@code <f4}), and {@code float64}, {@code int32}, {@code int64} converted to float,
 * C order. Anything else (big-endian, Fortran order, object arrays, a truncated file) is a
 * {@link ModelFormatException} naming the file and the array; sizes are checked against the file
 * before anything is allocated.
 */
public final class NumPy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NumPy() {
    }

    /** Reads one {@code .npy} file. */
    public static Tensor readNpy(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 16) {
            throw new ModelFormatException(file + ": " + size + " bytes; .npy files over 2 GiB are not read (split the batch into several files)");
        }
        byte[] bytes = Files.readAllBytes(file);
        return parse(bytes, file.toString(), nameOf(file.getFileName().toString()));
    }

    /** Reads a {@code .npy} from bytes; {@code what} names it in errors. */
    public static Tensor parseNpy(byte[] bytes, String what) throws ModelFormatException {
        return parse(bytes, what, nameOf(what));
    }

    /** Writes a float32 array as {@code .npy} (version 1.0, little-endian, C order). */
    public static void writeNpy(Path file, float[] data, int... shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (int s : shape) {
            dims.append(s).append(", ");
        }
        if (shape.length > 1) {
            dims.setLength(dims.length() - 2);
        }
        StringBuilder h = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }");
        while ((MAGIC.length + 4 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(MAGIC.length + 4 + h.length() + 4 * data.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) h.length()).put(h.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (float f : data) {
            b.putFloat(f);
        }
        Files.write(file, b.array());
    }

    /** Reads every array of an {@code .npz} file (a zip of {@code .npy}), by name without {@code .npy}, within the default {@link Budget}. */
    public static Map<String, Tensor> readNpz(Path file) throws IOException {
        return readNpz(file, Budget.of(file));
    }

    /** {@link #readNpz(Path)}: every entry's CRC-32 checked, its declared size taken from {@code budget} before it is inflated. */
    public static Map<String, Tensor> readNpz(Path file, Budget budget) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                byte[] bytes = ZipEntries.read(zip, e, file, budget);
                String name = nameOf(e.getName());
                if (out.containsKey(name)) {
                    throw new ModelFormatException(file + ": array '" + name + "' is in the archive twice");
                }
                out.put(name, parse(bytes, file + "!" + e.getName(), name));
            }
        } catch (ModelFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ZipException, or an EOFException from a damaged deflate stream: name the file.
            throw new ModelFormatException(file + ": not a readable .npz (zip) file: " + ZipEntries.oneLine(e), e);
        }
        return out;
    }

    private static String nameOf(String entry) {
        return entry.endsWith(".npy") ? entry.substring(0, entry.length() - 4) : entry;
    }

    static Tensor parse(byte[] b, String where, String name) throws ModelFormatException {
        if (b.length < 10) {
            throw new ModelFormatException(where + ": truncated .npy: " + b.length + " bytes, the header alone needs at least 10");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) {
                throw new ModelFormatException(where + ": not a .npy array (expected the magic \\x93NUMPY)");
            }
        }
        int major = b[6] & 0xff;
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = buf.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (b.length < 12) {
                throw new ModelFormatException(where + ": truncated .npy header");
            }
            headerLen = buf.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw new ModelFormatException(where + ": .npy format version " + major + " is not supported (1, 2 or 3 expected)");
        }
        if (headerStart + headerLen > b.length) {
            throw new ModelFormatException(where + ": header of " + headerLen + " bytes runs past the end of the " + b.length + "-byte file");
        }
        String header = new String(b, headerStart, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new ModelFormatException(where + ": .npy header lacks descr, fortran_order or shape: " + header.trim());
        }
        if (f.group(1).equals("True")) {
            throw new ModelFormatException(where + ": array " + name + " is in Fortran order; C order expected");
        }
        String descr = d.group(1);
        int width = switch (descr) {
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            default -> throw new ModelFormatException(where + ": array " + name + " has dtype " + descr
                    + "; supported: <f4 (float32), <f8, <i4, <i8 (little-endian)");
        };
        String dims = s.group(1).trim();
        int[] shape;
        if (dims.isEmpty()) {
            shape = new int[0];
        } else {
            String[] parts = dims.split(",");
            int n = 0;
            int[] tmp = new int[parts.length];
            for (String p : parts) {
                if (!p.isBlank()) {
                    long v;
                    try {
                        v = Long.parseLong(p.trim());
                    } catch (NumberFormatException e) {
                        throw new ModelFormatException(where + ": array " + name + " has an unreadable shape (" + dims + ")", e);
                    }
                    if (v < 0 || v > Integer.MAX_VALUE) {
                        throw new ModelFormatException(where + ": array " + name + " has an impossible dimension " + v);
                    }
                    tmp[n++] = (int) v;
                }
            }
            shape = java.util.Arrays.copyOf(tmp, n);
        }
        long count = 1;
        for (int v : shape) {
            count *= v;
            if (count > Integer.MAX_VALUE - 16) {
                throw new ModelFormatException(where + ": array " + name + " is too large (" + java.util.Arrays.toString(shape) + ")");
            }
        }
        long dataStart = headerStart + headerLen;
        if (dataStart + count * width > b.length) {
            throw new ModelFormatException(where + ": truncated: array " + name + " " + java.util.Arrays.toString(shape) + " " + descr + " needs "
                    + count * width + " bytes of data, the file has " + (b.length - dataStart));
        }
        float[] data = new float[(int) count];
        buf.position((int) dataStart);
        for (int i = 0; i < count; i++) {
            data[i] = switch (descr) {
                case "<f4" -> buf.getFloat();
                case "<f8" -> (float) buf.getDouble();
                case "<i4" -> buf.getInt();
                default -> buf.getLong();
            };
        }
        return new Tensor(name, shape, data);
    }
}
