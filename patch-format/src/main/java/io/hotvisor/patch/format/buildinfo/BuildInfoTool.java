package io.hotvisor.patch.format.buildinfo;

import io.hotvisor.patch.format.AtomicFiles;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes {@code build-info.json} for a host build; a distribution build runs it (Maven's exec
 * plugin) over its bundle jars:
 *
 * <pre>
 * java -cp ... io.hotvisor.patch.format.buildinfo.BuildInfoTool \
 *     --bundle hv-runtime:hv-runtime/target/hv-runtime-0.1.0-SNAPSHOT.jar:io.hotvisor.runtime:0.1.0 \
 *     --classpath hv-runtime:@hv-runtime/target/classpath.txt \
 *     -o dist/build-info.json
 * </pre>
 *
 * Exit status 0 on success, 2 on unusable input (one {@code build-info: error: ...} line).
 */
@Command(name = "build-info", mixinStandardHelpOptions = true,
        description = "Describe a host build (bundles, per-class hashes, build-id, compiler, classpaths) as build-info.json.")
public final class BuildInfoTool implements Callable<Integer> {
    /**
     * The javac options this repository's Maven build passes besides paths and {@code --release}
     * (maven-compiler-plugin 3.14.0 with the root pom's compilerArgs, read from {@code mvn -X}).
     */
    public static final String MAVEN_FLAGS = "-g -encoding UTF-8 -Xlint:all,-processing,-serial -XDuseUnsharedTable=true";

    @Option(names = "--bundle", required = true, paramLabel = "MODULE:JAR[:NAME:VERSION]",
            description = "A bundle jar and the module that compiled it; NAME and VERSION for a jar without OSGi headers.")
    List<String> bundles = new ArrayList<>();

    @Option(names = "--classpath", paramLabel = "MODULE:PATHS|MODULE:@FILE",
            description = "A module's compile classpath, as a path list or a file holding one "
                    + "(mvn dependency:build-classpath -Dmdep.outputFile=FILE).")
    List<String> classpaths = new ArrayList<>();

    @Option(names = "--release", defaultValue = "17", description = "javac --release (default: ${DEFAULT-VALUE}).")
    String release;

    @Option(names = "--flags", defaultValue = MAVEN_FLAGS,
            description = "Other javac options, separated by spaces (default: ${DEFAULT-VALUE}).")
    String flags;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "Where to write build-info.json.")
    Path out;

    /** Runs the tool and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the tool; returns its exit status. */
    public static int run(String... args) {
        return new CommandLine(new BuildInfoTool()).execute(args);
    }

    @Override
    public Integer call() throws IOException {
        try {
            List<BuildInfoGenerator.BundleJar> jars = new ArrayList<>();
            for (String spec : bundles) {
                String[] parts = spec.split(":", -1);
                if (parts.length != 2 && parts.length != 4) {
                    throw new BuildInfoException("--bundle " + spec + ": expected MODULE:JAR or MODULE:JAR:NAME:VERSION");
                }
                jars.add(new BuildInfoGenerator.BundleJar(Path.of(parts[1]), parts[0],
                        parts.length == 4 ? parts[2] : null, parts.length == 4 ? parts[3] : null));
            }
            Map<String, List<Path>> cp = new LinkedHashMap<>();
            for (String spec : classpaths) {
                int colon = spec.indexOf(':');
                if (colon <= 0) {
                    throw new BuildInfoException("--classpath " + spec + ": expected MODULE:PATHS or MODULE:@FILE");
                }
                String list = spec.substring(colon + 1);
                if (list.startsWith("@")) {
                    list = Files.readString(Path.of(list.substring(1)), StandardCharsets.UTF_8).strip();
                }
                List<Path> paths = new ArrayList<>();
                for (String p : list.split(File.pathSeparator)) {
                    if (!p.isBlank()) {
                        paths.add(Path.of(p.strip()));
                    }
                }
                cp.put(spec.substring(0, colon), paths);
            }
            List<String> flagList = Arrays.stream(flags.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList();
            BuildInfo info = BuildInfoGenerator.generate(jars, BuildInfoGenerator.runningCompiler(release, flagList), cp);
            AtomicFiles.write(out, BuildInfoCodec.write(info));
            return 0;
        } catch (BuildInfoException | IOException e) {
            System.err.println("build-info: error: " + e.getMessage());
            return 2;
        }
    }
}
