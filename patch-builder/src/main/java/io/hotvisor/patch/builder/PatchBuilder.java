package io.hotvisor.patch.builder;

import io.hotvisor.patch.format.AtomicFiles;

import io.hotvisor.patch.builder.bundle.BundleJars;
import io.hotvisor.patch.builder.bundle.BundleUpdate;
import io.hotvisor.patch.builder.bundle.BundleUpdates;
import io.hotvisor.patch.builder.compile.CompiledModule;
import io.hotvisor.patch.builder.compile.ModuleBuilds;
import io.hotvisor.patch.builder.equivalence.HostReview;
import io.hotvisor.patch.builder.equivalence.TrampolineReview;
import io.hotvisor.patch.builder.host.ChangePlan;
import io.hotvisor.patch.builder.host.HostBuild;
import io.hotvisor.patch.builder.host.HostCompiler;
import io.hotvisor.patch.builder.host.HostScope;
import io.hotvisor.patch.builder.host.TargetIntegrity;
import io.hotvisor.patch.builder.compile.ModuleCompiler;
import io.hotvisor.patch.builder.diff.HookScanner;
import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.builder.source.GitSources;
import io.hotvisor.patch.builder.source.SourceTree;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.buildinfo.BuildInfoCodec;
import io.hotvisor.patch.format.buildinfo.BuildInfoException;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.manifest.Requirement;
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
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Runs {@code hvpatch build}: check the target build-info's integrity, source, compile the whole
 * host at base and head (content-cached), check the base against the target, diff and classify
 * every module, check the whole host after the payload against the head build
 * ({@link io.hotvisor.patch.builder.equivalence.HostReview}), write. One instance per build; not
 * thread-safe.
 *
 * <p>What it writes: a livepatch when every change redefines; when some does not (a new field, a
 * new method, a changed hierarchy) and {@link BuildRequest#allowBundleUpdate()} is set, a
 * bundle-update payload replacing the touched bundles whole, if all of them declare
 * {@code Hotvisor-Replaceable} ({@link io.hotvisor.patch.builder.bundle.BundleUpdates}); otherwise
 * a refusal. For {@link BuildRequest#mechanism()} trampoline, a changed class may also add what
 * a trampoline carries (private or static methods, new lambdas); the livepatch then requires a
 * trampoline ({@link Requirement#TRAMPOLINE}, format 1.2), and only then: a change a redefinition
 * takes gives the same bytes whichever mechanism was asked for.
 *
 * <p>Guarantees: the user's working tree and repository are only read; the output file appears
 * whole or not at all (written beside itself and renamed); the same inputs give the same bytes
 * (the creation time is the head commit's, or the base commit's for a diff).
 */
public final class PatchBuilder {
    /** Name and version recorded as the manifest's {@code build-tool}. */
    public static final String TOOL = "hvpatch 0.1.0";
    /** The number of stages {@link Progress} is told about. */
    public static final int STAGES = 6;

    /** Told when each stage starts and ends (the CLI prints {@code [1/6] reading revisions ... done (0.2 s)}). */
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
        TargetIntegrity.checkJars(target, request.target());
        checkCompiler(target.compiler());
        SigningKey key = request.dryRun() ? null : readKey();
        HostScope scope = new HostScope(target);
        progress.stage(1, "reading revisions");
        try (GitSources git = GitSources.open(request.repo())) {
            GitSources.Revision base = git.resolve(request.base());
            HostCompiler compiler = new HostCompiler(target, request.mavenRepo(), request.cacheDir(), git.workTree());
            SourceTree baseTree = git.tree(base);
            SourceTree headTree;
            // What the host runs before this payload: the base, plus the diffs of the payloads below it.
            SourceTree oldTree = baseTree;
            Set<String> changed;
            GitSources.Revision head = null;
            if (request.head() != null) {
                head = git.resolve(request.head());
                headTree = git.tree(head);
                changed = git.changedPaths(baseTree, headTree);
            } else {
                List<Path> files = new ArrayList<>(request.appliedDiffs());
                files.add(request.diff());
                List<byte[]> diffs = new ArrayList<>();
                for (Path f : files) {
                    diffs.add(readDiff(f));
                }
                // The trees hold every module the whole host compiles, not only the ones the diffs touch.
                Set<String> roots = new TreeSet<>();
                for (String module : ModuleBuilds.withSiblings(baseTree, compiler.modules())) {
                    roots.add(module.contains("/") ? module.substring(0, module.indexOf('/')) : module);
                }
                List<SourceTree> trees = git.applyDiffs(base, files, diffs, roots);
                headTree = trees.get(trees.size() - 1);
                oldTree = trees.size() > 1 ? trees.get(trees.size() - 2) : baseTree;
                changed = git.changedPathsOfDiff(oldTree, headTree);
            }
            List<String> touched = touchedModules(compiler.modules(), changed);
            progress.done(touched.isEmpty() ? "no module of the target changed" : "modules " + String.join(", ", touched));
            if (touched.isEmpty()) {
                throw new BuildException(BuildError.NOTHING_TO_PATCH, "nothing to patch: the change touches no source of a module the target "
                        + "build holds (" + String.join(", ", compiler.modules()) + ")");
            }
            progress.stage(2, "compiling the whole host (" + compiler.modules().size() + " modules) at " + oldTree.label()
                    + " and " + headTree.label());
            HostBuild[] host = compiler.compileBoth(oldTree, headTree);
            HostBuild old = host[0];
            HostBuild neu = host[1];
            progress.done(old.allCached() ? "base from cache" : "base compiled and cached");
            progress.stage(3, "checking the base build against the target");
            // What the host loaded: the base build (the payloads below this one, if any, changed no class's shape on a
            // trampoline host, so added methods are counted from it).
            HostBuild loaded = oldTree == baseTree ? old : compiler.compile(baseTree);
            int foreign = TargetIntegrity.checkCompiled(target, loaded);
            progress.done("matches " + target.buildId().hex().substring(0, 16)
                    + (foreign == 0 ? "" : " (" + foreign + " classes no listed module compiles were left out)"));
            progress.stage(4, "diffing bytecode");
            ChangePlan plan = ChangePlan.of(scope, old, neu, request.mechanism());
            List<Verdict> verdicts = plan.verdicts();
            Map<String, String> moduleOf = plan.moduleOf();
            List<String> refusals = new ArrayList<>(plan.refusals());
            for (Verdict v : verdicts) {
                v.refusals().forEach(r -> refusals.add("refused: " + v.className() + ": " + r));
            }
            List<Hook> hooks = hooks(scope, verdicts, refusals);
            progress.done(summary(verdicts));
            if (verdicts.isEmpty() && hooks.isEmpty() && refusals.isEmpty()) {
                throw new BuildException(BuildError.NOTHING_TO_PATCH, plan.outsideHost().isEmpty()
                        ? "nothing to patch: the change has no effect on bytecode "
                        + "(only comments, formatting, line numbers or files outside the compiled sources changed)"
                        : "nothing the host runs changed: " + String.join(", ", plan.outsideHost())
                        + " changed, which no bundle of the host holds (command-line code); rebuild the tools instead");
            }
            progress.stage(5, "checking the whole host after the payload");
            HostReview.Outcome review = HostReview.review(new HostReview.Input(target, old.classes(), plan.head(), verdicts,
                    moduleOf, changed, !hooks.isEmpty(), scope::contains, request.mechanism(), loaded.classes(), patchable(scope)));
            refusals.addAll(review.refusals());
            notes.addAll(review.notes());
            progress.done(review.report().get(0).replaceFirst("^whole-host check: ", ""));
            Metadata metadata = metadata(target, base, head);
            Map<String, CompiledModule[]> compiled = new TreeMap<>();
            for (String module : compiler.modules()) {
                compiled.put(module, new CompiledModule[] {old.modules().get(module), neu.modules().get(module)});
            }
            List<String> modules = new ArrayList<>(new TreeSet<>(moduleOf.values()));
            if (verdicts.stream().anyMatch(v -> v.kind() == Verdict.Kind.REFUSED)) {
                // More than a JVM can redefine: maybe the bundles can be replaced whole instead.
                List<String> problems = hooksClasses(verdicts, moduleOf, compiled);
                if (request.allowBundleUpdate()) {
                    BundleUpdates.Plan update = BundleUpdates.plan(target, moduleChanges(modules, compiled, verdicts, moduleOf),
                            BundleJars.open(request.target()));
                    problems.addAll(update.problems());
                    if (problems.isEmpty()) {
                        return writeBundleUpdate(target, verdicts, update.updates(), metadata, key);
                    }
                    refusals.addAll(problems);
                    throw refused(refusals, review, "), not even as a bundle update; --explain says what to do instead", List.of());
                }
                List<String> wouldReplace = problems.isEmpty() ? bundleUpdateHint(target, modules, compiled, verdicts, moduleOf) : List.of();
                throw refused(refusals, review, "); --explain says what to do instead", wouldReplace);
            }
            if (!refusals.isEmpty()) {
                throw refused(refusals, review, "); --explain says what to do instead", List.of());
            }
            review.report().forEach(r -> notes.add(r));
            Set<Requirement> requires = review.trampoline().isEmpty() ? Set.of() : Set.of(Requirement.TRAMPOLINE);
            if (request.mechanism() == LivepatchMechanism.TRAMPOLINE) {
                notes.add(requires.isEmpty()
                        ? "--mechanism trampoline: no class adds a method, so the payload requires nothing and applies by either mechanism"
                        : "requires trampoline: " + String.join(", ", review.trampoline()) + " add" + (review.trampoline().size() == 1 ? "s" : "")
                        + " methods a redefinition cannot; the payload applies only on a host with livepatch-mechanism = trampoline");
            }
            progress.stage(STAGES, request.dryRun() ? "writing payload (dry run: skipped)" : "writing payload");
            if (request.dryRun()) {
                progress.done("");
                return new BuildResult(verdicts, hooks, notes, List.of(), null, null, null, requires);
            }
            List<ClassChange> changes = new ArrayList<>();
            for (Verdict v : verdicts) {
                BuildInfo.Bundle bundle = scope.bundleOf(v.className()).orElseThrow();
                ClassImage image = new ClassImage(bundle.symbolicName(), bundle.version(), v.className(), v.bytes());
                // A redefine expects the bytes the host runs just before this payload: the target's
                // (checkCompiled proved the base build equals it), or those the payloads below it
                // put there (the base plus the applied diffs, compiled the same way).
                changes.add(v.kind() == Verdict.Kind.REDEFINE
                        ? ClassChange.redefine(image, Sha256.of(old.bytes(v.className()).orElseThrow()))
                        : ClassChange.define(image));
            }
            PayloadDraft draft = new PayloadDraft(request.name(), target.buildId(), dependsOn(), changes, hooks, metadata)
                    .withRequires(requires);
            byte[] bytes = write(draft, key);
            return new BuildResult(verdicts, hooks, notes, List.of(), payloadBuildId(bytes), request.output(), bytes, requires);
        } catch (IOException e) {
            throw new BuildException(BuildError.IO_ERROR, "cannot read the repository: " + e.getMessage(), e);
        }
    }

    /**
     * Per class, whether a trampoline host weaves its bundle ({@code Hotvisor-Patchable: true} in the
     * distribution's jar of it); empty when the jars are not beside the target.
     */
    private Function<String, Optional<TrampolineReview.Patchable>> patchable(HostScope scope) {
        if (request.mechanism() != LivepatchMechanism.TRAMPOLINE) {
            return c -> Optional.empty();
        }
        Optional<BundleJars> jars = BundleJars.find(request.target());
        return c -> scope.bundleOf(c).flatMap(b -> jars.flatMap(j -> j.patchable(b))
                .map(woven -> new TrampolineReview.Patchable(b.symbolicName(), woven)));
    }

    /** A refusal: the whole-host report goes with the refusal lines, so --explain shows what was compared. */
    private static BuildException refused(List<String> refusals, HostReview.Outcome review, String tail, List<String> wouldReplace) {
        List<String> details = new ArrayList<>(refusals);
        review.report().forEach(r -> details.add("note: " + r));
        return new BuildException(BuildError.REFUSED, "the change cannot be applied to a running host (" + refusals.size()
                + " refusal" + (refusals.size() == 1 ? "" : "s") + tail, details, null, wouldReplace);
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
        progress.stage(STAGES, request.dryRun() ? "writing bundle-update payload (dry run: skipped)" : "writing bundle-update payload");
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

    private static List<String> touchedModules(List<String> modules, Set<String> changed) {
        List<String> out = new ArrayList<>();
        for (String module : modules) {
            String prefix = module + "/src/main/java/";
            if (changed.stream().anyMatch(p -> p.startsWith(prefix))) {
                out.add(module);
            }
        }
        return out;
    }

    private List<Hook> hooks(HostScope scope, List<Verdict> verdicts, List<String> refusals) {
        Map<HookPhase, Hook> byPhase = new EnumMap<>(HookPhase.class);
        for (Verdict v : verdicts) {
            if (v.kind() != Verdict.Kind.DEFINE || !HookScanner.isHooksClass(v.bytes())) {
                continue;
            }
            for (HookScanner.Found f : HookScanner.scan(v.className(), v.bytes(), refusals)) {
                BuildInfo.Bundle bundle = scope.bundleOf(v.className()).orElseThrow();
                Hook previous = byPhase.put(f.phase(), new Hook(f.phase(), bundle.symbolicName(), f.className(), f.method()));
                if (previous != null) {
                    refusals.add("refused: " + f.className() + ": a second " + f.phase().jsonName() + " hook " + f.method()
                            + " (already " + previous.className() + "." + previous.method() + "); a payload has one per phase");
                }
            }
        }
        return new ArrayList<>(byPhase.values());
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

    /** Writes durably and atomically ({@link AtomicFiles}), so the file is whole or absent. */
    static void writeAtomically(Path file, byte[] bytes) throws BuildException {
        try {
            AtomicFiles.write(file, bytes);
        } catch (IOException e) {
            throw new BuildException(BuildError.IO_ERROR, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
