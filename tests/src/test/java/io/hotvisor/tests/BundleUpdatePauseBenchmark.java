package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.buildinfo.BuildInfoCodec;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.payload.BundleChange;
import io.hotvisor.patch.format.payload.ClassChange;
import io.hotvisor.patch.format.payload.PayloadDraft;
import io.hotvisor.patch.format.payload.PayloadWriter;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Guest pause of a scheduler bundle update beside a redefine payload of the same class count, on
 * one real host process in one run (issue 9's benchmark). The bundle update replaces
 * {@code io.hotvisor.runtime.sched.credit2} with a copy of itself under a new version; the redefine
 * payload redefines every class of that bundle with its own bytes (the JVM does the full redefine
 * work; no method changes, so the activeness check lets the run loop stay on the stacks). Each is
 * applied and reverted {@code ROUNDS} times, alternating, with two capped guests running; the pauses
 * are the host's own figures ({@code hvctl livepatch ... --json}: pauseMillis).
 *
 * <p>Run: {@code mvn -B -q -Pbench -pl tests test-compile exec:exec} after
 * {@code mvn -B -q -DskipTests install}. Figures go to BENCHMARKS.md.
 */
public final class BundleUpdatePauseBenchmark {
    static final String BUNDLE = "io.hotvisor.runtime.sched.credit2";
    static final int ROUNDS = Integer.getInteger("rounds", 15);

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("bundle-update-bench");
        HostProcess.Result keygen = HostProcess.hvpatch("keygen", "--out", dir.resolve("keys").toString(), "--name", "bench");
        if (keygen.status() != 0) throw new IllegalStateException(keygen.err());
        Files.createDirectories(dir.resolve("trust"));
        Files.copy(dir.resolve("keys/bench.pub"), dir.resolve("trust/bench.pub"));
        SigningKey key = KeyFiles.readSigningKey(dir.resolve("keys/bench.key"));
        BuildInfo target = BuildInfoCodec.read(HostProcess.DIST.resolve("build-info.json"));
        Path jarFile;
        try (var files = Files.list(HostProcess.DIST.resolve("bundles"))) {
            jarFile = files.filter(p -> p.getFileName().toString().startsWith("bundle-credit2-")).findFirst().orElseThrow();
        }
        byte[] jar = Files.readAllBytes(jarFile);
        String version = target.bundles().stream().filter(b -> b.symbolicName().equals(BUNDLE)).findFirst().orElseThrow().version();

        List<ClassChange> redefines = new ArrayList<>();
        byte[] updated = withVersion(jar, version + ".bench", redefines, version);
        Path bundlePayload = dir.resolve("bundle.hvp");
        Files.write(bundlePayload, PayloadWriter.write(PayloadDraft.bundleUpdate("bundle", target.buildId(), null,
                List.of(new BundleChange(BUNDLE, version, version + ".bench", updated)), Metadata.EMPTY), key));
        Path redefinePayload = dir.resolve("redefine.hvp");
        Files.write(redefinePayload, PayloadWriter.write(new PayloadDraft("redefine", target.buildId(), null, redefines, List.of(),
                Metadata.EMPTY), key));

        try (HostProcess host = HostProcess.start(dir, "livepatch-health-window = 0")) {
            check(host.hvctl("livepatch", "upload", "bundle", bundlePayload.toString()));
            check(host.hvctl("livepatch", "upload", "redefine", redefinePayload.toString()));
            double[][] pauses = new double[4][ROUNDS];
            int guests = 0;
            for (int r = 0; r < ROUNDS; r++) {
                while (running(host) < 2) {
                    if (guests > 4 * ROUNDS) throw new IllegalStateException("guests end faster than they are created");
                    Path cfg = HostProcess.guestConfig(dir, "g" + guests, "counter", "cap = 30");
                    check(host.hvctl("create", cfg.toString()));
                    guests++;
                }
                pauses[0][r] = pause(host, "apply", "bundle");
                pauses[1][r] = pause(host, "revert", "bundle");
                pauses[2][r] = pause(host, "apply", "redefine");
                pauses[3][r] = pause(host, "revert", "redefine");
            }
            System.out.printf("guest pause over %d rounds, %d classes each, 2 capped guests running (ms):%n", ROUNDS, redefines.size());
            String[] names = {"bundle update apply", "bundle update revert", "redefine apply", "redefine revert"};
            for (int i = 0; i < 4; i++) {
                double[] p = pauses[i].clone();
                Arrays.sort(p);
                System.out.printf("  %-22s p50 %7.2f  p90 %7.2f  max %7.2f%n", names[i], p[p.length / 2], p[(int) (p.length * 0.9)], p[p.length - 1]);
            }
        }
    }

    /**
     * The bundle jar with another Bundle-Version; collects a redefine of each of its classes (its
     * own bytes, expected as they are) into {@code redefines}.
     */
    static byte[] withVersion(byte[] jar, String newVersion, List<ClassChange> redefines, String version) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest m = in.getManifest();
            m.getMainAttributes().putValue("Bundle-Version", newVersion);
            try (JarOutputStream out = new JarOutputStream(bytes, m)) {
                for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                    byte[] content = in.readAllBytes();
                    out.putNextEntry(new JarEntry(e.getName()));
                    out.write(content);
                    out.closeEntry();
                    String name = e.getName();
                    if (name.endsWith(".class") && !name.endsWith("package-info.class")) {
                        String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                        redefines.add(ClassChange.redefine(new ClassImage(BUNDLE, version, className, content), Sha256.of(content)));
                    }
                }
            }
        }
        return bytes.toByteArray();
    }

    static int running(HostProcess host) throws Exception {
        int n = 0;
        for (JsonNode d : host.hvctl("list", "--json").json()) {
            if (d.path("state").asText().equals("running")) n++;
        }
        return n;
    }

    static double pause(HostProcess host, String action, String name) throws Exception {
        HostProcess.Result r = host.hvctl("livepatch", action, name, "--timeout", "2000", "--json");
        check(r);
        return r.json().path("pauseMillis").asDouble();
    }

    static void check(HostProcess.Result r) {
        if (r.status() != 0) throw new IllegalStateException("hvctl failed: " + r.out() + r.err());
    }

    private BundleUpdatePauseBenchmark() {
    }
}
