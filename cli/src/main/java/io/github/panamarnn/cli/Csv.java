package io.github.panamarnn.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV as {@code run} reads it: UTF-8 (a byte-order mark at the start is dropped; other bytes that
 * are not UTF-8 are an error naming the line), one record per line (at most {@link #MAX_LINE}
 * bytes, so an endless line cannot exhaust memory), cells split at a delimiter (comma by
 * default) outside double quotes, a doubled quote inside quotes is a quote (RFC 4180; a quoted cell
 * cannot span lines here). Not thread-safe: one per input.
 */
final class Csv implements AutoCloseable {
    /** The longest line read: 1 MiB of characters. */
    static final int MAX_LINE = 1 << 20;

    private final InputStream in;
    private final String what;
    private final char delimiter;
    private final java.nio.charset.CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    private int lineNo;
    private boolean first = true;

    Csv(InputStream bytes, String what, char delimiter) {
        this.in = new java.io.BufferedInputStream(bytes, 1 << 16);
        this.what = what;
        this.delimiter = delimiter;
    }

    /** The number of the line {@link #next} returned last (1-based). */
    int lineNo() {
        return lineNo;
    }

    /** The next line without its end, or null at the end of the input. Each line is decoded on its own, so an error names its line. */
    String next() throws UserError, IOException {
        line.reset();
        lineNo++;
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (line.size() >= MAX_LINE) {
                throw new UserError(what + " line " + lineNo + " is longer than " + MAX_LINE + " bytes (is it a CSV table?)");
            }
            line.write(c);
        }
        if (c < 0 && line.size() == 0) {
            return null;
        }
        String s;
        try {
            s = utf8.decode(java.nio.ByteBuffer.wrap(line.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new UserError(what + " line " + lineNo + " is not UTF-8 text");
        }
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        if (first) {
            first = false;
            if (s.startsWith("\uFEFF")) {
                s = s.substring(1);
            }
        }
        return s;
    }

    /** The cells of {@code line}. */
    List<String> cells(String line) throws UserError {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cell.append(ch);
                }
            } else if (wasQuoted && ch != delimiter) {
                if (!Character.isWhitespace(ch)) {
                    throw new UserError(what + " line " + lineNo + ": text after a closing quote in cell " + (out.size() + 1));
                }
            } else if (ch == '"' && cell.toString().isBlank() && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
                cell.setLength(0);
            } else if (ch == delimiter) {
                out.add(wasQuoted ? cell.toString() : cell.toString().trim());
                cell.setLength(0);
                wasQuoted = false;
            } else {
                cell.append(ch);
            }
        }
        if (quoted) {
            throw new UserError(what + " line " + lineNo + ": a quoted cell is not closed on its line");
        }
        out.add(wasQuoted ? cell.toString() : cell.toString().trim());
        return out;
    }

    /** {@code s} cut to 80 characters for a message. */
    static String shortly(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
