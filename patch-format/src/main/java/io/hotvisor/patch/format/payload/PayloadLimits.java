package io.hotvisor.patch.format.payload;

/**
 * Size caps a reader enforces (README, "Size caps"), checked against the declared sizes before
 * anything is inflated and against the real sizes while inflating, so a zip bomb costs at most
 * the cap in memory and time. The writer refuses to produce a payload over {@link #DEFAULT}.
 *
 * <p>A bundle jar is read with the same caps: its entry count and each of its entries are capped
 * like the payload's, and its inflated entries count toward {@code maxTotalBytes} together with the
 * payload's own.
 *
 * @param maxPayloadBytes  the payload file itself
 * @param maxEntries       number of ZIP entries, of the payload and of each bundle jar
 * @param maxEntryBytes    inflated size of one class entry or bundle jar, and of one entry inside a jar
 * @param maxManifestBytes inflated size of {@code patch.json}
 * @param maxTotalBytes    inflated size of all entries together, those inside bundle jars included
 */
public record PayloadLimits(long maxPayloadBytes, int maxEntries, long maxEntryBytes, long maxManifestBytes,
                            long maxTotalBytes) {
    private static final long MIB = 1024 * 1024;

    /** 64 MiB file, 4096 entries, 8 MiB per class, 1 MiB manifest, 128 MiB in all. */
    public static final PayloadLimits DEFAULT = new PayloadLimits(64 * MIB, 4096, 8 * MIB, MIB, 128 * MIB);

    /** @throws IllegalArgumentException if a cap is not positive or exceeds what a byte array can hold */
    public PayloadLimits {
        for (long cap : new long[] {maxPayloadBytes, maxEntries, maxEntryBytes, maxManifestBytes, maxTotalBytes}) {
            if (cap <= 0) {
                throw new IllegalArgumentException("size caps must be positive");
            }
        }
        if (maxPayloadBytes > Integer.MAX_VALUE - 8 || maxEntryBytes > Integer.MAX_VALUE - 8
                || maxManifestBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a cap exceeds the largest byte array");
        }
    }
}
