package io.github.panamarnn.formats.tensors;

import io.github.panamarnn.formats.Budget;
import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.zip.ZipEntries;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code .safetensors} read directly: an 8-byte little-endian header length, a JSON header
 * (name -> dtype, shape, data_offsets), then the raw little-endian data, memory-mapped.
 * {@code F32} and {@code F64} (converted) are supported. Every length and offset is checked against
 * the file before it is used; a problem is a {@link ModelFormatException} naming the file and tensor.
 */
public final class SafeTensors {
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {
    }

    /** Every float tensor of a {@code .safetensors} file by name, ranges checked (in the file, non-overlapping) within the default budget. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        return read(file, Budget.of(file));
    }

    /**
     * {@link #read(Path)} within {@code budget}; the tensors' byte ranges must lie in the file and not
     * overlap (two names for one region would be one tensor read twice, or a damaged header).
     */
    public static Map<String, Tensor> read(Path file, Budget budget) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new ModelFormatException(file + ": truncated .safetensors: " + size + " bytes, the header length alone needs 8");
            }
            if (size > Integer.MAX_VALUE) {
                throw new ModelFormatException(file + ": " + size + " bytes; files over 2 GiB are not read (a recurrent model of that size "
                        + "is over any load budget)");
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            map.order(ByteOrder.LITTLE_ENDIAN);
            long headerLen = map.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new ModelFormatException(file + ": header length " + headerLen + " does not fit the " + size
                        + "-byte file (not a .safetensors file, or truncated)");
            }
            byte[] json = new byte[(int) headerLen];
            map.get(8, json);
            JsonNode header;
            try {
                header = new ObjectMapper().readTree(json);
            } catch (IOException e) {
                throw new ModelFormatException(file + ": the JSON header does not parse (" + ZipEntries.oneLine(e) + ")", e);
            }
            if (header == null || !header.isObject()) {
                throw new ModelFormatException(file + ": the header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, Tensor> out = new LinkedHashMap<>();
            java.util.TreeMap<Long, long[]> ranges = new java.util.TreeMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (name.equals("__metadata__")) {
                    continue;
                }
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText("");
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F64" -> 8;
                    default -> throw new ModelFormatException(file + ": tensor " + name + " has dtype '" + dtype + "'; supported: F32, F64");
                };
                JsonNode shapeNode = t.path("shape");
                JsonNode offsets = t.path("data_offsets");
                if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
                    throw new ModelFormatException(file + ": tensor " + name + " lacks a shape or a [begin, end] data_offsets");
                }
                int[] shape = new int[shapeNode.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    long v = shapeNode.get(i).asLong(-1);
                    if (v < 0 || v > Integer.MAX_VALUE) {
                        throw new ModelFormatException(file + ": tensor " + name + " has an impossible dimension " + shapeNode.get(i));
                    }
                    shape[i] = (int) v;
                    count *= v;
                    if (count > Integer.MAX_VALUE - 16) {
                        throw new ModelFormatException(file + ": tensor " + name + " is too large");
                    }
                }
                long begin = offsets.get(0).asLong(-1);
                long end = offsets.get(1).asLong(-1);
                if (begin < 0 || end < begin || end > dataSize) {
                    throw new ModelFormatException(file + ": tensor " + name + " data_offsets [" + begin + ", " + end + "] outside the "
                            + dataSize + " bytes of data (truncated file?)");
                }
                if (end - begin != count * width) {
                    throw new ModelFormatException(file + ": tensor " + name + " " + java.util.Arrays.toString(shape) + " " + dtype + " needs "
                            + count * width + " bytes, its data_offsets give " + (end - begin));
                }
                if (end > begin) {
                    Map.Entry<Long, long[]> below = ranges.floorEntry(begin);
                    Map.Entry<Long, long[]> above = ranges.ceilingEntry(begin);
                    if (below != null && below.getValue()[0] > begin || above != null && above.getKey() < end) {
                        long[] other = below != null && below.getValue()[0] > begin ? below.getValue() : above.getValue();
                        throw new ModelFormatException(file + ": tensor " + name + " data_offsets [" + begin + ", " + end + "] overlap another "
                                + "tensor's [" + other[1] + ", " + other[0] + "]");
                    }
                    ranges.put(begin, new long[] {end, begin});
                }
                budget.take(count * 4, "tensor " + name);
                float[] data = new float[(int) count];
                long at = dataStart + begin;
                for (int i = 0; i < count; i++) {
                    data[i] = width == 4 ? map.getFloat((int) (at + 4L * i)) : (float) map.getDouble((int) (at + 8L * i));
                }
                out.put(name, new Tensor(name, shape, data));
            }
            return out;
        }
    }
}
