package io.hotvisor.patch.builder.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotvisor.patch.builder.BuildError;
import io.hotvisor.patch.builder.BuildException;
import io.hotvisor.patch.builder.BuildRequest;
import io.hotvisor.patch.builder.BuildResult;
import io.hotvisor.patch.builder.PatchBuilder;
import io.hotvisor.patch.builder.bundle.BundleUpdate;
import io.hotvisor.patch.builder.compile.ClasspathResolver;
import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.PayloadKind;
import io.hotvisor.patch.format.manifest.Requirement;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hvpatch build}. Progress on stderr, the classification (or {@code --json}) on stdout; a
 * failure is one {@code hvpatch: error: ...} line after its detail lines, exit 1 when the change
 * cannot become a payload and 2 when the inputs are unusable ({@link BuildError#exitStatus()}).
 */
@Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Build a signed live-patch payload from a git revision range or a diff.",
                "Compiles every module the host runs at both revisions with the target's javac flags (cached by "
                        + "content), diffs the bytecode, refuses what a running JVM cannot take or what would never run, "
                        + "checks that the host after the payload runs the head build, unless --allow-bundle-update may "
                        + "replace the bundles whole."})
final class BuildCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "The git repository.")
    Path repo;

    @Option(names = "--base", required = true, paramLabel = "REV", description = "Revision the target host was built from.")
    String base;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Change change;

    static final class Change {
        @Option(names = "--head", required = true, paramLabel = "REV", description = "Revision with the fix.")
        String head;

        @Option(names = "--diff", required = true, paramLabel = "FILE", description = "A diff to apply to the base instead.")
        Path diff;
    }

    @Option(names = "--applied-diff", paramLabel = "FILE", description = "With --diff: a diff the payloads this one stacks on "
            + "already applied to the host (repeat, lowest first); --diff is taken against the base plus these.")
    List<Path> appliedDiffs = new ArrayList<>();

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "Payload name.")
    String name;

    @Option(names = "--key", paramLabel = "KEY", description = "Private signing key (NAME.key beside NAME.pub).")
    Path key;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.hvp", description = "Payload file to write.")
    Path output;

    @Option(names = "--target", required = true, paramLabel = "BUILD-INFO.json", description = "The target host's build-info.json, or what 'hvctl info --json' printed for it.")
    Path target;

    @Option(names = "--dry-run", description = "Print the classification; write nothing.")
    boolean dryRun;

    @Option(names = "--explain", description = "With a refusal, say what to do instead.")
    boolean explain;

    @Option(names = "--description", paramLabel = "TEXT", description = "Metadata: what the fix does.")
    String description;

    @Option(names = "--author", paramLabel = "TEXT", description = "Metadata: who made it.")
    String author;

    @Option(names = "--depends-on", paramLabel = "BUILDID", description = "Payload build-id this payload stacks on.")
    String dependsOn;

    @Option(names = "--cache", paramLabel = "DIR", description = "Cache of base builds (default: ~/.cache/hotvisor/hvpatch).")
    Path cache;

    @Option(names = "--maven-repo", paramLabel = "DIR", description = "Local Maven repository with the dependency jars "
            + "(default: -Dmaven.repo.local or ~/.m2/repository).")
    Path mavenRepo;

    @Option(names = "--allow-bundle-update", description = "When the change is more than a JVM can redefine, replace its "
            + "bundles whole (a bundle-update payload) if each declares Hotvisor-Replaceable. Needs the distribution's "
            + "build-info.json with the bundle jars in bundles/ beside it.")
    boolean allowBundleUpdate;

    @Option(names = "--mechanism", paramLabel = "redefine|trampoline", converter = MechanismConverter.class,
            description = "How the target host applies payloads, as its host.cfg livepatch-mechanism says (default: redefine). "
                    + "With trampoline a changed class may also add private or static methods and new lambdas, which only a "
                    + "trampoline carries; the payload then requires a host with livepatch-mechanism = trampoline (format 1.2).")
    LivepatchMechanism mechanism = LivepatchMechanism.REDEFINE;

    @Option(names = "--force-compiler", description = "Build even if this javac differs from the target's (not recommended).")
    boolean forceCompiler;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Option(names = "--quiet", description = "No progress lines.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StderrProgress progress = new StderrProgress(err);
        if (!appliedDiffs.isEmpty() && change.diff == null) {
            err.println("hvpatch: error: --applied-diff goes with --diff, not --head (commit the stacked changes and give their revision as --head)");
            return 2;
        }
        BuildRequest request = new BuildRequest(repo, base, change.head, change.diff, name, key, output, target, dryRun,
                description, author, dependsOn, cache != null ? cache : BuildRequest.defaultCacheDir(), forceCompiler,
                mavenRepo != null ? mavenRepo : ClasspathResolver.defaultLocalRepository(), appliedDiffs, allowBundleUpdate,
                mechanism);
        try {
            BuildResult result = new PatchBuilder(request, quiet ? PatchBuilder.Progress.NONE : progress).build();
            if (json) {
                print(out, success(result));
            } else {
                result.notes().forEach(n -> out.println("note: " + n));
                if (result.kind() == PayloadKind.BUNDLE_UPDATE) {
                    result.bundles().forEach(b -> out.println("bundle-update: " + b));
                } else {
                    for (Verdict v : result.verdicts()) {
                        out.println(v.kind().name().toLowerCase(Locale.ROOT) + ": " + v.className());
                        v.changes().forEach(c -> out.println("    " + c));
                    }
                }
                for (Hook h : result.hooks()) {
                    out.println("hook: " + h.phase().jsonName() + " " + h.className() + "." + h.method());
                }
                for (Requirement r : result.requires()) {
                    out.println("requires: " + r.jsonName() + " (a host with livepatch-mechanism = " + r.jsonName() + ")");
                }
                if (result.output() != null) {
                    out.println("wrote " + result.output() + " (payload build-id " + result.payloadBuildId() + ")");
                }
            }
            out.flush();
            return 0;
        } catch (BuildException e) {
            progress.failed();
            List<String> details = new ArrayList<>();
            for (String d : e.details()) {
                details.add(d);
                if (explain && e.error() == BuildError.REFUSED && !d.startsWith("note: ")) {
                    details.add("    instead: " + Explanations.of(d, e.bundleUpdate()));
                }
            }
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("status", e.error().exitStatus() == 1 ? "refused" : "error");
                m.put("error", e.error().name());
                m.put("message", e.getMessage());
                m.put("details", details);
                print(out, m);
            } else {
                details.forEach(err::println);
                err.println("hvpatch: error: " + e.getMessage());
            }
            if (spec.commandLine().getParent().getParseResult() != null && debug()) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                err.print(trace);
            }
            err.flush();
            out.flush();
            return e.error().exitStatus();
        }
    }

    private boolean debug() {
        CommandLine.ParseResult top = spec.commandLine().getParent().getParseResult();
        for (CommandLine.ParseResult at = top; at != null; at = at.subcommand()) {
            if (at.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Object> success(BuildResult result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("kind", result.kind().jsonName());
        List<Map<String, Object>> classes = new ArrayList<>();
        for (Verdict v : result.verdicts()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("class", v.className());
            c.put("kind", v.kind().name().toLowerCase(Locale.ROOT));
            c.put("changes", v.changes());
            if (!v.refusals().isEmpty()) {
                c.put("refusals", v.refusals());
            }
            classes.add(c);
        }
        m.put("classes", classes);
        if (result.kind() == PayloadKind.BUNDLE_UPDATE) {
            List<Map<String, Object>> bundles = new ArrayList<>();
            for (BundleUpdate b : result.bundles()) {
                Map<String, Object> u = new LinkedHashMap<>();
                u.put("bundle", b.bundle());
                u.put("from-version", b.fromVersion());
                u.put("to-version", b.toVersion());
                u.put("entry", b.entryName());
                u.put("from-jar", b.sourceJar().toString());
                u.put("changed", b.changed());
                u.put("added", b.added());
                u.put("removed", b.removed());
                bundles.add(u);
            }
            m.put("bundles", bundles);
        }
        List<Map<String, Object>> hooks = new ArrayList<>();
        for (Hook h : result.hooks()) {
            hooks.add(Map.of("phase", h.phase().jsonName(), "class", h.className(), "method", h.method()));
        }
        m.put("hooks", hooks);
        m.put("requires", result.requires().stream().map(Requirement::jsonName).toList());
        m.put("notes", result.notes());
        if (result.output() != null) {
            m.put("output", result.output().toString());
            m.put("payload-build-id", result.payloadBuildId().hex());
        }
        return m;
    }

    private static void print(PrintWriter out, Object value) {
        try {
            out.println(new ObjectMapper().writer(new DefaultPrettyPrinter()
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"))).writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("could not write JSON output", e);
        }
    }

    /** {@code --mechanism}: {@code redefine} or {@code trampoline}, as {@code host.cfg} spells them. */
    static final class MechanismConverter implements CommandLine.ITypeConverter<LivepatchMechanism> {
        @Override
        public LivepatchMechanism convert(String value) {
            try {
                return LivepatchMechanism.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code [1/5] reading revisions ... done (0.2 s)} on stderr. */
    private static final class StderrProgress implements PatchBuilder.Progress {
        private final PrintWriter err;
        private long started;
        private boolean open;

        StderrProgress(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void stage(int number, String what) {
            started = System.nanoTime();
            open = true;
            err.print("[" + number + "/" + PatchBuilder.STAGES + "] " + what + " ... ");
            err.flush();
        }

        @Override
        public void done(String detail) {
            open = false;
            err.printf(Locale.ROOT, "done (%.1f s)%s%n", (System.nanoTime() - started) / 1e9, detail.isEmpty() ? "" : ": " + detail);
            err.flush();
        }

        /** Ends a stage line left open by a failure, so the error starts a line of its own. */
        void failed() {
            if (open) {
                err.printf(Locale.ROOT, "failed (%.1f s)%n", (System.nanoTime() - started) / 1e9);
                open = false;
            }
        }
    }
}
