package io.github.panamarnn.cli;

/** A mistake of the user's (bad option, missing file, unusable model): exit code 1 and one line, no stack trace. */
final class UserError extends Exception {
    private static final long serialVersionUID = 1L;

    UserError(String message) {
        super(message);
    }
}
