package io.hotvisor.runtime.domain;

import java.util.Objects;

/**
 * What a domain is created from.
 *
 * @param name      unique among live domains: 1-64 characters of {@code [A-Za-z0-9._-]}
 * @param image     the guest's ELF file bytes
 * @param vcpus     number of vCPUs, 1-64; vCPU 0 starts at the ELF entry, the others wait for SBI HSM hart_start
 * @param memory    RAM size in bytes (multiple of 4 KiB)
 * @param weight    credit2 weight, 1-65535 (default 256)
 * @param cap       credit2 cap in percent of one pCPU, 0 = uncapped
 */
public record DomainConfig(String name, byte[] image, int vcpus, long memory, int weight, int cap) {
    public static final long DEFAULT_MEMORY = 16L << 20;
    public static final int DEFAULT_WEIGHT = 256;
    /** The longest domain name. */
    public static final int MAX_NAME = 64;

    public DomainConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        if (!isName(name)) {
            throw new IllegalArgumentException("domain name '" + name + "' must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        if (vcpus < 1 || vcpus > 64) throw new IllegalArgumentException("vcpus must be between 1 and 64, got " + vcpus);
        if (weight < 1 || weight > 65535) throw new IllegalArgumentException("weight must be between 1 and 65535, got " + weight);
        if (cap < 0) throw new IllegalArgumentException("cap must be 0 (none) or a positive percentage, got " + cap);
    }

    /** Whether {@code c} may be part of a domain name: {@code A-Z a-z 0-9 . _ -}. */
    public static boolean isNameChar(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-';
    }

    // A loop rather than a regular expression: every domain is named at boot, and the first regular
    // expression of a process costs several milliseconds of `hv run`'s start-up.
    private static boolean isName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME) return false;
        for (int i = 0; i < name.length(); i++) {
            if (!isNameChar(name.charAt(i))) return false;
        }
        return true;
    }

    /** A config with one vCPU, default memory, weight and no cap. */
    public static DomainConfig of(String name, byte[] image) {
        return new DomainConfig(name, image, 1, DEFAULT_MEMORY, DEFAULT_WEIGHT, 0);
    }

    public DomainConfig withVcpus(int n) { return new DomainConfig(name, image, n, memory, weight, cap); }
    public DomainConfig withMemory(long bytes) { return new DomainConfig(name, image, vcpus, bytes, weight, cap); }
    public DomainConfig withWeight(int w) { return new DomainConfig(name, image, vcpus, memory, w, cap); }
    public DomainConfig withCap(int c) { return new DomainConfig(name, image, vcpus, memory, weight, c); }
}
