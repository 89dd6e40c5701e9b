package io.hotvisor.microcode.policy;

import io.hotvisor.microcode.CpuSignature;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Linux's SHA-256 check of AMD microcode (arch/x86/kernel/cpu/microcode/amd.c since Linux 6.14):
 * on a CPU whose patch signature scheme is known to be forgeable ("EntrySign": families 0x17 and
 * 0x19, and three model ranges of 0x1a), while the running revision is at or below the first fixed
 * revision of its model and stepping, a patch loads only when its bytes hash to the digest Linux
 * carries for its patch id. The digests are public data, in the resource {@code amd-sha256.txt}
 * with its source noted; the fixed revisions are Linux's {@code need_sha_check} table. Immutable.
 */
public final class AmdPatchDigests {

    /** The resource the digests are read from. */
    public static final String RESOURCE = "/io/hotvisor/microcode/amd/amd-sha256.txt";

    /**
     * Linux's {@code need_sha_check}: for a running revision whose upper 24 bits are the key, the
     * check applies up to and including the value (the last revision before AMD's fix).
     */
    private static final Map<Integer, Integer> LAST_UNFIXED = Map.ofEntries(
            Map.entry(0x80012, 0x8001277), Map.entry(0x80082, 0x800820f), Map.entry(0x83010, 0x830107c),
            Map.entry(0x86001, 0x860010e), Map.entry(0x86081, 0x8608108), Map.entry(0x87010, 0x8701034),
            Map.entry(0x8a000, 0x8a0000a), Map.entry(0xa0010, 0xa00107a), Map.entry(0xa0011, 0xa0011da),
            Map.entry(0xa0012, 0xa001243), Map.entry(0xa0082, 0xa00820e), Map.entry(0xa1011, 0xa101153),
            Map.entry(0xa1012, 0xa10124e), Map.entry(0xa1081, 0xa108109), Map.entry(0xa2010, 0xa20102f),
            Map.entry(0xa2012, 0xa201212), Map.entry(0xa4041, 0xa404109), Map.entry(0xa5000, 0xa500013),
            Map.entry(0xa6012, 0xa60120a), Map.entry(0xa7041, 0xa704109), Map.entry(0xa7052, 0xa705208),
            Map.entry(0xa7080, 0xa708009), Map.entry(0xa70c0, 0xa70c009), Map.entry(0xaa001, 0xaa00116),
            Map.entry(0xaa002, 0xaa00218), Map.entry(0xb0021, 0xb002146), Map.entry(0xb0081, 0xb008111),
            Map.entry(0xb1010, 0xb101046), Map.entry(0xb2040, 0xb204031), Map.entry(0xb4040, 0xb404031),
            Map.entry(0xb4041, 0xb404101), Map.entry(0xb6000, 0xb600031), Map.entry(0xb6080, 0xb608031),
            Map.entry(0xb7000, 0xb700031));

    private static final AmdPatchDigests LINUX = load();

    private final Map<Integer, byte[]> digests;

    private AmdPatchDigests(Map<Integer, byte[]> digests) {
        this.digests = Map.copyOf(digests);
    }

    /** Linux's table, read once from {@link #RESOURCE}. */
    public static AmdPatchDigests linux() {
        return LINUX;
    }

    /** How many patch ids have a digest. */
    public int size() {
        return digests.size();
    }

    /** The digest Linux knows for {@code patchId}, if any. */
    public Optional<byte[]> digestOf(int patchId) {
        byte[] d = digests.get(patchId);
        return d == null ? Optional.empty() : Optional.of(d.clone());
    }

    /** Linux's {@code cpu_has_entrysign}: the CPUs whose patch signatures can be forged. */
    public static boolean hasEntrySign(CpuSignature cpu) {
        int family = cpu.family();
        int model = cpu.model();
        return family == 0x17 || family == 0x19
                || family == 0x1a && (model <= 0x2f || model >= 0x40 && model <= 0x4f || model >= 0x60 && model <= 0x6f);
    }

    /**
     * Linux's {@code need_sha_check}: whether a CPU running {@code revision} still needs the check.
     * An unknown model is checked (Linux does the same, and asks to be told). A revision of 0 (none
     * loaded) stands for the lowest revision of the CPU's own model and stepping.
     */
    public static boolean needsCheck(CpuSignature cpu, int revision) {
        int rev = revision != 0 ? revision
                : (cpu.eax() >>> 20 & 0xff) << 24 | (cpu.eax() >>> 16 & 0xf) << 20 | (cpu.eax() >>> 4 & 0xf) << 12
                        | (cpu.eax() & 0xf) << 8;
        Integer last = LAST_UNFIXED.get(rev >>> 8);
        return last == null || Integer.compareUnsigned(rev, last) <= 0;
    }

    /** The SHA-256 of {@code bytes}. */
    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** Lower-case hex, as the resource and the journal write digests. */
    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    private static AmdPatchDigests load() {
        Map<Integer, byte[]> out = new HashMap<>();
        try (InputStream in = AmdPatchDigests.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the AMD digest table " + RESOURCE + " is missing from the build");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\\s+");
                if (f.length != 2 || !f[0].startsWith("0x") || f[1].length() != 64) {
                    throw new IllegalStateException(RESOURCE + ":" + n + ": not 'patch_id sha256': " + line);
                }
                out.put(Integer.parseUnsignedInt(f[0].substring(2), 16), HexFormat.of().parseHex(f[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return new AmdPatchDigests(out);
    }
}
