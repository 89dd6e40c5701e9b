package io.hotvisor.patch.builder;

import io.hotvisor.patch.builder.bundle.BundleJars;
import io.hotvisor.patch.builder.bundle.BundleUpdate;
import io.hotvisor.patch.builder.bundle.BundleUpdates;
import io.hotvisor.patch.builder.compile.ClasspathResolver;
import io.hotvisor.patch.builder.compile.CompiledModule;
import io.hotvisor.patch.builder.compile.ModuleBuilds;
import io.hotvisor.patch.builder.compile.ModuleCompiler;
import io.hotvisor.patch.builder.diff.Classifier;
import io.hotvisor.patch.builder.diff.HookScanner;
import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.builder.source.GitSources;
import io.hotvisor.patch.builder.source.SourceTree;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.buildinfo.BuildInfoCodec;
import io.hotvisor.patch.format.buildinfo.BuildInfoException;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.payload.BundleChange;
import io.hotvisor.patch.format.payload.ClassChange;
import io.hotvisor.patch.format.payload.PayloadDraft;
import io.hotvisor.patch.format.payload.PayloadWriter;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs {@code hvpatch build}: source, compile (base and head in parallel), check the base against
 * the target, diff and classify, write. One instance per build; not thread-safe.
 *
 * <p>What it writes: a livepatch when every change redefines; when some does not (a new field, a
 * new method, a changed hierarchy) and {@link BuildRequest#allowBundleUpdate()} is set, a
 * bundle-update payload replacing the touched bundles whole, if all of them declare
 * {@code Hotvisor-Replaceable} ({@link io.hotvisor.patch.builder.bundle.BundleUpdates}); otherwise
 * a refusal.
 *
 * <p>Guarantees: the user's working tree and repository are only read; the output file appears
 * whole or not at all (written beside itself and renamed); the same inputs give the same bytes
 * (the creation time is the head commit's, or the base commit's for a diff).
 */
public final class PatchBuilder {
    /** Name and version recorded as the manifest's {@code build-tool}. */
    public static final String TOOL = "hvpatch 0.1.0";
    /** The number of stages {@link Progress} is told about. */
    public static final int STAGES = 5;

    /** Told when each stage starts and ends (the CLI prints {@code [1/5] reading revisions ... done (0.2 s)}). */
    public interface Progress {
        /** A stage begins. */
        void stage(int number, String what);

        /** The stage that began last ended; {@code detail} may be empty. */
        void done(String detail);

        /** Prints nothing. */
        Progress NONE = new Progress() {
            @Override
            public void stage(int number, String what) {
            }

            @Override
            public void done(String detail) {
            }
        };
    }

    private final BuildRequest request;
    private final Progress progress;
    private final List<String> notes = new ArrayList<>();

    /** A builder for one request. */
    public PatchBuilder(BuildRequest request, Progress progress) {
        this.request = request;
        this.progress = progress;
    }

    /**
     * Builds.
     *
     * @throws BuildException for every way the inputs or the change can fail; the message is the
     *                        one line to show, {@link BuildException#details()} the lines before it
     */
    public BuildResult build() throws BuildException {
        BuildInfo target = readTarget();
        checkCompiler(target.compiler());
        SigningKey key = request.dryRun() ? null : readKey();
        progress.stage(1, "reading revisions");
        try (GitSources git = GitSources.open(request.repo())) {
            GitSources.Revision base = git.resolve(request.base());
            SourceTree baseTree = git.tree(base);
            SourceTree headTree;
            // What the host runs before this payload: the base, plus the diffs of the payloads below it.
            SourceTree oldTree = baseTree;
            Set<String> changed;
            GitSources.Revision head = null;
            if (request.head() != null) {
                head = git.resolve(request.head());
                headTree = git.tree(head);
                changed = changedPaths(git, baseTree, headTree);
            } else {
                List<Path> files = new ArrayList<>(request.appliedDiffs());
                files.add(request.diff());
                List<byte[]> diffs = new ArrayList<>();
                for (Path f : files) {
                    diffs.add(readDiff(f));
                }
                List<SourceTree> trees = git.applyDiffs(base, files, diffs);
                headTree = trees.get(trees.size() - 1);
                oldTree = trees.size() > 1 ? trees.get(trees.size() - 2) : baseTree;
                changed = changedPathsOfDiff(git, oldTree, headTree);
            }
            List<String> modules = touchedModules(target, changed);
            progress.done(modules.isEmpty() ? "no module of the target changed" : "modules " + String.join(", ", modules));
            if (modules.isEmpty()) {
                throw new BuildException(BuildError.NOTHING_TO_PATCH, "nothing to patch: the change touches no source of a module the target "
                        + "build holds (" + String.join(", ", moduleNames(target)) + ")");
            }
            ModuleBuilds builds = moduleBuilds(target, modules, git.workTree());
            progress.stage(2, "compiling " + String.join(", ", modules) + " at " + oldTree.label() + " and " + headTree.label());
            Map<String, CompiledModule[]> compiled = compileBoth(builds, modules, oldTree, headTree);
            progress.done(cacheNote(compiled));
            progress.stage(3, "checking the base build against the target");
            for (String module : modules) {
                checkBase(target, module, oldTree == baseTree ? compiled.get(module)[0] : builds.build(baseTree, module));
            }
            progress.done("matches " + target.buildId().hex().substring(0, 16));
            progress.stage(4, "diffing bytecode");
            List<Verdict> verdicts = new ArrayList<>();
            Map<String, String> moduleOf = new HashMap<>();
            for (String module : modules) {
                for (Verdict v : Classifier.classify(compiled.get(module)[0].classMap(), compiled.get(module)[1].classMap())) {
                    verdicts.add(v);
                    moduleOf.put(v.className(), module);
                }
            }
            List<String> refusals = new ArrayList<>();
            for (Verdict v : verdicts) {
                v.refusals().forEach(r -> refusals.add("refused: " + v.className() + ": " + r));
            }
            List<Hook> hooks = hooks(target, verdicts, moduleOf, refusals);
            progress.done(summary(verdicts));
            Metadata metadata = metadata(target, base, head);
            if (verdicts.stream().anyMatch(v -> v.kind() == Verdict.Kind.REFUSED)) {
                // More than a JVM can redefine: maybe the bundles can be replaced whole instead.
                List<String> problems = hooksClasses(verdicts, moduleOf, compiled);
                if (request.allowBundleUpdate()) {
                    BundleUpdates.Plan plan = BundleUpdates.plan(target, moduleChanges(modules, compiled, verdicts, moduleOf),
                            BundleJars.open(request.target()));
                    problems.addAll(plan.problems());
                    if (problems.isEmpty()) {
                        return writeBundleUpdate(target, verdicts, plan.updates(), metadata, key);
                    }
                    refusals.addAll(problems);
                    throw new BuildException(BuildError.REFUSED, "the change cannot be applied to a running host ("
                            + refusals.size() + " refusal" + (refusals.size() == 1 ? "" : "s") + "), not even as a bundle update; "
                            + "--explain says what to do instead", refusals, null);
                }
                List<String> wouldReplace = problems.isEmpty() ? bundleUpdateHint(target, modules, compiled, verdicts, moduleOf) : List.of();
                throw new BuildException(BuildError.REFUSED, "the change cannot be applied to a running host ("
                        + refusals.size() + " refusal" + (refusals.size() == 1 ? "" : "s") + "); --explain says what to do instead",
                        refusals, null, wouldReplace);
            }
            if (!refusals.isEmpty()) {
                throw new BuildException(BuildError.REFUSED, "the change cannot be applied to a running host ("
                        + refusals.size() + " refusal" + (refusals.size() == 1 ? "" : "s") + "); --explain says what to do instead",
                        refusals, null);
            }
            if (verdicts.isEmpty() && hooks.isEmpty()) {
                throw new BuildException(BuildError.NOTHING_TO_PATCH, "nothing to patch: the change has no effect on bytecode "
                        + "(only comments, formatting, line numbers or files outside the compiled sources changed)");
            }
            progress.stage(5, request.dryRun() ? "writing payload (dry run: skipped)" : "writing payload");
            if (request.dryRun()) {
                progress.done("");
                return new BuildResult(verdicts, hooks, notes, null, null, null);
            }
            List<ClassChange> changes = new ArrayList<>();
            for (Verdict v : verdicts) {
                BuildInfo.Bundle bundle = bundleFor(target, moduleOf.get(v.className()), v.className());
                ClassImage image = new ClassImage(bundle.symbolicName(), bundle.version(), v.className(), v.bytes());
                // A redefine expects the bytes the host runs just before this payload: the target's
                // (checkBase proved the base build equals it), or those the payloads below it put
                // there (the base plus the applied diffs, compiled the same way).
                changes.add(v.kind() == Verdict.Kind.REDEFINE
                        ? ClassChange.redefine(image, Sha256.of(compiled.get(moduleOf.get(v.className()))[0].classMap().get(v.className())))
                        : ClassChange.define(image));
            }
            PayloadDraft draft = new PayloadDraft(request.name(), target.buildId(), dependsOn(), changes, hooks, metadata);
            byte[] bytes = write(draft, key);
            return new BuildResult(verdicts, hooks, notes, payloadBuildId(bytes), request.output(), bytes);
        } catch (IOException e) {
            throw new BuildException(BuildError.IO_ERROR, "cannot read the repository: " + e.getMessage(), e);
        }
    }

    /**
     * Writes a bundle-update payload (or, for a dry run, only says what it would hold). The refused
     * verdicts become notes: they say why this is not a livepatch.
     */
    private BuildResult writeBundleUpdate(BuildInfo target, List<Verdict> verdicts, List<BundleUpdate> updates,
                                          Metadata metadata, SigningKey key) throws BuildException {
        for (Verdict v : verdicts) {
            v.refusals().forEach(r -> notes.add("as a redefine: refused: " + v.className() + ": " + r));
        }
        progress.stage(5, request.dryRun() ? "writing bundle-update payload (dry run: skipped)" : "writing bundle-update payload");
        if (request.dryRun()) {
            progress.done("");
            return new BuildResult(verdicts, List.of(), notes, updates, null, null, null);
        }
        List<BundleChange> changes = updates.stream().map(BundleUpdate::change).toList();
        byte[] bytes = write(PayloadDraft.bundleUpdate(request.name(), target.buildId(), dependsOn(), changes, metadata), key);
        return new BuildResult(verdicts, List.of(), notes, updates, payloadBuildId(bytes), request.output(), bytes);
    }

    /** Signs, writes atomically, and ends the last stage. */
    private byte[] write(PayloadDraft draft, SigningKey key) throws BuildException {
        byte[] bytes;
        try {
            bytes = PayloadWriter.write(draft, key);
        } catch (PayloadException e) {
            throw new BuildException(BuildError.REFUSED, "the payload cannot be written: " + e.getMessage(), e);
        }
        writeAtomically(request.output(), bytes);
        progress.done(bytes.length + " bytes");
        return bytes;
    }

    private Metadata metadata(BuildInfo target, GitSources.Revision base, GitSources.Revision head) {
        Instant created = head != null ? head.commitTime() : base.commitTime();
        return new Metadata(request.description(), request.author(), request.repo().toAbsolutePath().normalize().toString(),
                base.sha1(), head != null ? head.sha1() : base.sha1() + "+" + diffNames(),
                TOOL, "javac " + ModuleCompiler.javacVersion(), compilerFlags(target.compiler()),
                DateTimeFormatter.ISO_INSTANT.format(created.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC).toInstant()));
    }

    private BuildId dependsOn() throws BuildException {
        return request.dependsOn() == null ? null : parseDependsOn();
    }

    /** A bundle-update payload carries no hooks (patch-format, "Top level"): one line per hooks class of the change. */
    private static List<String> hooksClasses(List<Verdict> verdicts, Map<String, String> moduleOf,
                                             Map<String, CompiledModule[]> compiled) {
        List<String> out = new ArrayList<>();
        for (Verdict v : verdicts) {
            byte[] head = compiled.get(moduleOf.get(v.className()))[1].classMap().get(v.className());
            if (head != null && HookScanner.isHooksClass(head)) {
                out.add("not a bundle update: " + v.className() + " is a @LivepatchHooks class, and a bundle-update payload "
                        + "carries no hooks");
            }
        }
        return out;
    }

    private static List<BundleUpdates.ModuleChange> moduleChanges(List<String> modules, Map<String, CompiledModule[]> compiled,
                                                                  List<Verdict> verdicts, Map<String, String> moduleOf) {
        List<BundleUpdates.ModuleChange> out = new ArrayList<>();
        for (String module : modules) {
            Set<String> changed = new TreeSet<>();
            verdicts.stream().map(Verdict::className).filter(c -> module.equals(moduleOf.get(c))).forEach(changed::add);
            out.add(new BundleUpdates.ModuleChange(module, compiled.get(module)[0].classMap(), compiled.get(module)[1].classMap(), changed));
        }
        return out;
    }

    /**
     * Without {@code --allow-bundle-update}: the bundles it would replace, for {@code --explain}; empty
     * when it would not build one, or when the distribution's jars are not there to tell.
     */
    private List<String> bundleUpdateHint(BuildInfo target, List<String> modules, Map<String, CompiledModule[]> compiled,
                                          List<Verdict> verdicts, Map<String, String> moduleOf) {
        Optional<BundleJars> jars = BundleJars.find(request.target());
        if (jars.isEmpty()) {
            return List.of();
        }
        try {
            BundleUpdates.Plan plan = BundleUpdates.plan(target, moduleChanges(modules, compiled, verdicts, moduleOf), jars.get());
            return plan.possible() ? plan.bundles() : List.of();
        } catch (BuildException e) {
            return List.of(); // a missing or foreign jar only means no hint; the flag would report it
        }
    }

    private static BuildId payloadBuildId(byte[] bytes) throws BuildException {
        try {
            return new io.hotvisor.patch.format.payload.PayloadReader().inspect(bytes).manifest().payloadBuildId();
        } catch (PayloadException e) {
            throw new BuildException(BuildError.IO_ERROR, "the written payload does not read back: " + e.getMessage(), e);
        }
    }

    private BuildInfo readTarget() throws BuildException {
        try {
            return BuildInfoCodec.read(request.target());
        } catch (BuildInfoException e) {
            throw new BuildException(BuildError.BAD_TARGET, "--target " + e.getMessage(), e);
        }
    }

    private void checkCompiler(BuildInfo.Compiler compiler) throws BuildException {
        String running = ModuleCompiler.javacVersion();
        if (!running.equals(compiler.javacVersion())) {
            if (!request.forceCompiler()) {
                throw new BuildException(BuildError.COMPILER_MISMATCH, "the target was built with javac " + compiler.javacVersion()
                        + " (" + compiler.vendor() + ") but this is javac " + running + " (" + System.getProperty("java.vendor")
                        + "); run hvpatch with the target's JDK, or pass --force-compiler (not recommended: the base build "
                        + "will likely not match the running classes)");
            }
            notes.add("--force-compiler: building with javac " + running + " for a target built with javac " + compiler.javacVersion());
        }
    }

    private SigningKey readKey() throws BuildException {
        if (request.key() == null || request.output() == null) {
            throw new BuildException(BuildError.BAD_KEY, "--key and -o are required unless --dry-run is given");
        }
        try {
            return KeyFiles.readSigningKey(request.key());
        } catch (PayloadException e) {
            throw new BuildException(BuildError.BAD_KEY, "--key " + e.getMessage(), e);
        }
    }

    /** The diffs by file name and the folder holding it ({@code xsa-hv-1/fix.diff}), lowest first. */
    private String diffNames() {
        StringBuilder out = new StringBuilder();
        for (Path applied : request.appliedDiffs()) {
            out.append(shortName(applied)).append('+');
        }
        return out.append(shortName(request.diff())).toString();
    }

    private static String shortName(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        return abs.getParent() == null || abs.getParent().getFileName() == null ? String.valueOf(abs.getFileName())
                : abs.getParent().getFileName() + "/" + abs.getFileName();
    }

    private static byte[] readDiff(Path file) throws BuildException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BuildException(BuildError.BAD_DIFF, "diff " + file + ": no such file");
        } catch (IOException e) {
            throw new BuildException(BuildError.BAD_DIFF, "diff " + file + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private BuildId parseDependsOn() throws BuildException {
        try {
            return BuildId.parse(request.dependsOn());
        } catch (IllegalArgumentException e) {
            throw new BuildException(BuildError.BAD_TARGET, "--depends-on " + e.getMessage());
        }
    }

    private static Set<String> changedPaths(GitSources git, SourceTree base, SourceTree head) throws IOException {
        return git.changedPaths(base, head);
    }

    private static Set<String> changedPathsOfDiff(GitSources git, SourceTree base, SourceTree head) throws IOException {
        return git.changedPathsOfDiff(base, head);
    }

    private static List<String> moduleNames(BuildInfo target) {
        return new ArrayList<>(new TreeSet<>(target.bundles().stream().map(BuildInfo.Bundle::module).toList()));
    }

    private static List<String> touchedModules(BuildInfo target, Set<String> changed) {
        List<String> out = new ArrayList<>();
        for (String module : moduleNames(target)) {
            String prefix = module + "/src/main/java/";
            if (changed.stream().anyMatch(p -> p.startsWith(prefix))) {
                out.add(module);
            }
        }
        return out;
    }

    private ModuleBuilds moduleBuilds(BuildInfo target, List<String> modules, Path repoRoot) throws BuildException {
        ClasspathResolver resolver = new ClasspathResolver(request.mavenRepo(),
                repoRoot == null ? List.of() : ClasspathResolver.moduleTargetsOf(repoRoot),
                repoRoot == null ? Set.of() : ClasspathResolver.moduleNamesOf(repoRoot));
        Map<String, List<Path>> jars = new HashMap<>();
        Map<String, List<BuildInfo.Jar>> hashes = new HashMap<>();
        for (BuildInfo.Module m : target.modules()) {
            hashes.put(m.path(), m.classpath());
            if (modules.contains(m.path())) {
                jars.put(m.path(), resolver.resolve(m.path(), m.classpath()));
            }
        }
        return new ModuleBuilds(target.compiler(), jars, hashes, request.cacheDir());
    }

    /** Base and head of each module, compiled on two threads (javac tasks are independent). */
    private static Map<String, CompiledModule[]> compileBoth(ModuleBuilds builds, List<String> modules,
                                                             SourceTree base, SourceTree head) throws BuildException {
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "hvpatch-javac");
            t.setDaemon(true);
            return t;
        });
        try {
            Map<String, CompiledModule[]> out = new TreeMap<>();
            for (String module : modules) {
                // A SourceTree holds one ObjectReader and is not thread-safe: one thread per tree.
                Future<CompiledModule> b = pool.submit(() -> builds.build(base, module));
                Future<CompiledModule> h = pool.submit(() -> builds.build(head, module));
                out.put(module, new CompiledModule[] {get(b), get(h)});
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static CompiledModule get(Future<CompiledModule> f) throws BuildException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BuildException be) {
                throw be;
            }
            throw new IllegalStateException("compiling failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while compiling", e);
        }
    }

    private static String cacheNote(Map<String, CompiledModule[]> compiled) {
        long cached = compiled.values().stream().filter(c -> c[0].cached()).count();
        return cached == compiled.size() ? "base from cache" : "base compiled and cached";
    }

    /**
     * The base build must be exactly the classes the target runs from this module. Classes the
     * module compiles that no host bundle carries (its command-line tools) are not part of the
     * running build; classes of a host bundle in packages this module does not compile (a bundle's
     * own activator) are someone else's. Both are left out of the comparison.
     */
    private static void checkBase(BuildInfo target, String module, CompiledModule base) throws BuildException {
        Map<String, Sha256> expected = new TreeMap<>();
        for (BuildInfo.Bundle b : target.bundlesOf(module)) {
            b.classes().forEach(c -> expected.put(c.name(), c.sha256()));
        }
        java.util.Set<String> packages = new java.util.HashSet<>();
        base.classMap().keySet().forEach(n -> packages.add(packageOf(n)));
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : base.classMap().entrySet()) {
            Sha256 want = expected.get(e.getKey());
            Sha256 got = Sha256.of(e.getValue());
            if (want != null && !want.equals(got)) {
                problems.add(e.getKey() + ": built " + got.hex().substring(0, 16) + "..., target runs " + want.hex().substring(0, 16) + "...");
            }
        }
        for (String name : expected.keySet()) {
            if (!base.classMap().containsKey(name) && packages.contains(packageOf(name))) {
                problems.add(name + ": in the target but not built from " + base.revision());
            }
        }
        if (!problems.isEmpty()) {
            throw new BuildException(BuildError.TARGET_MISMATCH, "payload would not match the running build: " + problems.size()
                    + " class" + (problems.size() == 1 ? "" : "es") + " of " + module + " built from " + base.revision()
                    + " differ from the target " + target.buildId().hex().substring(0, 16)
                    + "; is --base the revision the host was built from, with javac " + target.compiler().javacVersion() + "?",
                    problems.subList(0, Math.min(problems.size(), 10)), null);
        }
    }

    private static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }

    private List<Hook> hooks(BuildInfo target, List<Verdict> verdicts, Map<String, String> moduleOf, List<String> refusals) {
        Map<HookPhase, Hook> byPhase = new EnumMap<>(HookPhase.class);
        for (Verdict v : verdicts) {
            if (v.kind() != Verdict.Kind.DEFINE || !HookScanner.isHooksClass(v.bytes())) {
                continue;
            }
            for (HookScanner.Found f : HookScanner.scan(v.className(), v.bytes(), refusals)) {
                BuildInfo.Bundle bundle;
                try {
                    bundle = bundleFor(target, moduleOf.get(v.className()), v.className());
                } catch (BuildException e) {
                    refusals.add("refused: " + v.className() + ": " + e.getMessage());
                    continue;
                }
                Hook previous = byPhase.put(f.phase(), new Hook(f.phase(), bundle.symbolicName(), f.className(), f.method()));
                if (previous != null) {
                    refusals.add("refused: " + f.className() + ": a second " + f.phase().jsonName() + " hook " + f.method()
                            + " (already " + previous.className() + "." + previous.method() + "); a payload has one per phase");
                }
            }
        }
        return new ArrayList<>(byPhase.values());
    }

    /** The bundle holding a class, or for a new class the bundle of its outer class or package. */
    private static BuildInfo.Bundle bundleFor(BuildInfo target, String module, String className) throws BuildException {
        List<BuildInfo.Bundle> bundles = target.bundlesOf(module);
        for (BuildInfo.Bundle b : bundles) {
            if (b.hashOf(className).isPresent()) {
                return b;
            }
        }
        String outer = className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
        for (BuildInfo.Bundle b : bundles) {
            if (b.hashOf(outer).isPresent()) {
                return b;
            }
        }
        String pkg = className.contains(".") ? className.substring(0, className.lastIndexOf('.') + 1) : "";
        for (BuildInfo.Bundle b : bundles) {
            if (b.classes().stream().anyMatch(c -> c.name().startsWith(pkg) && c.name().indexOf('.', pkg.length()) < 0)) {
                return b;
            }
        }
        if (bundles.size() == 1) {
            return bundles.get(0);
        }
        throw new BuildException(BuildError.REFUSED, "cannot tell which bundle of " + module + " a new class " + className
                + " belongs to; put it in a package one bundle already has");
    }

    private static List<String> compilerFlags(BuildInfo.Compiler c) {
        List<String> out = new ArrayList<>();
        out.add("--release");
        out.add(c.release());
        out.addAll(c.flags());
        return out;
    }

    private static String summary(List<Verdict> verdicts) {
        long r = verdicts.stream().filter(v -> v.kind() == Verdict.Kind.REDEFINE).count();
        long d = verdicts.stream().filter(v -> v.kind() == Verdict.Kind.DEFINE).count();
        long x = verdicts.stream().filter(v -> v.kind() == Verdict.Kind.REFUSED).count();
        return r + " redefine, " + d + " define, " + x + " refused";
    }

    /** Writes beside the target and renames, so the file is whole or absent. */
    static void writeAtomically(Path file, byte[] bytes) throws BuildException {
        Path target = file.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new BuildException(BuildError.IO_ERROR, "cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a leftover hidden temp file, never a partial payload
                }
            }
        }
    }
}
