package io.hotvisor.microcode.load;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.CpuSignature;
import io.hotvisor.microcode.Vendor;
import java.util.Locale;

/**
 * The host configuration's CPU identity: {@code cpu-vendor}, {@code cpu-signature},
 * {@code cpu-platform-id} and {@code cpu-microcode-revision} (etc/host.cfg).
 *
 * <p>The default is a real CPU for which Debian's intel-microcode (3.20251111.1~deb12u1) has a newer
 * update: an Intel Tiger Lake-U (06-8c-01, platform id 7, i.e. pf_mask 0x80) running revision 0xb8,
 * which the package's {@code intel-ucode/06-8c-01} (revision 0xbc, 2024-12-01) updates, the step
 * Intel's release note microcode-20250512 lists for TGL ("06-8c-01/80 000000b8 000000bc"); that
 * update's minimum revision for a late load is 0xa4, below 0xb8.
 */
public final class CpuConfig {

    private CpuConfig() {
    }

    public static final String DEFAULT_VENDOR = "intel";
    public static final String DEFAULT_SIGNATURE = "0x806c1";
    public static final String DEFAULT_PLATFORM_ID = "7";
    public static final String DEFAULT_REVISION = "0xb8";

    /** The default CPU. */
    public static CpuIdentity defaults() {
        return parse(DEFAULT_VENDOR, DEFAULT_SIGNATURE, DEFAULT_PLATFORM_ID, DEFAULT_REVISION);
    }

    /**
     * Parses the four values; null means the default. The platform id is ignored for AMD.
     *
     * @throws IllegalArgumentException naming the key and the value it refused
     */
    public static CpuIdentity parse(String vendor, String signature, String platformId, String revision) {
        String v = (vendor == null ? DEFAULT_VENDOR : vendor).strip().toLowerCase(Locale.ROOT);
        Vendor vend = switch (v) {
            case "intel" -> Vendor.INTEL;
            case "amd" -> Vendor.AMD;
            default -> throw new IllegalArgumentException("cpu-vendor must be intel or amd, got '" + vendor + "'");
        };
        int sig = number("cpu-signature", signature == null ? DEFAULT_SIGNATURE : signature);
        int rev = number("cpu-microcode-revision", revision == null ? DEFAULT_REVISION : revision);
        // AMD CPUs have no IA32_PLATFORM_ID: the key is ignored for them.
        int pid = vend == Vendor.AMD ? 0
                : number("cpu-platform-id", platformId == null ? DEFAULT_PLATFORM_ID : platformId);
        if (pid < 0 || pid > 7) {
            throw new IllegalArgumentException("cpu-platform-id must be 0 to 7 (bits 52:50 of IA32_PLATFORM_ID), got " + pid);
        }
        return new CpuIdentity(vend, new CpuSignature(sig), pid, rev);
    }

    private static int number(String key, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            long n = t.startsWith("0x") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            if (n < 0 || n > 0xffffffffL) {
                throw new NumberFormatException();
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a 32-bit number (decimal or 0x hex), got '" + text + "'");
        }
    }

    /**
     * A yes/no host setting, such as {@code microcode-force-minrev}: {@code true} or {@code false};
     * absent means false.
     */
    public static boolean parseBoolean(String key, String text) {
        if (text == null || text.isBlank()) {
            return false;
        }
        return switch (text.strip()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, got '" + text.strip() + "'");
        };
    }
}
