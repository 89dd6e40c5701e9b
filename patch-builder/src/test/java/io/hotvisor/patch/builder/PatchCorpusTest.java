package io.hotvisor.patch.builder;

import static io.hotvisor.patch.builder.HostFixture.edit;
import static io.hotvisor.patch.builder.HostFixture.replace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hotvisor.patch.applier.trampoline.Prepared;
import io.hotvisor.patch.applier.trampoline.Trampolines;
import io.hotvisor.patch.applier.trampoline.Weaver;
import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.patch.format.manifest.FormatVersion;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.Requirement;
import io.hotvisor.patch.format.payload.PayloadReader;
import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Realistic patches of the hypervisor's own code (a copy of it in {@link HostFixture}), each with
 * the verdict {@code hvpatch build} must give: the classes it builds, the member a refusal names, or
 * nothing to patch. Where it builds, the payload is applied to the base classes loaded in this JVM
 * with a real {@code RedefineClasses} and the behaviour is checked. The silent-wrong cases of
 * issue 15 are here: swapped lambdas with both bodies changed, a lambda added and another removed
 * in a registration that ran at boot, constants inlined across bundles, an edited build-info.
 * With {@code --mechanism trampoline} a fix that adds a private helper and a lambda builds into a
 * payload that requires a trampoline, and is applied with the host's real trampolines to the base
 * classes woven in this JVM.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PatchCorpusTest {
    static final String COMMANDS = "hv-runtime/src/main/java/io/hotvisor/runtime/control/HostCommands.java";
    static final String CONFIG = "hv-runtime/src/main/java/io/hotvisor/runtime/host/HostConfig.java";
    static final String EXIT_STATUS = "host-api/src/main/java/io/hotvisor/cli/ExitStatus.java";
    static final String SERVER = "hv-runtime/src/main/java/io/hotvisor/runtime/control/ControlServer.java";
    static final String GRAN = "hv-runtime/src/main/java/io/hotvisor/runtime/sched/SchedGran.java";
    static final String ACTIVATOR = "osgi-bundles/bundle-host/src/main/java/io/hotvisor/host/osgi/HostActivator.java";
    static final String HOOKS = "hv-runtime/src/main/java/io/hotvisor/runtime/control/SwapHooks.java";
    static final String SIZES = "hv-runtime/src/main/java/io/hotvisor/runtime/cli/Sizes.java";
    static final String HART = "hv-runtime/src/main/java/io/hotvisor/runtime/arch/riscv/Hart.java";
    static final String LATE_LOADER = "microcode-late-load/src/main/java/io/hotvisor/microcode/load/LateLoader.java";
    static final String KEY_FILES = "patch-format/src/main/java/io/hotvisor/patch/format/sign/KeyFiles.java";
    static final String FORMAT_VERSION = "patch-format/src/main/java/io/hotvisor/patch/format/manifest/FormatVersion.java";
    static final String OSGI_VERSION = "patch-format/src/main/java/io/hotvisor/patch/format/manifest/OsgiVersion.java";
    /** The store-fault arm of Hart.causeOf, a switch over an enum of another class (javac's switch-map class Hart$1). */
    static final String STORE_CAUSE = "            case STORE -> f.misaligned() ? Csr.CAUSE_STORE_MISALIGNED : Csr.CAUSE_STORE_ACCESS;\n";
    static final String PAUSE = """
            server.register(command(Command.PAUSE, (args, s) -> {
                        Domain d = domain(host, args);
                        if (!d.pause()) throw new ControlException("WRONG_STATE", "domain " + d.name() + " has ended");
                        return Map.of("domain", d.name(), "state", d.state().name().toLowerCase());
                    }));
            """.strip();
    /** A post-apply hook the author says re-runs what is needed after the registration order changed. */
    static final String SWAP_HOOKS = """
            package io.hotvisor.runtime.control;

            import io.hotvisor.livepatch.api.LivepatchHooks;
            import io.hotvisor.livepatch.api.PostApply;

            @LivepatchHooks
            public final class SwapHooks {
                @PostApply
                public static void reregister() {
                }
            }
            """;
    static final String UNPAUSE = PAUSE.replace("Command.PAUSE", "Command.UNPAUSE").replace("d.pause()", "d.unpause()");
    static final String VERSION = "hv-runtime/src/main/java/io/hotvisor/runtime/host/Version.java";
    /** SchedGran.parse through a new lambda and a new private static method: "smt" becomes a name for core. */
    static final String GRAN_SWITCH = "return switch (text.trim().toLowerCase()) {";
    static final String GRAN_SWITCH_WITH_HELPERS = "java.util.function.UnaryOperator<String> clean = t -> normalise(t);\n"
            + "        return switch (clean.apply(text)) {";
    static final String GRAN_HELPER = """

                private static String normalise(String text) {
                    String t = text.trim().toLowerCase();
                    return t.equals("smt") ? "core" : t;
                }
            """;

    HostFixture host;

    @BeforeAll
    void fixture() throws Exception {
        host = new HostFixture();
    }

    @AfterAll
    void cleanUp() throws Exception {
        host.close();
    }

    // ---- builds -------------------------------------------------------------------------------

    @Test
    void literalChangeBuildsAndTheNewValueIsReturned() throws Exception {
        try (Redefined jvm = applied("literal", CONFIG, "new Topology(2, 2)", "new Topology(4, 2)", "io.hotvisor.runtime.host.HostConfig")) {
            Object config = jvm.call("io.hotvisor.runtime.host.HostConfig", "defaults");
            assertThat(config.getClass().getMethod("topology").invoke(config).toString()).isEqualTo("4x2");
        }
    }

    @Test
    void commentAndLineNumberOnlyChangeIsNothingToPatch() throws Exception {
        String head = host.change("comment", edit(COMMANDS, replace("    /** Registers every host command on {@code server}. */\n",
                "    /**\n     * Registers every host command on {@code server}:\n     * each one a lambda.\n     */\n")));
        assertThatThrownBy(() -> build(head)).isInstanceOfSatisfying(BuildException.class,
                e -> assertThat(e.error()).isEqualTo(BuildError.NOTHING_TO_PATCH));
    }

    @Test
    void pauseAndUnpauseSwappedWithBothBodiesChangedArePairedByTheirCommandNames() throws Exception {
        String newPause = failFirst(PAUSE, "NEW_PAUSE");
        String newUnpause = failFirst(UNPAUSE, "NEW_UNPAUSE");
        Map<String, java.util.function.UnaryOperator<String>> edits = edit(COMMANDS, s -> s.replace(PAUSE + "\n        " + UNPAUSE,
                newUnpause + "\n        " + newPause));
        String swapped = host.change("swap-both-changed", edits);
        // The registration order is part of register(), which ran at boot: refused, and never as a lambda mix-up.
        assertThat(refusals(swapped)).singleElement().asString().contains("HostCommands: method register(")
                .contains("nothing but HostActivator.start(BundleContext) reaches it");
        // With a post-apply hook (which the author says re-runs what is needed) it builds, each body in its place.
        edits.put(HOOKS, s -> SWAP_HOOKS);
        BuildResult r = build(host.change("swap-both-changed-hooked", edits));
        assertThat(classes(r)).containsExactly("io.hotvisor.runtime.control.HostCommands", "io.hotvisor.runtime.control.SwapHooks");
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).startsWith("boot-only: io.hotvisor.runtime.control.HostCommands: method register("));
        // The command objects were made at "boot", before the payload: each must run its own new body.
        assertThat(pauseAndUnpauseAfter(r)).containsExactly("NEW_PAUSE", "NEW_UNPAUSE");
    }

    @Test
    void oneLambdaBodyChangedBuildsAndTheRegisteredCommandRunsTheNewBody() throws Exception {
        String head = host.change("lambda-changed", edit(COMMANDS, replace(PAUSE, failFirst(PAUSE, "NEW_PAUSE"))));
        BuildResult r = build(head);
        assertThat(classes(r)).containsExactly("io.hotvisor.runtime.control.HostCommands");
        // unpause is unchanged: it still looks the domain up first, on this test's host-less registration
        assertThat(pauseAndUnpauseAfter(r)).satisfiesExactly(p -> assertThat(p).isEqualTo("NEW_PAUSE"),
                u -> assertThat(u).startsWith("java.lang.NullPointerException"));
    }

    /** Registers the commands on the base classes, applies the payload, and runs pause then unpause: how each failed. */
    private List<String> pauseAndUnpauseAfter(BuildResult payload) throws Exception {
        try (Redefined jvm = new Redefined(host, null)) {
            Map<String, Object> commands = jvm.registerCommands();
            jvm.redefine(payload);
            return List.of(jvm.failureCode(commands.get("pause"), "pause"), jvm.failureCode(commands.get("unpause"), "unpause"));
        }
    }

    @Test
    void constantInlinedAcrossBundlesIsCarriedInEveryBundleThatCopiedIt() throws Exception {
        // host-api's exit status, which ControlException re-declares as a constant and two other modules read through it
        String head = host.change("exit-busy", edit(EXIT_STATUS, replace("BUSY = 2;", "BUSY = 75;")));
        BuildResult r = build(head);
        assertThat(classes(r)).contains("io.hotvisor.cli.ExitStatus", "io.hotvisor.control.ControlException",
                "io.hotvisor.runtime.control.ControlServer", "io.hotvisor.microcode.control.UcodeLoadCommand");
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).startsWith("carried: io.hotvisor.microcode.control.UcodeLoadCommand: ")
                .contains("ExitStatus.BUSY (2 -> 75").contains("ControlException.EXIT_BUSY (2 -> 75"));
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).startsWith("carried: io.hotvisor.runtime.control.ControlServer: "));
        try (Redefined jvm = new Redefined(host, r)) {
            jvm.load("io.hotvisor.microcode.control.UcodeLoadCommand");
        }
    }

    @Test
    void stringSwitchChangeBuilds() throws Exception {
        try (Redefined jvm = applied("string-switch", GRAN, "case \"core\" -> CORE;", "case \"core\", \"smt\" -> CORE;",
                "io.hotvisor.runtime.sched.SchedGran")) {
            assertThat(jvm.call("io.hotvisor.runtime.sched.SchedGran", "parse", "smt").toString()).isEqualTo("core");
        }
    }

    @Test
    void stackedPayloadBuildsOnTheDiffBelowIt() throws Exception {
        Path first = diffFile("first.diff", CONFIG, "new Topology(2, 2)", "new Topology(4, 2)");
        Path second = diffFile("second.diff", CONFIG, "new Topology(4, 2)", "new Topology(8, 2)", "new Topology(2, 2)", "new Topology(4, 2)");
        BuildResult r = new PatchBuilder(host.diffRequest(second, List.of(first)), PatchBuilder.Progress.NONE).build();
        assertThat(classes(r)).containsExactly("io.hotvisor.runtime.host.HostConfig");
    }

    @Test
    void enumSwitchArmChangeBuildsWithTheSwitchMapUntouched() throws Exception {
        try (Redefined jvm = applied("enum-switch", HART, "f.misaligned() ? Csr.CAUSE_STORE_MISALIGNED : Csr.CAUSE_STORE_ACCESS",
                "Csr.CAUSE_STORE_ACCESS", "io.hotvisor.runtime.arch.riscv.Hart")) {
            // RISC-V privileged spec: 6 is a misaligned store, 7 a store access fault; the patched arm reports 7 for both
            assertThat(jvm.call("io.hotvisor.runtime.arch.riscv.Hart", "causeOf", fault(jvm, "STORE", true))).isEqualTo(7L);
            assertThat(jvm.call("io.hotvisor.runtime.arch.riscv.Hart", "causeOf", fault(jvm, "LOAD", true))).isEqualTo(4L);
        }
    }

    @Test
    void anonymousClassBodyChangeBuildsAndCommandsMadeAtBootRunIt() throws Exception {
        String head = host.change("anonymous", edit(COMMANDS, replace(
                "public Object handle(JsonNode args, Stream stream) throws Exception { return handler.handle(args, stream); }",
                "public Object handle(JsonNode args, Stream stream) throws Exception {\n"
                        + "                if (args.has(\"domain\")) throw new ControlException(\"ANONYMOUS\", name);\n"
                        + "                return handler.handle(args, stream);\n            }")));
        BuildResult r = build(head);
        assertThat(classes(r)).containsExactly("io.hotvisor.runtime.control.HostCommands$1");
        assertThat(pauseAndUnpauseAfter(r)).containsExactly("ANONYMOUS", "ANONYMOUS");
    }

    @Test
    void nestedRecordMethodChangeBuilds() throws Exception {
        try (Redefined jvm = applied("nested", LATE_LOADER, "return new Options(force, timeout, attempts, true, mode);",
                "return new Options(false, timeout, attempts, true, mode);", "io.hotvisor.microcode.load.LateLoader$Options")) {
            Class<?> options = jvm.load("io.hotvisor.microcode.load.LateLoader$Options");
            Object forced = options.getConstructor(boolean.class, java.time.Duration.class, int.class)
                    .newInstance(true, java.time.Duration.ofMillis(30), 5);
            Object directory = options.getMethod("asDirectory").invoke(forced);
            assertThat(options.getMethod("force").invoke(directory)).isEqualTo(false);
            assertThat(options.getMethod("directory").invoke(directory)).isEqualTo(true);
        }
    }

    @Test
    void tryWithResourcesBodyChangeBuilds() throws Exception {
        try (Redefined jvm = applied("try-with-resources", KEY_FILES, "bytes); check the path\"", "bytes); is it a key file?\"",
                "io.hotvisor.patch.format.sign.KeyFiles")) {
            Path big = Files.write(host.dir.resolve("big.pub"), new byte[64 * 1024 + 1]);
            assertThatThrownBy(() -> jvm.call("io.hotvisor.patch.format.sign.KeyFiles", "readPublic", big))
                    .hasMessageEndingWith("bytes); is it a key file?");
        }
    }

    @Test
    void recordCompactConstructorChangeBuilds() throws Exception {
        // FormatVersion.CURRENT is made at class initialisation, but parse makes one per manifest: the constructor keeps running
        try (Redefined jvm = applied("record", FORMAT_VERSION, "\"negative format version \"", "\"a format version is never negative: \"",
                "io.hotvisor.patch.format.manifest.FormatVersion")) {
            var constructor = jvm.load("io.hotvisor.patch.format.manifest.FormatVersion").getConstructor(int.class, int.class);
            assertThatThrownBy(() -> constructor.newInstance(-1, 0)).cause()
                    .hasMessage("a format version is never negative: -1.0");
        }
    }

    @Test
    void genericOverrideChangeBuildsAndItsBridgeReachesTheNewBody() throws Exception {
        try (Redefined jvm = applied("bridge", OSGI_VERSION, "qualifier.compareTo(other.qualifier)",
                "qualifier.compareToIgnoreCase(other.qualifier)", "io.hotvisor.patch.format.manifest.OsgiVersion")) {
            Object lower = jvm.call("io.hotvisor.patch.format.manifest.OsgiVersion", "parse", "1.0.0.a");
            Object upper = jvm.call("io.hotvisor.patch.format.manifest.OsgiVersion", "parse", "1.0.0.B");
            // through Comparable, as sorting code calls it: the compiler's bridge compareTo(Object), unchanged, then the new body
            assertThat((int) Comparable.class.getMethod("compareTo", Object.class).invoke(lower, upper)).isNegative();
        }
    }

    @Test
    void sameShapeLambdasSwappedWithOneBodyChangedArePairedByContent() throws Exception {
        // pause and unpause capture the same variables: their lambda methods have the same descriptor
        Map<String, java.util.function.UnaryOperator<String>> edits = edit(COMMANDS, s -> s.replace(PAUSE + "\n        " + UNPAUSE,
                UNPAUSE + "\n        " + failFirst(PAUSE, "NEW_PAUSE")));
        assertThat(refusals(host.change("swap-one-changed", edits))).singleElement().asString()
                .contains("HostCommands: method register(");
        edits.put(HOOKS, s -> SWAP_HOOKS);
        BuildResult r = build(host.change("swap-one-changed-hooked", edits));
        assertThat(classes(r)).containsExactly("io.hotvisor.runtime.control.HostCommands", "io.hotvisor.runtime.control.SwapHooks");
        assertThat(pauseAndUnpauseAfter(r)).satisfiesExactly(p -> assertThat(p).isEqualTo("NEW_PAUSE"),
                u -> assertThat(u).startsWith("java.lang.NullPointerException"));
    }

    // ---- refusals -----------------------------------------------------------------------------

    @Test
    void staticInitialiserChangeIsRefusedBecauseItDoesNotRunAgain() throws Exception {
        String head = host.change("clinit", edit(COMMANDS, replace("ArgRange.MEMORY_MIB.max() << 20, \"bytes\");",
                "ArgRange.MEMORY_MIB.max() << 20, \"B\");")));
        assertThat(refusals(head)).singleElement().asString()
                .isEqualTo("refused: io.hotvisor.runtime.control.HostCommands: static initializer changed (it already ran and does not run again)");
    }

    @Test
    void enumSwitchArmsReorderedAreRefusedBecauseTheSwitchMapWasFilledAtClassInitialisation() throws Exception {
        String head = host.change("enum-switch-order", edit(HART, s -> replace("            case FETCH -> ", STORE_CAUSE + "            case FETCH -> ")
                .apply(replace(STORE_CAUSE, "").apply(s))));
        assertThat(refusals(head)).singleElement().asString()
                .startsWith("refused: io.hotvisor.runtime.arch.riscv.Hart$1: enum switch cases added, removed or reordered in "
                        + "io.hotvisor.runtime.arch.riscv.Hart: ");
    }

    @Test
    void lambdaAddedAndAnotherRemovedInTheBootRegistrationIsRefusedNamingBoth() throws Exception {
        String destroy = "server.register(command(Command.DESTROY, (args, s) -> {\n            Domain d = domain(host, args);\n            d.destroy();";
        String head = host.change("add-remove", edit(COMMANDS, replace(destroy,
                "server.register(command(\"reset\", (args, s) -> {\n            Domain d = domain(host, args);\n            d.pause();")));
        assertThat(refusals(head)).anySatisfy(l -> assertThat(l).contains("HostCommands: lambdas cannot be paired: ")
                        .contains("after \"destroy\"").contains("after \"reset\"").contains("line "))
                .anySatisfy(l -> assertThat(l).contains("HostCommands: method register(").contains("so the new code would never run"));
    }

    @Test
    void constantReadByTheActivatorAtBootIsRefusedNamingTheConstantAndItsReaders() throws Exception {
        String head = host.change("default-slice", edit(CONFIG, replace("DEFAULT_SLICE = 100_000", "DEFAULT_SLICE = 50_000")));
        assertThat(refusals(head))
                .anySatisfy(l -> assertThat(l).contains("io.hotvisor.host.osgi.HostActivator: method start(").contains("BundleActivator.start"))
                .anySatisfy(l -> assertThat(l).startsWith("refused: constant HostConfig.DEFAULT_SLICE (100000 -> 50000, declared in io.hotvisor.runtime.host.HostConfig)")
                        .contains("io.hotvisor.host.osgi.HostActivator"));
    }

    @Test
    void activatorChangeIsBootOnly() throws Exception {
        String head = host.change("activator", edit(ACTIVATOR, replace("\"hypervisor build-id {0}\"", "\"hypervisor build {0}\"")));
        assertThat(refusals(head)).singleElement().asString().contains("HostActivator: method start(")
                .contains("it runs once, when its bundle starts or stops");
    }

    @Test
    void addedFieldIsRefusedNamingIt() throws Exception {
        String maxConnections = "public static final int MAX_CONNECTIONS = ControlConnections.MAX_CONNECTIONS;";
        String head = host.change("field", edit(SERVER, replace(maxConnections, maxConnections + "\n    private int refused;")));
        assertThat(refusals(head)).contains("refused: io.hotvisor.runtime.control.ControlServer: field added: int refused");
    }

    @Test
    void addedMethodAndSignatureChangeAreRefusedNamingThem() throws Exception {
        String head = host.change("method", edit(CONFIG, replace("public static HostConfig defaults() {",
                "public static HostConfig small() { return defaults(); }\n\n    public static HostConfig defaults() {")));
        assertThat(refusals(head)).anySatisfy(l -> assertThat(l).contains("method added: io.hotvisor.runtime.host.HostConfig small()"));
        String sig = host.change("signature", edit(GRAN, replace("public static SchedGran parse(String text) {",
                "public static SchedGran parse(CharSequence text) {").andThen(replace("text.trim()", "text.toString().trim()"))::apply));
        assertThat(refusals(sig)).anySatisfy(l -> assertThat(l).contains("method removed: io.hotvisor.runtime.sched.SchedGran parse(java.lang.String)"));
    }

    @Test
    void addedEnumConstantIsRefused() throws Exception {
        String head = host.change("enum-constant", edit(GRAN, replace("CPU, CORE;", "CPU, CORE, SOCKET;")));
        assertThat(refusals(head)).anySatisfy(l -> assertThat(l).contains("SchedGran: field added: io.hotvisor.runtime.sched.SchedGran SOCKET"));
    }

    // ---- the trampoline mechanism ------------------------------------------------------------

    @Test
    void aNewHelperAndLambdaAreRefusedByDefaultAndBuiltForATrampolineHostThatRunsThem() throws Exception {
        String head = host.change("gran-helpers", edit(GRAN, replace(GRAN_SWITCH, GRAN_SWITCH_WITH_HELPERS)
                .andThen(s -> s.replaceFirst("(?m)^}\\s*$", GRAN_HELPER.stripTrailing() + "\n}\n"))::apply));
        // Today's refusals, unchanged, without the flag.
        assertThat(refusals(head)).containsExactly(
                "refused: io.hotvisor.runtime.sched.SchedGran: lambda added: lambda$parse$0 (head line 12, in parse): a redefine cannot add a method",
                "refused: io.hotvisor.runtime.sched.SchedGran: method added: java.lang.String normalise(java.lang.String)");
        BuildResult r = new PatchBuilder(host.request(head, false, host.target).withMechanism(LivepatchMechanism.TRAMPOLINE),
                PatchBuilder.Progress.NONE).build();
        assertThat(classes(r)).containsExactly("io.hotvisor.runtime.sched.SchedGran");
        assertThat(r.verdicts().get(0).changes()).contains("method added: private static java.lang.String normalise(java.lang.String) "
                + "(carried by a trampoline)", "lambda added: lambda$parse$0 (head line 12, in parse): carried by a trampoline");
        assertThat(r.requires()).containsExactly(Requirement.TRAMPOLINE);
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).startsWith("whole-host check: ").endsWith("all match after the payload"));
        Manifest m = new PayloadReader().inspect(r.bytes()).manifest();
        assertThat(m.formatVersion()).isEqualTo(new FormatVersion(1, 2));
        assertThat(m.requires()).containsExactly(Requirement.TRAMPOLINE);
        // A redefinition cannot take it, which is why the payload says so.
        try (Redefined jvm = new Redefined(host, null)) {
            jvm.load("io.hotvisor.runtime.sched.SchedGran");
            assertThatThrownBy(() -> jvm.redefine(r)).isInstanceOf(UnsupportedOperationException.class);
        }
        // A trampoline host carries it: the base classes woven, the payload's class flipped to its new code.
        try (Trampolined jvm = new Trampolined(host)) {
            Class<?> gran = jvm.load("io.hotvisor.runtime.sched.SchedGran");
            Method parse = gran.getMethod("parse", String.class);
            assertThatThrownBy(() -> parse.invoke(null, "smt")).cause().isInstanceOf(IllegalArgumentException.class);
            Trampolines trampolines = new Trampolines(ByteBuddyAgent.install());
            Prepared prepared = trampolines.prepare("gran-helpers", Map.of(gran, r.verdicts().get(0).bytes()));
            assertThat(prepared.refusals()).isEmpty();
            trampolines.push(prepared).apply();
            assertThat(parse.invoke(null, " SMT ").toString()).isEqualTo("core");
            assertThat(parse.invoke(null, "cpu").toString()).isEqualTo("cpu");
        }
    }

    @Test
    void anAddedFieldAndAnAddedOverridingMethodStayRefusedForATrampolineHost() throws Exception {
        String maxConnections = "public static final int MAX_CONNECTIONS = ControlConnections.MAX_CONNECTIONS;";
        String field = host.change("tramp-field", edit(SERVER, replace(maxConnections, maxConnections + "\n    private int refused;")));
        assertThat(trampolineRefusals(field)).contains("refused: io.hotvisor.runtime.control.ControlServer: field added: int refused");
        String override = host.change("tramp-override", edit(VERSION, replace("    public static String version() {",
                "    @Override\n    public String toString() {\n        return version();\n    }\n\n    public static String version() {")));
        assertThat(trampolineRefusals(override)).containsExactly("refused: io.hotvisor.runtime.host.Version: method added: "
                + "java.lang.String toString() (a trampoline cannot carry it either: a new non-private instance method: a trampoline "
                + "cannot add a virtual method (make it private))");
    }

    // ---- nothing the host runs, bad input -----------------------------------------------------

    @Test
    void commandLineOnlyChangeIsNothingTheHostRunsInDryRunAndRealBuildAlike() throws Exception {
        String head = host.change("cli-only", edit(SIZES, s -> s.replaceFirst("(?m)^}\\s*$", "    static int unused() { return 1; }\n}\n")));
        for (boolean dry : new boolean[] {true, false}) {
            assertThatThrownBy(() -> new PatchBuilder(host.request(head, dry, host.target), PatchBuilder.Progress.NONE).build())
                    .isInstanceOfSatisfying(BuildException.class, e -> {
                        assertThat(e.error()).isEqualTo(BuildError.NOTHING_TO_PATCH);
                        assertThat(e.getMessage()).startsWith("nothing the host runs changed: io.hotvisor.runtime.cli.Sizes changed");
                    });
        }
        assertThat(host.dir.resolve("out").resolve(head + ".hvp")).doesNotExist();
    }

    @Test
    void editedBuildIdAndEditedClassHashAreRefusedAsAnEditedBuildInfo() throws Exception {
        String head = host.change("for-edited-target", edit(CONFIG, replace("new Topology(2, 2)", "new Topology(2, 1)")));
        String json = Files.readString(host.target);
        String id = json.replaceFirst("(?s).*\"build-id\" : \"([0-9a-f]{64})\".*", "$1");
        Path editedId = Files.createDirectories(host.dir.resolve("edited-id")).resolve("build-info.json");
        Files.writeString(editedId, json.replace(id, "0" + id.substring(1).replace('0', '1')));
        assertThatThrownBy(() -> new PatchBuilder(host.request(head, true, editedId), PatchBuilder.Progress.NONE).build())
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.BAD_TARGET);
                    assertThat(e.getMessage()).contains("is not the build-id of the classes it lists");
                });
        String hash = json.replaceFirst("(?s).*\"name\" : \"io.hotvisor.runtime.host.HostConfig\",\\s*\"sha256\" : \"([0-9a-f]{64})\".*", "$1");
        Path editedHash = Files.createDirectories(host.dir.resolve("edited-hash")).resolve("build-info.json");
        Files.writeString(editedHash, json.replace(hash, new StringBuilder(hash).reverse().toString()));
        assertThatThrownBy(() -> new PatchBuilder(host.request(head, true, editedHash), PatchBuilder.Progress.NONE).build())
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.error()).isEqualTo(BuildError.BAD_TARGET);
                    assertThat(e.getMessage()).contains("class hashes do not match its own build-id");
                    assertThat(e.details()).anySatisfy(d -> assertThat(d).startsWith("io.hotvisor.runtime.host.HostConfig: built "));
                });
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Builds a one-replacement change, checks the classes it carries, and applies it to the base classes in this JVM. */
    private Redefined applied(String branch, String path, String from, String to, String... carried) throws Exception {
        BuildResult r = build(host.change(branch, edit(path, replace(from, to))));
        assertThat(classes(r)).containsExactly(carried);
        return new Redefined(host, r);
    }

    private BuildResult build(String head) throws BuildException {
        return new PatchBuilder(host.request(head, false, host.target), PatchBuilder.Progress.NONE).build();
    }

    private List<String> refusals(String head) {
        return refusals(host.request(head, true, host.target));
    }

    private List<String> trampolineRefusals(String head) {
        return refusals(host.request(head, true, host.target).withMechanism(LivepatchMechanism.TRAMPOLINE));
    }

    private List<String> refusals(BuildRequest request) {
        try {
            BuildResult r = new PatchBuilder(request, PatchBuilder.Progress.NONE).build();
            throw new AssertionError("expected a refusal, built " + classes(r));
        } catch (BuildException e) {
            assertThat(e.error()).as(e.getMessage()).isEqualTo(BuildError.REFUSED);
            return e.details().stream().filter(d -> !d.startsWith("note: ")).toList();
        }
    }

    /** A command body that fails first with {@code code}, so which body runs can be told without a host. */
    private static String failFirst(String command, String code) {
        return command.replace("Domain d = domain(host, args);",
                "if (args.has(\"domain\")) throw new ControlException(\"" + code + "\", \"changed\");\n            Domain d = domain(host, args);");
    }

    /** A guest memory fault of the base classes. */
    private static Object fault(Redefined jvm, String access, boolean misaligned) throws Exception {
        Class<?> fault = jvm.load("io.hotvisor.runtime.memory.GuestMemoryFault");
        Class<?> kind = jvm.load("io.hotvisor.runtime.memory.GuestMemoryFault$Access");
        return fault.getConstructor(kind, boolean.class, long.class).newInstance(kind.getField(access).get(null), misaligned, 0x1001L);
    }

    private static List<String> classes(BuildResult r) {
        return r.verdicts().stream().map(Verdict::className).toList();
    }

    /** A unified diff of one file; each pair of strings after the path is a replacement, later pairs apply to the base first. */
    private Path diffFile(String name, String path, String... pairs) throws Exception {
        String original = Files.readString(host.repo.resolve(path));
        String before = original;
        for (int i = pairs.length - 2; i >= 2; i -= 2) {
            before = before.replace(pairs[i], pairs[i + 1]);
        }
        String after = before.replace(pairs[0], pairs[1]);
        Path file = host.dir.resolve(name);
        Files.writeString(file, UnifiedDiff.of(path, before, after, Files.createTempDirectory(host.dir, "sides")));
        return file;
    }

    /**
     * The base build loaded as a trampoline host loads it: the runtime bundle's classes woven (its
     * bundles declare Hotvisor-Patchable), the trampoline runtime shared with this test, as a woven
     * bundle reaches it through its dynamic import.
     */
    static final class Trampolined implements AutoCloseable {
        private final URLClassLoader loader;

        Trampolined(HostFixture host) throws Exception {
            List<URL> urls = new ArrayList<>();
            for (Path p : host.runtimeClasspath()) {
                urls.add(p.toUri().toURL());
            }
            loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader()) {
                @Override
                protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                    if (name.startsWith(Weaver.RUNTIME_PACKAGE + ".")) {
                        return PatchCorpusTest.class.getClassLoader().loadClass(name);
                    }
                    return super.loadClass(name, resolve);
                }

                @Override
                protected Class<?> findClass(String name) throws ClassNotFoundException {
                    if (!name.startsWith("io.hotvisor.runtime.")) {
                        return super.findClass(name);
                    }
                    try (var in = getResourceAsStream(name.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] bytes = in.readAllBytes();
                        byte[] woven = Weaver.weave(this, bytes);
                        byte[] defined = woven != null ? woven : bytes;
                        return defineClass(name, defined, 0, defined.length);
                    } catch (java.io.IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
            };
        }

        Class<?> load(String name) throws ClassNotFoundException {
            return Class.forName(name, true, loader);
        }

        @Override
        public void close() throws Exception {
            loader.close();
        }
    }

    /** The base build loaded in a class loader of its own, as the host loads it, and redefined through a real agent. */
    static final class Redefined implements AutoCloseable {
        private final URLClassLoader loader;
        private final Instrumentation inst = ByteBuddyAgent.install();

        Redefined(HostFixture host, BuildResult payload) throws Exception {
            List<URL> urls = new ArrayList<>();
            for (Path p : host.runtimeClasspath()) {
                urls.add(p.toUri().toURL());
            }
            loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
            if (payload != null) {
                redefine(payload);
            }
        }

        Class<?> load(String name) throws ClassNotFoundException {
            return Class.forName(name, true, loader);
        }

        /** Redefines the payload's classes (loading each first, as the host has them loaded). */
        void redefine(BuildResult payload) throws Exception {
            List<ClassDefinition> defs = new ArrayList<>();
            for (Verdict v : payload.verdicts()) {
                if (v.kind() == Verdict.Kind.DEFINE) {
                    continue; // a new class: the host defines it in the bundle's loader; nothing here uses it
                }
                defs.add(new ClassDefinition(load(v.className()), v.bytes()));
            }
            inst.redefineClasses(defs.toArray(ClassDefinition[]::new));
        }

        /** Calls a static method (private ones too, as the host's own callers do); a thrown exception is rethrown unwrapped. */
        Object call(String className, String method, Object... args) throws Exception {
            for (Method m : load(className).getDeclaredMethods()) {
                if (m.getName().equals(method) && m.getParameterCount() == args.length) {
                    m.setAccessible(true);
                    try {
                        return m.invoke(null, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause() instanceof Exception x ? x : e;
                    }
                }
            }
            throw new NoSuchMethodException(className + "." + method);
        }

        /** HostCommands.register on a control server that is not started, as the host's activator does at boot. */
        @SuppressWarnings("unchecked")
        Map<String, Object> registerCommands() throws Exception {
            Class<?> serverClass = load("io.hotvisor.runtime.control.ControlServer");
            Class<?> credentials = load("io.hotvisor.runtime.control.PeerCredentials");
            Object server = serverClass.getConstructor(Path.class, credentials).newInstance(Path.of("unused.sock"), null);
            for (Method m : load("io.hotvisor.runtime.control.HostCommands").getMethods()) {
                if (m.getName().equals("register")) {
                    m.invoke(null, server, null, null, null, null);
                }
            }
            var field = serverClass.getDeclaredField("commands");
            field.setAccessible(true);
            return Map.copyOf((Map<String, Object>) field.get(server));
        }

        /** Runs a command with a domain argument and returns the code of the ControlException it throws. */
        String failureCode(Object command, String name) throws Exception {
            Object args = Class.forName("com.fasterxml.jackson.databind.ObjectMapper", true, loader).getConstructor().newInstance();
            Object node = args.getClass().getMethod("readTree", String.class).invoke(args, "{\"domain\":\"d\"}");
            Method handle = load("io.hotvisor.control.ControlCommand").getMethod("handle",
                    load("com.fasterxml.jackson.databind.JsonNode"), load("io.hotvisor.control.ControlCommand$Stream"));
            try {
                handle.invoke(command, node, null);
                throw new AssertionError(name + " did not fail");
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                return cause.getClass().getSimpleName().equals("ControlException")
                        ? (String) cause.getClass().getMethod("code").invoke(cause) : cause.toString();
            }
        }

        @Override
        public void close() throws Exception {
            loader.close();
        }
    }
}
