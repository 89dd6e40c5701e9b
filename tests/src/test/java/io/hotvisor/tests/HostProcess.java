package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real host: the distribution's {@code bin/hv host} in its own JVM, with its own config and state
 * directory, driven by real {@code bin/hvctl} processes.
 */
final class HostProcess implements AutoCloseable {
    static final Path DIST = Path.of(System.getProperty("hotvisor.dist", "../osgi-bundles/distribution/target/hotvisor")).toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();

    record Result(int status, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    final Path dir;
    final Path socket;
    final Process process;
    final Path log;

    private HostProcess(Path dir, Process process, Path log) {
        this.dir = dir;
        this.socket = dir.resolve("state/control.sock");
        this.process = process;
        this.log = log;
    }

    /** Writes a host config into {@code dir} (state under it) and starts the host; waits for its socket. */
    static HostProcess start(Path dir, String... extraConfig) throws IOException {
        Path cfg = writeConfig(dir, extraConfig);
        Path log = dir.resolve("host.log");
        Process p = new ProcessBuilder(DIST.resolve("bin/hv").toString(), "host", cfg.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        HostProcess host = new HostProcess(dir, p, log);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            if (!p.isAlive()) throw new IllegalStateException("host exited early: " + Files.readString(log));
            return Files.exists(host.socket) && host.hvctl("info").status() == 0;
        });
        return host;
    }

    static Path writeConfig(Path dir, String... extraConfig) throws IOException {
        Files.createDirectories(dir.resolve("etc"));
        List<String> lines = new ArrayList<>(List.of(
                "topology = 2x2",
                "state-dir = " + dir.resolve("state"),
                "control-socket = " + dir.resolve("state/control.sock"),
                "trust-dir = " + dir.resolve("trust"),
                "bundles-dir = " + DIST.resolve("bundles")));
        lines.addAll(List.of(extraConfig));
        return Files.write(dir.resolve("etc/host.cfg"), lines);
    }

    /** Runs {@code bin/hvctl --socket SOCKET ARGS...} as a separate process. */
    Result hvctl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(DIST.resolve("bin/hvctl").toString(), "--socket", socket.toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /**
     * Starts {@code bin/hvctl --socket SOCKET ARGS...} in the background (a follow, an action the
     * test interrupts), its standard output to {@code output} and its errors too when {@code withErrors}.
     */
    Process hvctlInBackground(Path output, boolean withErrors, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(DIST.resolve("bin/hvctl").toString(), "--socket", socket.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(output.toFile());
        return (withErrors ? b.redirectErrorStream(true) : b.redirectError(ProcessBuilder.Redirect.DISCARD)).start();
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException {
        return run(cmd, null, Map.of());
    }

    /** Runs {@code cmd} in {@code dir} (null: this process's), with {@code env} added to this process's environment. */
    static Result run(List<String> cmd, Path dir, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("command did not finish: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** The checked-out repository the distribution was built from (its {@code bin/hvpatch}, its git history). */
    static final Path REPO = DIST.resolve("../../../..").normalize();

    /** Runs the repository's {@code bin/hvpatch ARGS...} (the patch builder's CLI) as a separate process. */
    static Result hvpatch(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(REPO.resolve("bin/hvpatch").toString()));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    static Path guestConfig(String guest) {
        return DIST.resolve("etc/guests/" + guest + ".cfg");
    }

    /** A guest config in {@code dir} for a sample guest, with extra lines (e.g. a cap that keeps it running for a while). */
    static Path guestConfig(Path dir, String name, String guest, String... extra) throws IOException {
        List<String> lines = new ArrayList<>(List.of("name = \"" + name + "\"", "kernel = \"" + DIST.resolve("guests/" + guest + ".elf") + "\""));
        lines.addAll(List.of(extra));
        return Files.write(dir.resolve(name + ".cfg"), lines);
    }

    /** Asks the host to shut down and waits for its process to end; kills it if it will not. */
    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            try {
                hvctl("shutdown");
            } catch (Exception ignored) {
                // it may be gone already
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }
}
