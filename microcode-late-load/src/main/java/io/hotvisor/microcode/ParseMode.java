package io.hotvisor.microcode;

/** How strictly an Intel update is checked; AMD containers are always checked as Linux does. */
public enum ParseMode {
    /**
     * Linux's sanity rules ({@code intel_microcode_sanity_check}) and nothing more: what a kernel
     * would load is accepted.
     */
    LINUX,
    /**
     * Linux's rules plus iucode_tool's stricter ones: data and total sizes multiples of 4, total
     * size a multiple of 1024, a valid BCD date and a non-zero revision.
     */
    STRICT
}
