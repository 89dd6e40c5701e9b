package io.hotvisor.microcode;

/**
 * A processor signature: the value of CPUID leaf 1, EAX, which both vendors' microcode names.
 *
 * <p>Layout (Intel SDM vol. 2A, CPUID, figure "Version Information Returned by CPUID in EAX"; AMD
 * APM vol. 3, CPUID Fn0000_0001_EAX): stepping bits 3:0, model 7:4, family 11:8, processor type
 * 13:12, extended model 19:16, extended family 27:20. The family shown to people adds the extended
 * family when the base family is 0xF; the model adds the extended model (shifted left 4) when the
 * base family is 6 or 0xF. Immutable.
 *
 * @param eax the raw CPUID(1).EAX value
 */
public record CpuSignature(int eax) {

    /**
     * Encodes a display family, model and stepping the way the CPU reports them.
     *
     * @throws IllegalArgumentException when the triple cannot be encoded (family below 1 or above
     *     0xF + 0xFF, model above 0xFF, or above 0xF for a family without extended model, stepping
     *     above 0xF)
     */
    public static CpuSignature of(int family, int model, int stepping) {
        if (family < 1 || family > 0xf + 0xff) {
            throw new IllegalArgumentException("family 0x" + Integer.toHexString(family) + " out of range 0x1..0x10e");
        }
        if (stepping < 0 || stepping > 0xf) {
            throw new IllegalArgumentException("stepping 0x" + Integer.toHexString(stepping) + " out of range 0x0..0xf");
        }
        int baseFamily = Math.min(family, 0xf);
        int extendedFamily = family - baseFamily;
        boolean extendedModel = baseFamily == 6 || baseFamily == 0xf;
        if (model < 0 || model > (extendedModel ? 0xff : 0xf)) {
            throw new IllegalArgumentException("model 0x" + Integer.toHexString(model) + " out of range for family 0x"
                    + Integer.toHexString(family));
        }
        return new CpuSignature(extendedFamily << 20 | (model >>> 4) << 16 | baseFamily << 8 | (model & 0xf) << 4
                | stepping);
    }

    /** The display family: base family, plus the extended family when the base is 0xF. */
    public int family() {
        int base = (eax >>> 8) & 0xf;
        return base == 0xf ? base + ((eax >>> 20) & 0xff) : base;
    }

    /** The display model: base model, plus the extended model when the base family is 6 or 0xF. */
    public int model() {
        int base = (eax >>> 8) & 0xf;
        int model = (eax >>> 4) & 0xf;
        return base == 6 || base == 0xf ? ((eax >>> 16) & 0xf) << 4 | model : model;
    }

    /** The stepping, bits 3:0. */
    public int stepping() {
        return eax & 0xf;
    }

    /** As iucode_tool prints signatures: {@code 0x%08x}. */
    @Override
    public String toString() {
        return String.format("0x%08x", eax);
    }
}
