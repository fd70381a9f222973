package io.github.panamarnn.formats;

import java.io.IOException;

/** A model file that cannot be used: the message names the file, the tensor or layer, and what was expected. */
public final class ModelFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** A refusal; {@code message} names the file and what was expected and found. */
    public ModelFormatException(String message) {
        super(message);
    }

    /** A refusal caused by {@code cause} (an I/O or parse error). */
    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
