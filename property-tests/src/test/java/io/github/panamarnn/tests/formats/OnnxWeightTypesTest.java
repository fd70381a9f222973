package io.github.panamarnn.tests.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.onnx.OnnxModel;
import io.github.panamarnn.formats.onnx.OnnxSession;
import io.github.panamarnn.formats.onnx.OnnxValue;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ONNX initializers stored as float16, bfloat16 or float64 are widened to float32 once, at load, and
 * computed with the file's own values (a float16 or bfloat16 value is exactly a float32; a float64
 * one is rounded to nearest). The models are written byte by byte here (onnx.proto field numbers),
 * independent of this library's writer: {@code Y = Add(X, W)}.
 */
class OnnxWeightTypesTest {

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    private static void tagVarint(ByteArrayOutputStream o, int field, long v) {
        varint(o, (long) field << 3);
        varint(o, v);
    }

    private static void tagBytes(ByteArrayOutputStream o, int field, byte[] b) {
        varint(o, ((long) field << 3) | 2);
        varint(o, b.length);
        o.writeBytes(b);
    }

    private static byte[] str(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] valueInfo(String name, int n) {
        ByteArrayOutputStream dim = new ByteArrayOutputStream();
        tagVarint(dim, 1, n);
        ByteArrayOutputStream shape = new ByteArrayOutputStream();
        tagBytes(shape, 1, dim.toByteArray());
        ByteArrayOutputStream tensor = new ByteArrayOutputStream();
        tagVarint(tensor, 1, OnnxModel.FLOAT);
        tagBytes(tensor, 2, shape.toByteArray());
        ByteArrayOutputStream type = new ByteArrayOutputStream();
        tagBytes(type, 1, tensor.toByteArray());
        ByteArrayOutputStream vi = new ByteArrayOutputStream();
        tagBytes(vi, 1, str(name));
        tagBytes(vi, 2, type.toByteArray());
        return vi.toByteArray();
    }

    /** The model with initializer {@code W [n]} of {@code dataType}, its values in raw_data or (16-bit types) in int32_data. */
    static byte[] model(int dataType, int n, byte[] raw, int[] int32Data) {
        return model(dataType, n, raw, int32Data, null);
    }

    /** The same with {@code W}'s data external ({@code data_location = EXTERNAL}) as {@code external} (key, value) pairs say, when not null. */
    static byte[] model(int dataType, int n, byte[] raw, int[] int32Data, String[][] external) {
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        tagVarint(w, 1, n);
        tagVarint(w, 2, dataType);
        if (external != null) {
            for (String[] kv : external) {
                ByteArrayOutputStream e = new ByteArrayOutputStream();
                tagBytes(e, 1, str(kv[0]));
                tagBytes(e, 2, str(kv[1]));
                tagBytes(w, 13, e.toByteArray());
            }
            tagVarint(w, 14, 1);
        }
        if (int32Data != null) {
            for (int v : int32Data) {
                tagVarint(w, 5, v);
            }
        }
        tagBytes(w, 8, str("W"));
        if (raw != null) {
            tagBytes(w, 9, raw);
        }
        ByteArrayOutputStream node = new ByteArrayOutputStream();
        tagBytes(node, 1, str("X"));
        tagBytes(node, 1, str("W"));
        tagBytes(node, 2, str("Y"));
        tagBytes(node, 3, str("add"));
        tagBytes(node, 4, str("Add"));
        ByteArrayOutputStream graph = new ByteArrayOutputStream();
        tagBytes(graph, 1, node.toByteArray());
        tagBytes(graph, 2, str("g"));
        tagBytes(graph, 5, w.toByteArray());
        tagBytes(graph, 11, valueInfo("X", n));
        tagBytes(graph, 12, valueInfo("Y", n));
        ByteArrayOutputStream opset = new ByteArrayOutputStream();
        tagVarint(opset, 2, 14);
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        tagVarint(m, 1, 8);
        tagBytes(m, 8, opset.toByteArray());
        tagBytes(m, 7, graph.toByteArray());
        return m.toByteArray();
    }

    private static float[] run(byte[] bytes, float[] x) throws ModelFormatException {
        OnnxSession s = new OnnxSession(OnnxModel.read(bytes, "typed.onnx"));
        return s.run(Map.of("X", OnnxValue.of("X", x, x.length))).get("Y").floats();
    }

    @Test
    void halfBfloatAndDoubleWeightsAreWidenedOnce() throws ModelFormatException {
        float[] want = {1.5f, -0.333251953125f, 65504f, 6.1035156e-5f, -0f};
        float[] x = {0.25f, 1f, -2f, 3f, 0f};
        // float16, raw little-endian.
        ByteBuffer half = ByteBuffer.allocate(2 * want.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : want) {
            half.putShort(Float.floatToFloat16(v));
        }
        float[] sum = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            sum[i] = x[i] + want[i];
        }
        assertArrayEquals(want, OnnxModel.read(model(OnnxModel.FLOAT16, want.length, half.array(), null), "half").initializers().get("W").floats());
        assertArrayEquals(sum, run(model(OnnxModel.FLOAT16, want.length, half.array(), null), x));
        // float16 in int32_data (one 16-bit value per element).
        int[] halfInts = new int[want.length];
        for (int i = 0; i < want.length; i++) {
            halfInts[i] = Float.floatToFloat16(want[i]) & 0xFFFF;
        }
        assertArrayEquals(sum, run(model(OnnxModel.FLOAT16, want.length, null, halfInts), x));
        // bfloat16: the top 16 bits of a float32; values chosen to be exact in bfloat16.
        float[] bf = {1.5f, -0.33203125f, 3.3895314e38f, 1.1754944e-38f, 0.0078125f};
        ByteBuffer b16 = ByteBuffer.allocate(2 * bf.length).order(ByteOrder.LITTLE_ENDIAN);
        int[] bfInts = new int[bf.length];
        for (int i = 0; i < bf.length; i++) {
            bfInts[i] = Float.floatToRawIntBits(bf[i]) >>> 16;
            b16.putShort((short) bfInts[i]);
        }
        assertArrayEquals(bf, OnnxModel.read(model(OnnxModel.BFLOAT16, bf.length, b16.array(), null), "bf16").initializers().get("W").floats());
        assertArrayEquals(bf, OnnxModel.read(model(OnnxModel.BFLOAT16, bf.length, null, bfInts), "bf16").initializers().get("W").floats());
        // float64, rounded to the nearest float32.
        double[] d = {0.1, -1e-3, 12345.678901234, 1e-40, 3.0};
        ByteBuffer f64 = ByteBuffer.allocate(8 * d.length).order(ByteOrder.LITTLE_ENDIAN);
        float[] nearest = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f64.putDouble(d[i]);
            nearest[i] = (float) d[i];
        }
        assertArrayEquals(nearest, OnnxModel.read(model(OnnxModel.DOUBLE, d.length, f64.array(), null), "f64").initializers().get("W").floats());
        // A truncated 16-bit tensor is refused, naming the tensor and both sizes.
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> OnnxModel.read(model(OnnxModel.FLOAT16, want.length, java.util.Arrays.copyOf(half.array(), 7), null), "cut.onnx"));
        assertTrue(e.getMessage().contains("'W'") && e.getMessage().contains("7 bytes"), e.getMessage());
        // An unknown data type (8 = string) names the supported ones.
        e = assertThrows(ModelFormatException.class, () -> OnnxModel.read(model(8, 1, new byte[1], null), "str.onnx"));
        assertTrue(e.getMessage().contains("FLOAT16") && e.getMessage().contains("BFLOAT16"), e.getMessage());
    }
}
