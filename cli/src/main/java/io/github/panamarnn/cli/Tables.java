package io.github.panamarnn.cli;

import io.github.panamarnn.formats.ModelFormatException;
import io.github.panamarnn.formats.tensors.NumPy;
import io.github.panamarnn.formats.tensors.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Inputs and outputs of {@code run}: {@code .npy} arrays and CSV tables (one row per time step). */
final class Tables {
    private Tables() {
    }

    /** Input sequences: {@code [batch, steps, features]} row-major. */
    record Sequences(float[] data, int batch, int steps) {
    }

    /** How a CSV input is read: the delimiter, and whether the first line is a header ({@code null}: detected). */
    record CsvFormat(char delimiter, Boolean header) {
        static final CsvFormat DEFAULT = new CsvFormat(',', null);

        /** From {@code --delimiter} (one character, or {@code tab}) and {@code --header yes|no|auto}. */
        static CsvFormat of(String delimiter, String header) throws UserError {
            char d = ',';
            if (delimiter != null) {
                if (delimiter.equals("tab") || delimiter.equals("\\t")) {
                    d = '\t';
                } else if (delimiter.length() == 1 && delimiter.charAt(0) != '"') {
                    d = delimiter.charAt(0);
                } else {
                    throw new UserError("--delimiter: expected one character (or 'tab'), got '" + Csv.shortly(delimiter) + "'");
                }
            }
            Boolean h = null;
            if (header != null) {
                h = switch (header) {
                    case "yes" -> Boolean.TRUE;
                    case "no" -> Boolean.FALSE;
                    case "auto" -> null;
                    default -> throw new UserError("--header: expected yes, no or auto, got '" + Csv.shortly(header) + "'");
                };
            }
            return new CsvFormat(d, h);
        }
    }

    /**
     * Which CSV columns are the features, decided once from the first line, and the number of cells every
     * line must have. The first line is a header when {@code --header yes} says so, or (detected) when
     * none of its cells is a number: a line with any numeric cell is data, so a data line with a typo, an
     * empty cell or a byte-order mark is never taken for a header.
     */
    static final class Columns {
        final int[] index;
        final boolean header;
        final int width;

        Columns(int[] index, boolean header, int width) {
            this.index = index;
            this.header = header;
            this.width = width;
        }

        /**
         * From the first line: {@code spec} is a comma-separated list of column names or 0-based
         * indices, or null to take every column when their number is the model's input size.
         */
        static Columns of(List<String> cells, Boolean declaredHeader, String spec, int features, String what) throws UserError {
            boolean anyNumber = false;
            for (String c : cells) {
                anyNumber |= numeric(c);
            }
            boolean header = declaredHeader != null ? declaredHeader : !anyNumber;
            String shown = Csv.shortly(String.join(",", cells));
            int[] idx;
            if (spec == null) {
                if (cells.size() != features) {
                    throw new UserError(what + " has " + cells.size() + " columns" + (header ? " (" + shown + ")" : "")
                            + ", the model reads " + features + " features: choose them with --columns (names or 0-based indices, e.g. --columns "
                            + (header && cells.size() > features ? Csv.shortly(String.join(",", cells.subList(1, 1 + features))) : "0,1") + ")");
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
                    for (int c = 0; c < cells.size() && header; c++) {
                        if (cells.get(c).equals(w)) {
                            if (found >= 0) {
                                throw new UserError("--columns: the header of " + what + " has '" + Csv.shortly(w) + "' twice (columns " + found
                                        + " and " + c + "); choose by 0-based index");
                            }
                            found = c;
                        }
                    }
                    if (found < 0) {
                        try {
                            found = Integer.parseInt(w);
                        } catch (NumberFormatException e) {
                            throw new UserError("--columns: no column '" + Csv.shortly(w) + "' in " + what + (header ? " (header: " + shown + ")"
                                    : " (no header)"));
                        }
                    }
                    if (found < 0 || found >= cells.size()) {
                        throw new UserError("--columns: column " + Csv.shortly(w) + " is out of range; " + what + " has " + cells.size() + " columns");
                    }
                    idx[i] = found;
                }
            }
            return new Columns(idx, header, cells.size());
        }

        /** The features of one data line into {@code dst[off..]}: exactly {@link #width} cells, the chosen ones numbers. */
        void parse(List<String> cells, int lineNo, String what, float[] dst, int off) throws UserError {
            if (cells.size() != width) {
                throw new UserError(what + " line " + lineNo + ": " + cells.size() + " cells, expected " + width + " (as on the first line)");
            }
            for (int i = 0; i < index.length; i++) {
                String c = cells.get(index[i]);
                try {
                    dst[off + i] = Float.parseFloat(c);
                } catch (NumberFormatException e) {
                    throw new UserError(what + " line " + lineNo + ", column " + index[i] + ": '" + Csv.shortly(c) + "' is not a number");
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
    static Sequences read(Path file, int features, String columns, boolean tokenIds, CsvFormat format) throws UserError, IOException {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".npy")) {
            if (columns != null) {
                throw new UserError(file + ": --columns picks CSV columns; an .npy input holds the features already, in order");
            }
            Tensor t;
            try {
                t = NumPy.readNpy(file);
            } catch (ModelFormatException e) {
                throw new UserError(e.getMessage());
            }
            int[] s = t.shape();
            for (int d : s) {
                if (d == 0) {
                    throw new UserError(file + ": array of shape " + java.util.Arrays.toString(s) + " holds no values");
                }
            }
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
        return readCsv(Files.newInputStream(file), file.toString(), features, columns, format);
    }

    /** One CSV sequence from {@code in} (closed after), {@code what} naming it in errors ({@code "stdin"} for {@code -}). */
    static Sequences readCsv(java.io.InputStream in, String what, int features, String columns, CsvFormat format) throws UserError, IOException {
        try (Csv csv = new Csv(in, what, format.delimiter())) {
            String first = csv.next();
            while (first != null && first.isBlank()) {
                first = csv.next();
            }
            if (first == null) {
                throw new UserError(what + ": empty file");
            }
            Columns cols = Columns.of(csv.cells(first), format.header(), columns, features, what);
            // One growing array of the values (4 bytes each), not an object per row: memory in proportion to the data.
            float[] data = new float[Math.max(features, 1024 * features)];
            int rows = 0;
            String line = cols.header ? csv.next() : first;
            while (line != null) {
                if (!line.isBlank()) {
                    if ((long) (rows + 1) * features > Integer.MAX_VALUE - 16) {
                        throw new UserError(what + ": more than " + rows + " rows of " + features + " features, over the 2^31 values one input holds");
                    }
                    if ((rows + 1) * features > data.length) {
                        data = java.util.Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 16, 2L * data.length));
                    }
                    cols.parse(csv.cells(line), csv.lineNo(), what, data, rows * features);
                    rows++;
                }
                line = csv.next();
            }
            if (rows == 0) {
                throw new UserError(what + ": no data rows");
            }
            return new Sequences(java.util.Arrays.copyOf(data, rows * features), 1, rows);
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
