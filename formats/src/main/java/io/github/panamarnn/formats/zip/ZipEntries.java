package io.github.panamarnn.formats.zip;

import io.github.panamarnn.formats.Budget;
import io.github.panamarnn.formats.ModelFormatException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One zip entry of a model file ({@code .keras}, {@code .npz}) read with its integrity checked: its
 * declared size is taken from the {@link Budget} before anything is inflated (a zip bomb is refused
 * unopened), it must inflate to exactly that size (no more, no less), and the bytes must match the
 * entry's CRC-32 ({@link ZipFile} itself does not check it: one flipped bit would otherwise load as
 * other weights).
 */
public final class ZipEntries {
    private ZipEntries() {
    }

    /**
     * The bytes of entry {@code e} of {@code zip}, its declared size taken from {@code budget} before it is inflated and its
     * CRC-32 checked after; a damaged entry is refused naming {@code file} and the entry.
     */
    public static byte[] read(ZipFile zip, ZipEntry e, Path file, Budget budget) throws ModelFormatException {
        String what = "zip entry '" + e.getName() + "'";
        long size = e.getSize();
        if (size < 0) {
            throw new ModelFormatException(file + ": " + what + " has no declared size");
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new ModelFormatException(file + ": " + what + " declares " + size + " bytes, over the 2 GiB a single entry may hold here");
        }
        budget.take(size, what);
        byte[] b;
        try (InputStream in = zip.getInputStream(e)) {
            b = in.readNBytes((int) size);
            if (b.length < size) {
                throw new ModelFormatException(file + ": " + what + " is truncated: " + b.length + " of its " + size + " bytes");
            }
            if (in.read() >= 0) {
                throw new ModelFormatException(file + ": " + what + " inflates to more than its declared " + size + " bytes");
            }
        } catch (ModelFormatException x) {
            throw x;
        } catch (IOException | RuntimeException x) {
            throw new ModelFormatException(file + ": " + what + " cannot be inflated (" + oneLine(x) + ")", x);
        }
        CRC32 crc = new CRC32();
        crc.update(b);
        if (e.getCrc() != crc.getValue()) {
            throw new ModelFormatException(file + ": " + what + " is damaged: its CRC-32 is " + Long.toHexString(crc.getValue()) + ", the archive "
                    + "records " + Long.toHexString(e.getCrc()));
        }
        return b;
    }

    /** An exception's message on one line, without parser internals past the first line. */
    public static String oneLine(Throwable x) {
        String m = x.getMessage() == null ? x.getClass().getSimpleName() : x.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
