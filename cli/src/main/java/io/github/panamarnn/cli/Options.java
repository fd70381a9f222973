package io.github.panamarnn.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} options of one subcommand, checked against what it accepts. */
final class Options {
    private final String command;
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();

    Options(String command, String[] args, int from, Set<String> withValue, Set<String> flags) throws UserError {
        this(command, args, from, withValue, flags, Set.of());
    }

    /** As above; the options in {@code repeatable} may be given several times ({@link #all}), the others once. */
    Options(String command, String[] args, int from, Set<String> withValue, Set<String> flags, Set<String> repeatable) throws UserError {
        this.command = command;
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new UserError(command + ": unexpected argument '" + a + "' (options start with --; see '" + command + " --help')");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) {
                    throw new UserError(command + ": --" + name + " takes no value");
                }
                values.put(name, "true");
            } else if (withValue.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UserError(command + ": --" + name + " needs a value");
                    }
                    value = args[++i];
                }
                if (values.containsKey(name) && !repeatable.contains(name)) {
                    throw new UserError(command + ": --" + name + " given twice ('" + values.get(name) + "' and '" + value + "'); it takes one value");
                }
                values.put(name, value);
                repeated.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(value);
            } else {
                throw new UserError(command + ": unknown option --" + name + "; known: " + known(withValue, flags));
            }
        }
    }

    private static String known(Set<String> withValue, Set<String> flags) {
        List<String> all = new java.util.ArrayList<>();
        withValue.forEach(s -> all.add("--" + s));
        flags.forEach(s -> all.add("--" + s));
        java.util.Collections.sort(all);
        return String.join(", ", all);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** Every value of a repeatable option, in the order given (empty when absent). */
    List<String> all(String name) {
        return repeated.getOrDefault(name, List.of());
    }

    String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    String require(String name) throws UserError {
        String v = values.get(name);
        if (v == null) {
            throw new UserError(command + ": --" + name + " is required (see '" + command + " --help')");
        }
        return v;
    }

    Path path(String name) throws UserError {
        return file(command + ": --" + name, require(name));
    }

    /** {@code value} as a file that can be written (checked before any work), or an error saying why not. */
    static Path output(String what, String value) throws UserError {
        Path p;
        try {
            p = Path.of(value).toAbsolutePath();
        } catch (java.nio.file.InvalidPathException e) {
            throw new UserError(what + " '" + value + "' is not a path");
        }
        if (java.nio.file.Files.isDirectory(p)) {
            throw new UserError(what + " " + value + " is a directory, expected a file to write");
        }
        Path parent = p.getParent();
        if (parent == null || !java.nio.file.Files.isDirectory(parent)) {
            throw new UserError(what + " " + value + ": its folder " + parent + " does not exist");
        }
        if (java.nio.file.Files.exists(p) ? !java.nio.file.Files.isWritable(p) || !java.nio.file.Files.isRegularFile(p)
                : !java.nio.file.Files.isWritable(parent)) {
            throw new UserError(what + " " + value + " cannot be written (permissions, or not a regular file)");
        }
        return Path.of(value);
    }

    /** {@code value} as a readable regular file, or an error saying what it is instead (missing, a directory, a device). */
    static Path file(String what, String value) throws UserError {
        Path p;
        try {
            p = Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new UserError(what + " '" + value + "' is not a path");
        }
        if (java.nio.file.Files.isDirectory(p)) {
            throw new UserError(what + " " + p + " is a directory, expected a file");
        }
        if (!java.nio.file.Files.exists(p)) {
            throw new UserError(what + " " + p + ": no such file");
        }
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw new UserError(what + " " + p + " is not a regular file (a device or a pipe?), expected a file");
        }
        if (!java.nio.file.Files.isReadable(p)) {
            throw new UserError(what + " " + p + " is not readable");
        }
        return p;
    }

    int integer(String name, int dflt, int min, int max) throws UserError {
        String v = values.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            long x = Long.parseLong(v.replace("_", ""));
            if (x < min || x > max) {
                throw new UserError(command + ": --" + name + " must be in [" + min + ", " + max + "], got " + v);
            }
            return (int) x;
        } catch (NumberFormatException e) {
            throw new UserError(command + ": --" + name + " expects an integer, got '" + v + "'");
        }
    }
}
