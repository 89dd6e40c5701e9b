package io.hotvisor.patch.builder.host;

import io.hotvisor.patch.builder.BuildException;
import io.hotvisor.patch.builder.compile.ClasspathResolver;
import io.hotvisor.patch.builder.compile.CompiledModule;
import io.hotvisor.patch.builder.compile.ModuleBuilds;
import io.hotvisor.patch.builder.source.SourceTree;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles every module the build-info names (each bundle's module, and the modules of a bundle's
 * own classes such as its activator) at a revision, through the content-addressed
 * {@link ModuleBuilds} cache: a module whose sources and whose siblings' API did not change is read
 * from the cache, so compiling the whole host costs about what compiling the touched modules did.
 */
public final class HostCompiler {
    private final List<String> modules;
    private final ModuleBuilds builds;

    /**
     * @param target     the host's build-info
     * @param mavenRepo  local Maven repository holding the dependency jars
     * @param cacheDir   the module cache
     * @param workTree   the checkout (its modules' {@code target/} folders are searched for jars too); may be {@code null}
     * @throws BuildException {@code MISSING_DEPENDENCY} when a recorded jar is not found with its hash
     */
    public HostCompiler(BuildInfo target, Path mavenRepo, Path cacheDir, Path workTree) throws BuildException {
        this.modules = target.modules().stream().map(BuildInfo.Module::path).sorted().toList();
        ClasspathResolver resolver = new ClasspathResolver(mavenRepo,
                workTree == null ? List.of() : ClasspathResolver.moduleTargetsOf(workTree),
                workTree == null ? java.util.Set.of() : ClasspathResolver.moduleNamesOf(workTree));
        // One walk of the repository for the jars of all modules, then each module's list in its order.
        Map<String, BuildInfo.Jar> union = new LinkedHashMap<>();
        target.modules().forEach(m -> m.classpath().stream().filter(j -> !resolver.ownModuleJar(j.file()))
                .forEach(j -> union.putIfAbsent(j.file() + " " + j.sha256().hex(), j)));
        List<Path> found = resolver.resolve(String.join(", ", modules), new ArrayList<>(union.values()));
        Map<String, Path> pathOf = new HashMap<>();
        int i = 0;
        for (String k : union.keySet()) {
            pathOf.put(k, found.get(i++));
        }
        Map<String, List<Path>> jars = new HashMap<>();
        Map<String, List<BuildInfo.Jar>> hashes = new HashMap<>();
        for (BuildInfo.Module m : target.modules()) {
            hashes.put(m.path(), m.classpath());
            jars.put(m.path(), m.classpath().stream().filter(j -> !resolver.ownModuleJar(j.file()))
                    .map(j -> pathOf.get(j.file() + " " + j.sha256().hex())).toList());
        }
        this.builds = new ModuleBuilds(target.compiler(), jars, hashes, cacheDir);
    }

    /** The modules the build-info names, in path order (compiling them compiles their reactor siblings too). */
    public List<String> modules() {
        return modules;
    }

    /** The whole host at one revision. */
    public HostBuild compile(SourceTree tree) throws BuildException {
        Map<String, CompiledModule> out = new LinkedHashMap<>();
        for (String module : ModuleBuilds.withSiblings(tree, modules)) {
            out.put(module, builds.build(tree, module));
        }
        return new HostBuild(tree.label(), out);
    }

    /**
     * The whole host at two revisions, one after the other: the modules the change did not touch
     * have the same cache key at both, so the second revision takes them from the first's results
     * instead of compiling them twice on two threads.
     */
    public HostBuild[] compileBoth(SourceTree before, SourceTree after) throws BuildException {
        HostBuild b = compile(before);
        return new HostBuild[] {b, compile(after)};
    }
}
