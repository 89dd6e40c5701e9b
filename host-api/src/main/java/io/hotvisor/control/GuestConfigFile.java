package io.hotvisor.control;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A guest config file, as {@code xl create} reads them: {@code key = value} lines, {@code #}
 * comments; keys {@code name}, {@code kernel} (an ELF path, relative to the config file),
 * {@code memory} (MiB), {@code vcpus}, {@code weight}, {@code cap}. {@code hvctl create} reads it on
 * the operator's side; the host reads its boot domains' configs with the same rules.
 *
 * @param file   the config file
 * @param name   the domain's name
 * @param kernel the guest ELF, absolute
 * @param memoryMib memory in MiB, or null for the host's default; likewise the rest
 */
public record GuestConfigFile(Path file, String name, Path kernel, Long memoryMib, Long vcpus, Long weight, Long cap) {
    private static final Set<String> KEYS = Set.of("name", "kernel", "memory", "vcpus", "weight", "cap");

    /**
     * Reads and checks {@code file} (not the kernel: {@link #kernelBytes} reads it).
     *
     * @throws ControlException BAD_CONFIG, naming the file, the line and what is wrong
     */
    public static GuestConfigFile read(Path file) throws ControlException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw bad("guest config " + file + " does not exist");
        } catch (IOException e) {
            throw bad("cannot read guest config " + file + ": " + e.getMessage());
        }
        String name = null;
        String kernel = null;
        Long memory = null;
        Long vcpus = null;
        Long weight = null;
        Long cap = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            if (eq <= 0) throw bad(file + ":" + (i + 1) + ": expected 'key = value'");
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
            if (!KEYS.contains(key)) throw bad(file + ":" + (i + 1) + ": unknown key '" + key + "'; known: cap, kernel, memory, name, vcpus, weight");
            switch (key) {
                case "name" -> name = value;
                case "kernel" -> kernel = value;
                case "memory" -> memory = number(file, i, value, ArgRange.MEMORY_MIB);
                case "vcpus" -> vcpus = number(file, i, value, ArgRange.VCPUS);
                case "weight" -> weight = number(file, i, value, ArgRange.WEIGHT);
                default -> cap = number(file, i, value, ArgRange.CAP);
            }
        }
        if (name == null) throw bad(file + ": missing 'name'");
        if (kernel == null) throw bad(file + ": missing 'kernel'");
        Path elf = file.toAbsolutePath().getParent().resolve(kernel).normalize();
        return new GuestConfigFile(file, name, elf, memory, vcpus, weight, cap);
    }

    /**
     * The kernel's bytes.
     *
     * @throws ControlException BAD_CONFIG when it is missing or unreadable
     */
    public byte[] kernelBytes() throws ControlException {
        try {
            return Files.readAllBytes(kernel);
        } catch (NoSuchFileException e) {
            throw bad(file + ": kernel " + kernel + " does not exist");
        } catch (IOException e) {
            throw bad(file + ": cannot read kernel " + kernel + ": " + e.getMessage());
        }
    }

    private static long number(Path file, int line, String value, ArgRange range) throws ControlException {
        try {
            return range.check(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw bad(file + ":" + (line + 1) + ": '" + value + "' is not a number");
        } catch (IllegalArgumentException e) {
            throw bad(file + ":" + (line + 1) + ": " + e.getMessage());
        }
    }

    private static ControlException bad(String message) {
        return new ControlException("BAD_CONFIG", message, 1);
    }
}
