package io.hotvisor.hvctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.control.ControlProtocol;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A guest config file, as {@code xl create} reads them: {@code name}, {@code kernel} (an ELF path,
 * relative to the config file), {@code memory} (MiB), {@code vcpus}, {@code weight}, {@code cap}.
 */
final class GuestConfig {
    private static final Set<String> KEYS = Set.of("name", "kernel", "memory", "vcpus", "weight", "cap");

    private GuestConfig() {}

    /** Reads the config and its kernel into a {@code create} request's arguments. */
    static ObjectNode read(Path file) throws HvctlException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw new HvctlException("guest config " + file + " does not exist", 1);
        } catch (IOException e) {
            throw new HvctlException("cannot read guest config " + file + ": " + e.getMessage(), 1);
        }
        ObjectNode args = ControlProtocol.JSON.createObjectNode();
        String kernel = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            int eq = line.indexOf('=');
            if (eq <= 0) throw new HvctlException(file + ":" + (i + 1) + ": expected 'key = value'", 1);
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) value = value.substring(1, value.length() - 1);
            if (!KEYS.contains(key)) throw new HvctlException(file + ":" + (i + 1) + ": unknown key '" + key + "'; known: cap, kernel, memory, name, vcpus, weight", 1);
            switch (key) {
                case "name" -> args.put("name", value);
                case "kernel" -> kernel = value;
                case "memory" -> args.put("memory", number(file, i, value) << 20);
                default -> args.put(key, number(file, i, value));
            }
        }
        if (!args.has("name")) throw new HvctlException(file + ": missing 'name'", 1);
        if (kernel == null) throw new HvctlException(file + ": missing 'kernel'", 1);
        Path elf = file.toAbsolutePath().getParent().resolve(kernel).normalize();
        try {
            args.put("image", Base64.getEncoder().encodeToString(Files.readAllBytes(elf)));
        } catch (NoSuchFileException e) {
            throw new HvctlException(file + ": kernel " + elf + " does not exist", 1);
        } catch (IOException e) {
            throw new HvctlException(file + ": cannot read kernel " + elf + ": " + e.getMessage(), 1);
        }
        return args;
    }

    private static long number(Path file, int line, String value) throws HvctlException {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new HvctlException(file + ":" + (line + 1) + ": '" + value + "' is not a number", 1);
        }
    }
}
