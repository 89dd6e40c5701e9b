package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.payload.ClassChange;
import io.hotvisor.patch.format.payload.PayloadDraft;
import io.hotvisor.patch.format.payload.PayloadWriter;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.hotvisor.tests.BundleUpdatePauseBenchmark.check;
import static io.hotvisor.tests.BundleUpdatePauseBenchmark.running;

/**
 * Guest pause of the same payloads under both livepatch mechanisms, in one run (issue 18's
 * benchmark): a real host with {@code livepatch-mechanism = redefine}, then one with
 * {@code trampoline}, each 2x2 with core scheduling and two capped guests running; then both again
 * on an idle 2x1 host ({@link Setup}). The payloads
 * change 1 and 20 methods of {@code Domain} (each body gains a leading {@code nop}: a real change
 * to every method, which the guests' hot paths call, so both mechanisms have compiled callers to
 * deoptimise). Each payload is applied and reverted {@code ROUNDS} times; the pauses and the loaded
 * class count are the host's own figures ({@code hvctl livepatch ... --json}). An action refused
 * because a pCPU was inside a changed method (ACTIVE) is retried and counted.
 *
 * <p>Run: {@code mvn -B -q -Pbench -pl tests test-compile exec:exec -Dbench.main=io.hotvisor.tests.MechanismPauseBenchmark}
 * after {@code mvn -B -q -DskipTests install}. Figures go to BENCHMARKS.md.
 */
public final class MechanismPauseBenchmark {
    static final String DOMAIN = "io.hotvisor.runtime.domain.Domain";
    static final int ROUNDS = 15;
    static final int[] METHODS = {1, 20};

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("mechanism-bench");
        HostProcess.Result keygen = HostProcess.hvpatch("keygen", "--out", dir.resolve("keys").toString(), "--name", "bench");
        check(keygen);
        SigningKey key = KeyFiles.readSigningKey(dir.resolve("keys/bench.key"));
        BuildInfo target = CraftedPayloads.target();
        BuildInfo.Bundle bundle = CraftedPayloads.bundleOfPackage(target, "io.hotvisor.runtime.domain");
        byte[] domain = CraftedPayloads.classFile("bundle-domain", DOMAIN);
        List<Path> payloads = new ArrayList<>();
        for (int n : METHODS) {
            byte[] head = withNops(domain, n);
            Path file = dir.resolve("methods-" + n + ".hvp");
            ClassChange change = ClassChange.redefine(new ClassImage(bundle.symbolicName(), bundle.version(), DOMAIN, head), Sha256.of(domain));
            Files.write(file, PayloadWriter.write(new PayloadDraft("methods-" + n, target.buildId(), null, List.of(change), List.of(),
                    Metadata.EMPTY), key));
            payloads.add(file);
        }
        System.out.printf("guest pause per action (ms), %d apply + %d revert per row:%n", ROUNDS, ROUNDS);
        System.out.printf("  %-11s %-27s %-8s %-20s %8s %8s %8s %11s %8s %9s%n", "mechanism", "host", "methods", "reported as",
                "p50", "p99", "max", "window p50", "retries", "classes");
        for (Setup setup : SETUPS) {
            Path hostDir = Files.createDirectories(dir.resolve(setup.mechanism() + "-" + (setup.guests() ? "busy" : "idle")));
            Files.createDirectories(hostDir.resolve("trust"));
            Files.copy(dir.resolve("keys/bench.pub"), hostDir.resolve("trust/bench.pub"));
            try (HostProcess host = HostProcess.start(hostDir, "livepatch-health-window = 0", "sched-gran = core",
                    "topology = " + setup.topology(), "livepatch-mechanism = " + setup.mechanism())) {
                for (int i = 0; i < METHODS.length; i++) {
                    String name = "methods-" + METHODS[i];
                    check(host.hvctl("livepatch", "upload", name, payloads.get(i).toString()));
                    Row row = measure(host, hostDir, name, setup.guests());
                    double[] p = row.pauses.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                    double[] w = row.windows.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                    System.out.printf("  %-11s %-27s %-8d %-20s %8.3f %8.3f %8.3f %11.3f %8d %9d%n", setup.mechanism(), setup.describe(),
                            METHODS[i], row.reportedAs, p[p.length / 2], p[Math.min(p.length - 1, (int) Math.ceil(p.length * 0.99) - 1)],
                            p[p.length - 1], w[w.length / 2], row.retries, row.loadedClasses);
                }
            }
        }
    }

    /**
     * One host of the run. Busy: 2x2 (four pCPU threads on this machine's two cores) with two capped
     * guests running. Idle: 2x1 (a pCPU thread per core) and no guest, the closest this machine
     * comes to an idle host.
     */
    private record Setup(String mechanism, String topology, boolean guests) {
        String describe() {
            return topology + (guests ? ", 2 capped guests" : ", no guest");
        }
    }

    private static final List<Setup> SETUPS = List.of(new Setup("redefine", "2x2", true), new Setup("trampoline", "2x2", true),
            new Setup("redefine", "2x1", false), new Setup("trampoline", "2x1", false));

    private static final class Row {
        final List<Double> pauses = new ArrayList<>();
        final List<Double> windows = new ArrayList<>();
        String reportedAs;
        int retries;
        int loadedClasses;
    }

    private static int guests;

    private static Row measure(HostProcess host, Path dir, String name, boolean withGuests) throws Exception {
        Row row = new Row();
        for (int r = 0; r < ROUNDS; r++) {
            while (withGuests && running(host) < 2) {
                if (guests > 8 * ROUNDS) throw new IllegalStateException("guests end faster than they are created");
                check(host.hvctl("create", HostProcess.guestConfig(dir, "g" + guests, "counter", "cap = 30").toString()));
                guests++;
            }
            for (String action : List.of("apply", "revert")) {
                JsonNode report = act(host, action, name, row);
                row.pauses.add(report.path("pauseMillis").asDouble());
                row.windows.add(report.path("windowMillis").asDouble());
                row.reportedAs = report.path("mechanism").asText();
                row.loadedClasses = report.path("loadedClasses").asInt();
            }
        }
        return row;
    }

    private static JsonNode act(HostProcess host, String action, String name, Row row) throws Exception {
        for (int attempt = 0; ; attempt++) {
            HostProcess.Result r = host.hvctl("livepatch", action, name, "--timeout", "2000", "--json");
            if (r.status() == 0) return r.json();
            if (!r.err().contains("ACTIVE") || attempt == 20) check(r);
            row.retries++;
        }
    }

    /** The first {@code n} patchable methods of the class (not constructors, initialisers or synthetic), each with a leading nop. */
    static byte[] withNops(byte[] classFile, int n) {
        ClassWriter writer = new ClassWriter(0);
        int[] changed = {0};
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                MethodVisitor mv = super.visitMethod(access, name, desc, sig, ex);
                boolean patchable = !name.startsWith("<") && (access & (Opcodes.ACC_SYNTHETIC | Opcodes.ACC_BRIDGE
                        | Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) == 0;
                if (!patchable || changed[0] == n) return mv;
                changed[0]++;
                return new MethodVisitor(Opcodes.ASM9, mv) {
                    @Override
                    public void visitCode() {
                        super.visitCode();
                        super.visitInsn(Opcodes.NOP);
                    }
                };
            }
        }, 0);
        if (changed[0] != n) throw new IllegalStateException(DOMAIN + " has only " + changed[0] + " patchable methods");
        return writer.toByteArray();
    }

    private MechanismPauseBenchmark() {
    }
}
