package io.hotvisor.microcode.load;

/**
 * The model-specific registers microcode loading uses, by their architectural numbers (Intel SDM
 * vol. 4, "Model-Specific Registers"; AMD APM vol. 2 and BKDGs for the patch loader).
 */
public final class Msr {

    private Msr() {
    }

    /** IA32_PLATFORM_ID (Intel): bits 52:50 hold the platform id. Read only. */
    public static final int IA32_PLATFORM_ID = 0x17;

    /** IA32_BIOS_UPDT_TRIG (Intel): writing the linear address of an update loads it. */
    public static final int IA32_BIOS_UPDT_TRIG = 0x79;

    /**
     * IA32_BIOS_SIGN_ID (Intel): bits 63:32 hold the running update revision after software writes
     * 0 to it and executes CPUID(1). On AMD the same number is PATCH_LEVEL, whose bits 31:0 hold the
     * running patch id.
     */
    public static final int IA32_BIOS_SIGN_ID = 0x8B;

    /** AMD's name for MSR 0x8B. */
    public static final int AMD_PATCH_LEVEL = 0x8B;

    /** AMD PATCH_LOADER: writing the address of a patch loads it. */
    public static final int AMD_PATCH_LOADER = 0xC0010020;

    /** The register's name as the manuals spell it, e.g. {@code IA32_BIOS_SIGN_ID (0x8b)}. */
    public static String name(int msr) {
        String n = switch (msr) {
            case IA32_PLATFORM_ID -> "IA32_PLATFORM_ID";
            case IA32_BIOS_UPDT_TRIG -> "IA32_BIOS_UPDT_TRIG";
            case IA32_BIOS_SIGN_ID -> "IA32_BIOS_SIGN_ID";
            case AMD_PATCH_LOADER -> "PATCH_LOADER";
            default -> "MSR";
        };
        return n + " (0x" + Integer.toHexString(msr) + ")";
    }
}
