package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every sample of {@code patch-samples/} against its {@code expected.json}: the payload is built
 * with {@code bin/hvpatch build} from the sample's diff against this checkout's HEAD, then driven
 * through {@code bin/hvctl} on a fresh host process, step by step. A diff that no longer applies
 * to HEAD fails its sample's build assertion, naming the sample.
 *
 * <p>expected.json: {@code build} ({@code exit}, optional {@code err} substring, optional
 * {@code dependsOn}: the sample whose payload build-id this one stacks on), {@code steps} (each
 * one of: {@code hvctl} args with {@code {sample}} standing for that sample's payload file and
 * optional {@code exit}, {@code error} code, {@code out}/{@code err} substrings; {@code create} a
 * domain from a sample guest; {@code awaitConsole} a substring or the exact {@code .expected}
 * output of a guest; {@code dmesg} lines that must appear in the host log exactly once each, in
 * that order; {@code host} a list of {@code host.cfg} lines: the host is shut down and a fresh one,
 * with its own state directory and the same trust, boots with those lines, and the later steps and
 * {@code after} go to it), {@code craft} (for what javac cannot produce, see {@link #craft}), and
 * {@code after} (payload states, absent payloads, last errors, the extra version). A build may
 * also name {@code appliedDiffsOf}: samples whose diffs the payloads below this one already
 * applied ({@code hvpatch build --applied-diff}), and {@code args}: more hvpatch build options.
 */
class LivepatchSamplesTest {
    static final Path SAMPLES = HostProcess.REPO.resolve("patch-samples");
    static final Pattern PAYLOAD_REF = Pattern.compile("\\{([a-z0-9-]+)}");

    static Path work;
    static Path key;
    static String base;
    /** Per sample: the hvpatch build result and its payload file. */
    static final Map<String, HostProcess.Result> BUILDS = new ConcurrentHashMap<>();
    static final Map<String, Path> PAYLOADS = new ConcurrentHashMap<>();
    static final Map<String, CompletableFuture<Void>> READY = new ConcurrentHashMap<>();
    static final ExecutorService POOL = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "sample-build");
        t.setDaemon(true);
        return t;
    });

    /**
     * Every sample, or with {@code -Dhotvisor.samples=a,b} only those (and the samples they are
     * built on), for working on one sample at a time.
     */
    static Stream<String> samples() throws IOException {
        List<String> all;
        try (Stream<Path> dirs = Files.list(SAMPLES)) {
            all = dirs.filter(d -> Files.exists(d.resolve("expected.json"))).map(d -> d.getFileName().toString()).sorted().toList();
        }
        String only = System.getProperty("hotvisor.samples", "").strip();
        if (only.isEmpty()) return all.stream();
        java.util.Set<String> wanted = new java.util.TreeSet<>();
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(only.split(",")));
        while (!todo.isEmpty()) {
            String s = todo.pop().strip();
            assertThat(all).as("-Dhotvisor.samples names no sample " + s).contains(s);
            if (!wanted.add(s)) continue;
            JsonNode e = expected(s);
            JsonNode b = e.path("build");
            if (b.has("dependsOn")) todo.push(b.path("dependsOn").asText());
            b.path("appliedDiffsOf").forEach(a -> todo.push(a.asText()));
            for (JsonNode step : e.path("steps")) {
                Matcher m = PAYLOAD_REF.matcher(step.toString());
                while (m.find()) todo.push(m.group(1));
            }
        }
        return wanted.stream();
    }

    static JsonNode expected(String sample) throws IOException {
        return HostProcess.JSON.readTree(SAMPLES.resolve(sample).resolve("expected.json").toFile());
    }

    /** Starts building every sample once (two at a time, one shared base-build cache); dependencies first. */
    @BeforeAll
    static void buildEverySample() throws Exception {
        work = Files.createTempDirectory("livepatch-samples");
        HostProcess.Result keygen = HostProcess.hvpatch("keygen", "--out", work.resolve("keys").toString(), "--name", "ops");
        assertThat(keygen.status()).as(keygen.err()).isZero();
        key = work.resolve("keys/ops.key");
        HostProcess.Result head = HostProcess.run(List.of("git", "-C", HostProcess.REPO.toString(), "rev-parse", "HEAD"));
        base = head.out().strip();
        // Builds run two at a time in the background while the samples' hosts run; each test waits
        // for the payloads it uses. The samples others depend on go first, so a build that waits
        // for its dependency never waits behind itself.
        List<String> all = new ArrayList<>(samples().toList());
        List<String> deps = new ArrayList<>();
        for (String s : all) {
            JsonNode e = expected(s);
            String d = e.path("build").path("dependsOn").asText();
            if (!d.isEmpty() && !deps.contains(d)) deps.add(d);
        }
        all.removeAll(deps);
        all.addAll(0, deps);
        for (String s : all) {
            READY.put(s, CompletableFuture.runAsync(() -> {
                try {
                    JsonNode e = expected(s);
                    if (e.path("build").has("dependsOn")) ready(e.path("build").path("dependsOn").asText());
                    build(s);
                    if (e.has("craft")) craft(s, e.path("craft"));
                } catch (Exception x) {
                    throw new java.util.concurrent.CompletionException(x);
                }
            }, POOL));
        }
    }

    /** Waits until a sample's payload is built (or crafted), rethrowing what went wrong. */
    static void ready(String sample) throws Exception {
        CompletableFuture<Void> f = READY.get(sample);
        assertThat(f).as("no sample named " + sample).isNotNull();
        try {
            f.get(10, java.util.concurrent.TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("building sample " + sample + " failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * A payload javac cannot produce: {@code craft.unverifiable} names a class and method of the
     * built payload whose body the test replaces with one the JVM's verifier refuses (an int
     * returned where a reference is declared); the payload is re-signed with the sample key.
     */
    private static void craft(String sample, JsonNode craft) throws Exception {
        Path built = PAYLOADS.get(sample);
        assertThat(built).as(sample + ": crafted from its built payload, which hvpatch did not write").isNotNull();
        JsonNode u = craft.path("unverifiable");
        assertThat(u.isObject()).as(sample + ": craft.unverifiable {class, method} expected").isTrue();
        PAYLOADS.put(sample, CraftedPayloads.unverifiable(built, u.path("class").asText(), u.path("method").asText(), key,
                work.resolve(sample + "-crafted.hvp")));
    }

    private static Void build(String sample) throws Exception {
        JsonNode b = expected(sample).path("build");
        Path out = work.resolve(sample + ".hvp");
        List<String> args = new ArrayList<>(List.of("build", "--repo", HostProcess.REPO.toString(), "--base", base,
                "--diff", SAMPLES.resolve(sample).resolve("fix.diff").toString(), "--name", sample, "--key", key.toString(),
                "--target", HostProcess.DIST.resolve("build-info.json").toString(), "--cache", work.resolve("cache").toString(),
                "--json", "--quiet", "-o", out.toString()));
        for (JsonNode a : b.path("args")) {
            args.add(a.asText());
        }
        for (JsonNode applied : b.path("appliedDiffsOf")) {
            args.addAll(List.of("--applied-diff", SAMPLES.resolve(applied.asText()).resolve("fix.diff").toString()));
        }
        if (b.has("dependsOn")) {
            String dep = b.path("dependsOn").asText();
            HostProcess.Result d = BUILDS.get(dep);
            assertThat(d).as("%s depends on sample %s, which was not built", sample, dep).isNotNull();
            args.addAll(List.of("--depends-on", d.json().path("payload-build-id").asText()));
        }
        BUILDS.put(sample, HostProcess.hvpatch(args.toArray(String[]::new)));
        if (Files.exists(out)) PAYLOADS.put(sample, out);
        return null;
    }

    @AfterAll
    static void cleanUp() throws IOException {
        POOL.shutdownNow();
        if (work == null) return;
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void sampleHasItsExpectedOutcome(String sample) throws Exception {
        JsonNode expected = expected(sample);
        ready(sample);
        HostProcess.Result build = BUILDS.get(sample);
        JsonNode b = expected.path("build");
        assertThat(build.status()).as("%s: hvpatch build exit status (does fix.diff still apply to HEAD?)\n%s\n%s",
                sample, build.out(), build.err()).isEqualTo(b.path("exit").asInt());
        if (b.has("out")) assertThat(build.out()).as(sample + ": hvpatch build output").contains(b.path("out").asText());
        if (!expected.has("steps")) {
            System.out.printf("sample %-18s build exit %d (no host steps)%n", sample, build.status());
            return;
        }
        HostProcess host = startHost(sample, 1, List.of());
        try {
            int n = 0;
            int hosts = 1;
            for (JsonNode step : expected.path("steps")) {
                n++;
                if (step.has("host")) {
                    List<String> config = new ArrayList<>();
                    step.path("host").forEach(c -> config.add(c.asText()));
                    host.close();
                    host = startHost(sample, ++hosts, config);
                    continue;
                }
                step(host, host.dir, sample, n, step);
            }
            JsonNode after = expected.path("after");
            JsonNode list = host.hvctl("livepatch", "list", "--json").json();
            Map<String, String> states = new LinkedHashMap<>();
            list.path("payloads").forEach(p -> states.put(p.path("name").asText(), p.path("state").asText()));
            for (Iterator<Map.Entry<String, JsonNode>> it = after.path("states").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertThat(states).as(sample + ": payload states after the steps").containsEntry(e.getKey(), e.getValue().asText());
            }
            for (JsonNode absent : after.path("absent")) {
                assertThat(states).as(sample + ": payloads after the steps").doesNotContainKey(absent.asText());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = after.path("lastError").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String lastError = "";
                for (JsonNode p : list.path("payloads")) if (p.path("name").asText().equals(e.getKey())) lastError = p.path("lastError").asText();
                assertThat(lastError).as(sample + ": last error of " + e.getKey()).startsWith(e.getValue().asText());
            }
            if (after.has("extraVersion")) {
                assertThat(host.hvctl("info", "--json").json().path("extraVersion").asText())
                        .as(sample + ": extra version after the steps").isEqualTo(after.path("extraVersion").asText());
            }
            System.out.printf("sample %-18s build exit %d, %d steps as expected, after: %s%n", sample, build.status(), n, states);
        } finally {
            host.close();
        }
    }

    /** A fresh host for a sample (the {@code number}th of its steps), trusting the samples' key, with extra host.cfg lines. */
    private static HostProcess startHost(String sample, int number, List<String> config) throws IOException {
        Path dir = work.resolve("host-" + sample + (number == 1 ? "" : "-" + number));
        Files.createDirectories(dir.resolve("trust"));
        Files.copy(work.resolve("keys/ops.pub"), dir.resolve("trust/ops.pub"));
        List<String> lines = new ArrayList<>(List.of("livepatch-health-window = 2"));
        lines.addAll(config);
        return HostProcess.start(dir, lines.toArray(String[]::new));
    }

    private static void step(HostProcess host, Path dir, String sample, int n, JsonNode step) throws Exception {
        String what = sample + " step " + n + " " + step;
        if (step.has("hvctl")) {
            List<String> args = new ArrayList<>();
            for (JsonNode a : step.path("hvctl")) args.add(payloadRefs(a.asText(), what));
            HostProcess.Result r = host.hvctl(args.toArray(String[]::new));
            String shown = what + "\nstdout: " + r.out() + "\nstderr: " + r.err();
            assertThat(r.status()).as(shown).isEqualTo(step.path("exit").asInt(0));
            if (step.has("error")) assertThat(r.err()).as(shown).startsWith("hvctl: error " + step.path("error").asText() + ": ");
            if (step.has("out")) assertThat(r.out()).as(shown).contains(step.path("out").asText());
            if (step.has("err")) assertThat(r.err()).as(shown).contains(step.path("err").asText());
        } else if (step.has("create")) {
            List<String> extra = new ArrayList<>();
            step.path("config").forEach(c -> extra.add(c.asText()));
            Path cfg = HostProcess.guestConfig(dir, step.path("create").asText(), step.path("guest").asText(), extra.toArray(String[]::new));
            HostProcess.Result r = host.hvctl("create", cfg.toString());
            assertThat(r.status()).as(what + "\n" + r.err()).isZero();
        } else if (step.has("awaitConsole")) {
            String domain = step.path("awaitConsole").asText();
            if (step.has("equalsExpectedOf")) {
                String want = Files.readString(HostProcess.REPO.resolve("hv-runtime/guests/bin/" + step.path("equalsExpectedOf").asText() + ".expected"));
                await(what).atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(console(host, domain)).isEqualTo(want));
            } else {
                String want = step.path("contains").asText();
                await(what).atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(console(host, domain)).contains(want));
            }
        } else if (step.has("dmesg")) {
            List<String> want = new ArrayList<>();
            step.path("dmesg").forEach(w -> want.add(w.asText()));
            await(what).atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<String> seen = new ArrayList<>();
                for (String l : host.hvctl("dmesg").out().split("\n")) {
                    for (String w : want) if (l.endsWith(" " + w)) seen.add(w);
                }
                assertThat(seen).as("host log lines, in order").isEqualTo(want);
            });
        } else {
            throw new AssertionError(what + ": unknown step");
        }
    }

    /** {@code {sample}} stands for that sample's payload file. */
    private static String payloadRefs(String arg, String what) {
        Matcher m = PAYLOAD_REF.matcher(arg);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            try {
                ready(m.group(1));
            } catch (Exception e) {
                throw new AssertionError(what + ": " + e.getMessage(), e);
            }
            Path p = PAYLOADS.get(m.group(1));
            assertThat(p).as(what + ": no payload was built for sample " + m.group(1)).isNotNull();
            m.appendReplacement(out, Matcher.quoteReplacement(p.toString()));
        }
        return m.appendTail(out).toString();
    }

    /**
     * A domain's console as the host log keeps it: a domain that shut down is gone from
     * {@code hvctl console}, but its lines stay in {@code hvctl dmesg} as "(dN NAME) LINE".
     */
    static String console(HostProcess host, String domain) throws Exception {
        Pattern line = Pattern.compile("^\\([0-9:.]+\\) INFO \\(d\\d+ " + Pattern.quote(domain) + "\\) (.*)$");
        StringBuilder out = new StringBuilder();
        for (String l : host.hvctl("dmesg").out().split("\n")) {
            Matcher m = line.matcher(l);
            if (m.matches()) out.append(m.group(1)).append('\n');
        }
        return out.toString();
    }
}
