package io.github.panamarnn.tests.packaging;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.DocumentationTool;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public and protected member of the library modules has a comment: the javadoc tool with doclint's
 * {@code missing} group over their sources finds no {@code "no comment"}. (The build's javadoc runs doclint with
 * warnings as errors except for that group, because it also asks for an {@code @param} and {@code @return} tag on
 * every method where this API, as the JDK's, describes them in prose.)
 */
class JavadocCommentsTest {
    static final List<String> MODULES = List.of("kernels", "cells", "unroll", "model", "formats");

    @TempDir
    Path out;

    @Test
    void everyPublicMemberHasAComment() throws IOException {
        DocumentationTool tool = ToolProvider.getSystemDocumentationTool();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<Path> sources = new ArrayList<>();
        for (String m : MODULES) {
            Path root = Path.of("..", m, "src", "main", "java");
            assertTrue(Files.isDirectory(root), "no sources at " + root.toAbsolutePath());
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(p -> p.toString().endsWith(".java") && !p.getFileName().toString().equals("module-info.java")).forEach(sources::add);
            }
        }
        StringWriter log = new StringWriter();
        try (StandardJavaFileManager files = tool.getStandardFileManager(diagnostics, null, null)) {
            List<String> options = List.of("-Xdoclint:missing", "-Xmaxwarns", "100000", "-quiet", "-d", out.toString(), "--add-modules", "jdk.incubator.vector",
                    "-classpath", System.getProperty("java.class.path"));
            DocumentationTool.DocumentationTask task = tool.getTask(log, files, diagnostics, null, options, files.getJavaFileObjectsFromPaths(sources));
            boolean ok = task.call();
            assertTrue(ok, "javadoc failed:\n" + log + diagnostics.getDiagnostics());
        }
        List<String> missing = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            String msg = d.getMessage(null);
            if (msg.contains("no comment") || msg.contains("no main description")) {
                missing.add((d.getSource() == null ? "?" : Path.of(d.getSource().toUri()).getFileName()) + ":" + d.getLineNumber() + ": " + msg);
            }
        }
        assertTrue(missing.isEmpty(), missing.size() + " public members without a comment:\n" + String.join("\n", missing));
    }
}
