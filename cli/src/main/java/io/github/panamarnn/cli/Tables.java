package io.github.panamarnn.cli;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.NumPy;
import io.github.panamarnn.formats.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Inputs and outputs of {@code run}: {@code .npy} arrays and CSV tables (one row per time step). */
final class Tables {
    private Tables() {
    }

    /** Input sequences: {@code [batch, steps, features]} row-major. */
    record Sequences(float[] data, int batch, int steps) {
    }

    /** Which CSV columns are the features, decided once from the header (or the first row). */
    static final class Columns {
        final int[] index;
        final boolean header;

        Columns(int[] index, boolean header) {
            this.index = index;
            this.header = header;
        }

        /**
         * From the first line: {@code spec} is a comma-separated list of column names or 0-based
         * indices, or null to take every column when their number is the model's input size.
         */
        static Columns of(String firstLine, String spec, int features, String what) throws UserError {
            String[] cells = firstLine.split(",", -1);
            boolean header = false;
            for (String c : cells) {
                header |= !numeric(c.trim());
            }
            int[] idx;
            if (spec == null) {
                if (cells.length != features) {
                    throw new UserError(what + " has " + cells.length + " columns" + (header ? " (" + firstLine.trim() + ")" : "")
                            + ", the model reads " + features + " features: choose them with --columns (names or 0-based indices, e.g. --columns "
                            + (header && cells.length > features ? String.join(",", java.util.Arrays.copyOfRange(cells, 1, 1 + features)).trim()
                            : "0,1") + ")");
                }
                idx = new int[features];
                for (int i = 0; i < features; i++) {
                    idx[i] = i;
                }
            } else {
                String[] want = spec.split(",");
                if (want.length != features) {
                    throw new UserError("--columns names " + want.length + " columns, the model reads " + features + " features");
                }
                idx = new int[features];
                for (int i = 0; i < features; i++) {
                    String w = want[i].trim();
                    int found = -1;
                    for (int c = 0; c < cells.length && header; c++) {
                        if (cells[c].trim().equals(w)) {
                            found = c;
                        }
                    }
                    if (found < 0) {
                        try {
                            found = Integer.parseInt(w);
                        } catch (NumberFormatException e) {
                            throw new UserError("--columns: no column '" + w + "' in " + what + (header ? " (header: " + firstLine.trim() + ")" : " (no header)"));
                        }
                    }
                    if (found < 0 || found >= cells.length) {
                        throw new UserError("--columns: column " + w + " is out of range; " + what + " has " + cells.length + " columns");
                    }
                    idx[i] = found;
                }
            }
            return new Columns(idx, header);
        }

        /** The features of one data line into {@code dst[off..]}. */
        void parse(String line, int lineNo, String what, float[] dst, int off) throws UserError {
            String[] cells = line.split(",", -1);
            for (int i = 0; i < index.length; i++) {
                if (index[i] >= cells.length) {
                    throw new UserError(what + " line " + lineNo + ": " + cells.length + " columns, expected at least " + (index[i] + 1));
                }
                try {
                    dst[off + i] = Float.parseFloat(cells[index[i]].trim());
                } catch (NumberFormatException e) {
                    throw new UserError(what + " line " + lineNo + ", column " + index[i] + ": '" + cells[index[i]].trim() + "' is not a number");
                }
            }
        }
    }

    static boolean numeric(String s) {
        if (s.isEmpty()) {
            return false;
        }
        try {
            Float.parseFloat(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * {@code .npy} {@code [batch, steps, features]} or {@code [steps, features]}; anything else is CSV, one
     * sequence. With {@code tokenIds} (a model that starts with an Embedding, one id per step), an
     * {@code .npy} is {@code [batch, steps]} or {@code [steps]}.
     */
    static Sequences read(Path file, int features, String columns, boolean tokenIds) throws UserError, IOException {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".npy")) {
            Tensor t;
            try {
                t = NumPy.readNpy(file);
            } catch (ModelFormatException e) {
                throw new UserError(e.getMessage());
            }
            int[] s = t.shape();
            if (tokenIds) {
                if (s.length == 1 || s.length == 2) {
                    return new Sequences(t.data(), s.length == 1 ? 1 : s[0], s[s.length - 1]);
                }
                throw new UserError(file + ": array of shape " + java.util.Arrays.toString(s) + ", expected token ids [batch, steps] or [steps] "
                        + "(the model starts with an Embedding)");
            }
            if (s.length == 2 && s[1] == features) {
                return new Sequences(t.data(), 1, s[0]);
            }
            if (s.length == 3 && s[2] == features) {
                return new Sequences(t.data(), s[0], s[1]);
            }
            throw new UserError(file + ": array of shape " + java.util.Arrays.toString(s) + ", expected [batch, steps, " + features + "] or [steps, "
                    + features + "]");
        }
        try (BufferedReader r = Files.newBufferedReader(file)) {
            String first = r.readLine();
            if (first == null) {
                throw new UserError(file + ": empty file");
            }
            Columns cols = Columns.of(first, columns, features, file.toString());
            List<float[]> rows = new ArrayList<>();
            int lineNo = 1;
            String line = cols.header ? r.readLine() : first;
            if (cols.header) {
                lineNo++;
            }
            while (line != null) {
                if (!line.isBlank()) {
                    float[] row = new float[features];
                    cols.parse(line, lineNo, file.toString(), row, 0);
                    rows.add(row);
                }
                line = r.readLine();
                lineNo++;
            }
            if (rows.isEmpty()) {
                throw new UserError(file + ": no data rows");
            }
            float[] data = new float[rows.size() * features];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, data, i * features, features);
            }
            return new Sequences(data, 1, rows.size());
        }
    }

    /** Writes {@code rows x width} values as CSV (shortest round-tripping decimals) or, for a {@code .npy} path, as an array. */
    static void write(float[] y, int rows, int width, int[] npyShape, Path to, PrintStream stdout) throws IOException {
        if (to != null && to.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            NumPy.writeNpy(to, java.util.Arrays.copyOf(y, rows * width), npyShape);
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                if (j > 0) {
                    sb.append(',');
                }
                sb.append(y[r * width + j]);
            }
            sb.append('\n');
        }
        if (to == null) {
            stdout.print(sb);
            stdout.flush();
        } else {
            Files.writeString(to, sb);
        }
    }
}
