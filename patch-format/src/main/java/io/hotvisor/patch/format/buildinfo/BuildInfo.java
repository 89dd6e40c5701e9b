package io.hotvisor.patch.format.buildinfo;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.Sha256;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A host build's description ({@code build-info.json}, README section "Build info"): its build-id,
 * the compiler that built it, its bundles with a SHA-256 per class, and each module's compile
 * classpath. Immutable; lists are copied.
 *
 * @param formatVersion JSON {@code format-version}: {@code "1.0"}
 * @param buildId       JSON {@code build-id}: {@link BuildId#compute} over every class of every bundle
 * @param compiler      JSON {@code compiler}
 * @param bundles       JSON {@code bundles}, in symbolic-name order
 * @param modules       JSON {@code modules}: the compile classpath of each module named by a bundle
 */
@JsonPropertyOrder({"format-version", "build-id", "compiler", "bundles", "modules"})
public record BuildInfo(
        @JsonProperty(value = "format-version", required = true) String formatVersion,
        @JsonProperty(value = "build-id", required = true) BuildId buildId,
        @JsonProperty(value = "compiler", required = true) Compiler compiler,
        @JsonProperty(value = "bundles", required = true) List<Bundle> bundles,
        @JsonProperty(value = "modules", required = true) List<Module> modules) {

    /** The format version this code writes and reads. */
    public static final String FORMAT_VERSION = "1.0";

    /** Rejects {@code null} components; copies the lists. */
    public BuildInfo {
        Objects.requireNonNull(formatVersion, "format-version");
        Objects.requireNonNull(buildId, "build-id");
        Objects.requireNonNull(compiler, "compiler");
        bundles = List.copyOf(Objects.requireNonNull(bundles, "bundles"));
        modules = List.copyOf(Objects.requireNonNull(modules, "modules"));
    }

    /** The bundles whose classes were compiled from {@code modulePath}. */
    public List<Bundle> bundlesOf(String modulePath) {
        return bundles.stream().filter(b -> b.module().equals(modulePath)).toList();
    }

    /** The classpath recorded for {@code modulePath}, if any. */
    public Optional<Module> module(String modulePath) {
        return modules.stream().filter(m -> m.path().equals(modulePath)).findFirst();
    }

    /**
     * How the build compiled its classes.
     *
     * @param javacVersion JSON {@code javac-version}: {@link Runtime#version()} of the compiling JDK ({@code 17.0.15})
     * @param vendor       JSON {@code vendor}: {@code java.vendor} of the compiling JDK
     * @param release      JSON {@code release}: the {@code --release} value ({@code 17})
     * @param flags        JSON {@code flags}: the other javac options, in order, as the build passed
     *                     them, without paths ({@code -d}, {@code -classpath}, {@code -sourcepath}, {@code -s})
     */
    @JsonPropertyOrder({"javac-version", "vendor", "release", "flags"})
    public record Compiler(
            @JsonProperty(value = "javac-version", required = true) String javacVersion,
            @JsonProperty(value = "vendor", required = true) String vendor,
            @JsonProperty(value = "release", required = true) String release,
            @JsonProperty(value = "flags", required = true) List<String> flags) {

        /** Rejects {@code null} components; copies the flags. */
        public Compiler {
            Objects.requireNonNull(javacVersion, "javac-version");
            Objects.requireNonNull(vendor, "vendor");
            Objects.requireNonNull(release, "release");
            flags = List.copyOf(Objects.requireNonNull(flags, "flags"));
        }
    }

    /**
     * One OSGi bundle of the host.
     *
     * @param symbolicName JSON {@code symbolic-name}: {@code Bundle-SymbolicName}
     * @param version      JSON {@code version}: {@code Bundle-Version}
     * @param module       JSON {@code module}: repository-relative path of the Maven module whose
     *                     {@code src/main/java} compiled these classes ({@code hv-runtime})
     * @param classes      JSON {@code classes}, in binary-name order
     */
    @JsonPropertyOrder({"symbolic-name", "version", "module", "classes"})
    public record Bundle(
            @JsonProperty(value = "symbolic-name", required = true) String symbolicName,
            @JsonProperty(value = "version", required = true) String version,
            @JsonProperty(value = "module", required = true) String module,
            @JsonProperty(value = "classes", required = true) List<ClassHash> classes) {

        /** Rejects {@code null} components; copies the classes. */
        public Bundle {
            Objects.requireNonNull(symbolicName, "symbolic-name");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(module, "module");
            classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
        }

        /** The recorded hash of {@code className}, if this bundle holds it. */
        public Optional<Sha256> hashOf(String className) {
            return classes.stream().filter(c -> c.name().equals(className)).map(ClassHash::sha256).findFirst();
        }
    }

    /**
     * One class of a bundle.
     *
     * @param name   JSON {@code name}: binary class name ({@code a.b.Outer$Inner})
     * @param sha256 JSON {@code sha256}: of its class-file bytes
     */
    @JsonPropertyOrder({"name", "sha256"})
    public record ClassHash(
            @JsonProperty(value = "name", required = true) String name,
            @JsonProperty(value = "sha256", required = true) Sha256 sha256) {

        /** Rejects {@code null} components. */
        public ClassHash {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /**
     * A Maven module's compile classpath: the dependency jars, without the reactor's own modules.
     *
     * @param path      JSON {@code path}: repository-relative module path
     * @param classpath JSON {@code classpath}, in the build's classpath order
     */
    @JsonPropertyOrder({"path", "classpath"})
    public record Module(
            @JsonProperty(value = "path", required = true) String path,
            @JsonProperty(value = "classpath", required = true) List<Jar> classpath) {

        /** Rejects {@code null} components; copies the list. */
        public Module {
            Objects.requireNonNull(path, "path");
            classpath = List.copyOf(Objects.requireNonNull(classpath, "classpath"));
        }
    }

    /**
     * One dependency jar.
     *
     * @param file   JSON {@code file}: its file name ({@code picocli-4.7.7.jar})
     * @param sha256 JSON {@code sha256}: of the jar file
     */
    @JsonPropertyOrder({"file", "sha256"})
    public record Jar(
            @JsonProperty(value = "file", required = true) String file,
            @JsonProperty(value = "sha256", required = true) Sha256 sha256) {

        /** Rejects {@code null} components. */
        public Jar {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(sha256, "sha256");
        }
    }
}
