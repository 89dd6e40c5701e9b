package io.hotvisor.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The host configuration file: {@code key = value} lines, {@code #} comments, as {@code xl.cfg}
 * writes them. Unknown keys and malformed lines are refused with their line number. Relative paths
 * are taken relative to the file's folder's parent (the distribution's root for {@code etc/host.cfg});
 * {@code bundles-dir}, when not set, is the distribution's own {@code bundles/}.
 */
record HostConfigFile(Map<String, String> values, Path base) {
    static final Set<String> KEYS = Set.of("topology", "sched-gran", "slice", "state-dir", "trust-dir",
            "control-socket", "log-console", "bundles-dir", "livepatch-health-window", "livepatch-mechanism", "livepatch-fault-point", "boot-domains", "engine",
            "cpu-vendor", "cpu-signature", "cpu-platform-id", "cpu-microcode-revision", "microcode-force-minrev", "rendezvous-ipi");

    /**
     * The cpu-* defaults are a real CPU with a newer update in Debian's intel-microcode: Tiger Lake-U
     * 06-8c-01, pf_mask 0x80, at revision 0xb8 (the package has 0xbc); as microcode's CpuConfig says.
     */
    static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("topology", "2x2"), Map.entry("sched-gran", "cpu"), Map.entry("engine", "interpreter"), Map.entry("slice", "100000"), Map.entry("state-dir", "state"),
            Map.entry("trust-dir", "etc/trust"), Map.entry("control-socket", "state/control.sock"), Map.entry("log-console", "true"),
            Map.entry("cpu-vendor", "intel"), Map.entry("cpu-signature", "0x806c1"), Map.entry("cpu-platform-id", "7"),
            Map.entry("cpu-microcode-revision", "0xb8"), Map.entry("microcode-force-minrev", "false"),
            Map.entry("rendezvous-ipi", "true"));

    static HostConfigFile read(Path file) throws LaunchException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new LaunchException("host config " + file + " does not exist");
        } catch (IOException e) {
            throw new LaunchException("cannot read host config " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            if (eq <= 0) throw new LaunchException(file + ":" + (i + 1) + ": expected 'key = value', got '" + line + "'");
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            int comment = value.indexOf(" #");
            if (comment >= 0) value = value.substring(0, comment).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
            if (!KEYS.contains(key)) {
                throw new LaunchException(file + ":" + (i + 1) + ": unknown key '" + key + "'; known keys: " + String.join(", ", KEYS.stream().sorted().toList()));
            }
            values.put(key, value);
        }
        Path abs = file.toAbsolutePath().getParent();
        return new HostConfigFile(values, abs.getParent() == null ? abs : abs.getParent());
    }

    String get(String key) {
        return values.get(key);
    }

    Path path(String key) {
        return base.resolve(values.get(key)).normalize();
    }

    /** A comma-separated list of paths ({@code boot-domains}), each resolved as {@link #path} does; empty entries skipped. */
    List<Path> paths(String key) {
        String v = values.get(key);
        if (v == null) return List.of();
        return java.util.Arrays.stream(v.split(",")).map(String::strip).filter(p -> !p.isEmpty())
                .map(p -> base.resolve(p).normalize()).toList();
    }
}
