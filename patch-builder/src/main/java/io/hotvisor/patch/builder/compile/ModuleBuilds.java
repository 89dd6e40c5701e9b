package io.hotvisor.patch.builder.compile;

import io.hotvisor.patch.builder.BuildError;
import io.hotvisor.patch.builder.BuildException;
import io.hotvisor.patch.builder.source.SourceTree;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.eclipse.jgit.lib.ObjectId;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Compiles modules of a revision with their reactor siblings, through a cache.
 *
 * <p>A module's compile classpath is its dependency jars (from the build-info) plus the output of
 * every reactor sibling its {@code pom.xml} depends on outside test scope, compiled from the same
 * revision. The cache key is the module's git tree id (a content hash: any change to any file of
 * the module changes it) with the javac version, release, flags, jar hashes and the siblings' API
 * hashes ({@link ApiHash}: their class files without method code, which is all javac reads of a
 * class on the classpath), so a cached result is exactly what compiling again would give, and a
 * change to a method body of hv-runtime does not recompile every module that depends on it. Entries are written to a temporary
 * directory and moved into place, so a crash never leaves a half entry.
 */
public final class ModuleBuilds {
    private final ModuleCompiler compiler = new ModuleCompiler();
    private final BuildInfo.Compiler flags;
    private final Map<String, List<Path>> jarsByModule;
    private final Map<String, List<BuildInfo.Jar>> jarHashes;
    private final Path cacheDir;
    /** Modules already compiled or read in this build, by cache key: each is read from disk once. */
    private final Map<String, CompiledModule> memo = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param flags        the compiler release and flags to use
     * @param jarsByModule resolved dependency jars per module path (a module not named has none)
     * @param jarHashes    the build-info's jar list per module, for the cache key
     * @param cacheDir     the cache directory (created if missing)
     */
    public ModuleBuilds(BuildInfo.Compiler flags, Map<String, List<Path>> jarsByModule,
                        Map<String, List<BuildInfo.Jar>> jarHashes, Path cacheDir) {
        this.flags = flags;
        this.jarsByModule = Map.copyOf(jarsByModule);
        this.jarHashes = Map.copyOf(jarHashes);
        this.cacheDir = cacheDir;
    }

    /**
     * Compiles {@code module} of {@code tree} (and the siblings it needs), or takes it from the cache.
     *
     * @throws BuildException {@code COMPILE_FAILED}, {@code IO_ERROR}
     */
    public CompiledModule build(SourceTree tree, String module) throws BuildException {
        return build(tree, module, new LinkedHashSet<>());
    }

    /**
     * {@code modules} and every reactor sibling they depend on at {@code tree}, transitively, in
     * path order: all the modules whose classes a host built from these modules can hold.
     *
     * @throws BuildException {@code IO_ERROR} when a pom cannot be read
     */
    public static List<String> withSiblings(SourceTree tree, List<String> modules) throws BuildException {
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(modules);
        try {
            while (!todo.isEmpty()) {
                String m = todo.poll();
                if (out.add(m)) {
                    todo.addAll(siblingsOf(tree, m));
                }
            }
        } catch (IOException e) {
            throw new BuildException(BuildError.IO_ERROR, "cannot read the poms at " + tree.label() + ": " + e.getMessage(), e);
        }
        return List.copyOf(out);
    }

    /**
     * Every jar the build-info records, for a module whose own classpath it does not record and that
     * no recorded module needs (extra jars on a classpath do not change what javac writes).
     */
    private List<Path> allJars() {
        Set<Path> all = new LinkedHashSet<>();
        jarsByModule.keySet().stream().sorted().forEach(m -> all.addAll(jarsByModule.get(m)));
        return List.copyOf(all);
    }

    private CompiledModule build(SourceTree tree, String module, Set<String> visiting) throws BuildException {
        return build(tree, module, visiting, List.of());
    }

    /**
     * @param inherited the jars of the module that needs this one: a sibling whose own classpath the
     *                  build-info does not record compiles against them (a dependent's Maven compile
     *                  classpath holds its dependencies' compile dependencies too)
     */
    private CompiledModule build(SourceTree tree, String module, Set<String> visiting, List<Path> inherited)
            throws BuildException {
        if (!visiting.add(module)) {
            throw new BuildException(BuildError.COMPILE_FAILED, "modules depend on each other in a cycle: " + visiting);
        }
        try {
            String sourceDir = module + "/src/main/java";
            Optional<ObjectId> treeId = tree.subtreeId(sourceDir);
            List<Path> jars = jarsByModule.getOrDefault(module, inherited.isEmpty() ? allJars() : inherited);
            List<CompiledModule> siblings = new ArrayList<>();
            // Maven's compile classpath holds the siblings' own compile dependencies too: transitively.
            for (String sibling : withSiblings(tree, siblingsOf(tree, module))) {
                siblings.add(build(tree, sibling, new LinkedHashSet<>(visiting), jars));
            }
            List<Path> classpath = new ArrayList<>();
            siblings.forEach(s -> classpath.add(s.directory()));
            classpath.addAll(jars);
            String key = cacheKey(module, treeId.map(ObjectId::name).orElse("none"), siblings);
            CompiledModule known = memo.get(key);
            if (known != null) {
                return new CompiledModule(module, tree.label(), known.classes(), known.directory(), true);
            }
            Path entry = cacheDir.resolve("modules").resolve(key);
            Path classes = entry.resolve("classes");
            if (Files.isDirectory(classes)) {
                return remember(key, new CompiledModule(module, tree.label(), ModuleCompiler.readClasses(classes), classes, true));
            }
            Files.createDirectories(entry.getParent());
            Path work = Files.createTempDirectory(entry.getParent(), key + ".tmp");
            try {
                Path out = Files.createDirectories(work.resolve("classes"));
                Map<String, byte[]> sources = treeId.isPresent() ? tree.files(sourceDir) : Map.of();
                SortedMap<String, byte[]> compiled = compiler.compile(module, tree.label(), sources, flags, classpath, out);
                try {
                    Files.move(work, entry, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    // Another build (the other revision's, sharing a sibling) filled the entry
                    // first: it holds the same bytes. Anything else is a real failure.
                    if (!Files.isDirectory(classes)) {
                        throw raced;
                    }
                }
                return remember(key, new CompiledModule(module, tree.label(), compiled, classes, false));
            } finally {
                deleteTree(work);
            }
        } catch (IOException e) {
            throw new BuildException(BuildError.IO_ERROR, "cannot compile " + module + " at " + tree.label() + ": " + e.getMessage(), e);
        } finally {
            visiting.remove(module);
        }
    }

    private CompiledModule remember(String key, CompiledModule module) {
        memo.putIfAbsent(key, module);
        return module;
    }

    private String cacheKey(String module, String treeId, List<CompiledModule> siblings) {
        StringBuilder k = new StringBuilder("hvpatch-module-v2\n").append(module).append('\n').append(treeId).append('\n')
                .append(ModuleCompiler.javacVersion()).append('\n').append(flags.release()).append('\n')
                .append(String.join(" ", flags.flags())).append('\n');
        for (BuildInfo.Jar jar : jarHashes.getOrDefault(module, List.of())) {
            k.append(jar.file()).append(' ').append(jar.sha256().hex()).append('\n');
        }
        for (CompiledModule s : siblings) {
            k.append("sibling ").append(s.module()).append(' ').append(ApiHash.of(s.classMap())).append('\n');
        }
        return Sha256.of(k.toString().getBytes(StandardCharsets.UTF_8)).hex().substring(0, 32);
    }

    /**
     * The reactor siblings {@code module}'s pom depends on outside test scope: dependencies whose
     * artifactId names a directory of the same revision that has a pom.xml.
     */
    static List<String> siblingsOf(SourceTree tree, String module) throws IOException {
        Optional<byte[]> pom = tree.file(module + "/pom.xml");
        if (pom.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(pom.get()));
        } catch (Exception e) {
            throw new IOException(module + "/pom.xml is not well-formed XML: " + e.getMessage(), e);
        }
        Element project = doc.getDocumentElement();
        Element deps = child(project, "dependencies");
        if (deps == null) {
            return out;
        }
        NodeList list = deps.getChildNodes();
        String parentDir = module.contains("/") ? module.substring(0, module.lastIndexOf('/') + 1) : "";
        for (int i = 0; i < list.getLength(); i++) {
            if (!(list.item(i) instanceof Element dep) || !dep.getTagName().equals("dependency")) {
                continue;
            }
            Element scope = child(dep, "scope");
            if (scope != null && List.of("test", "import").contains(scope.getTextContent().strip())) {
                continue;
            }
            Element artifact = child(dep, "artifactId");
            if (artifact == null) {
                continue;
            }
            // A sibling in the same folder (osgi-bundles/bundle-host next to osgi-bundles/hvctl),
            // else one at the root (hv-runtime, which every bundle module depends on).
            String artifactId = artifact.getTextContent().strip();
            for (String candidate : parentDir.isEmpty() ? List.of(artifactId) : List.of(parentDir + artifactId, artifactId)) {
                if (!candidate.equals(module) && tree.file(candidate + "/pom.xml").isPresent()) {
                    out.add(candidate);
                    break;
                }
            }
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

}
