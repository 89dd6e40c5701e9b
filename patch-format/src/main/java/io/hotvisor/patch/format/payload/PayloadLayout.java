package io.hotvisor.patch.format.payload;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/** Names and orders of the container (README, "Container layout"). */
final class PayloadLayout {
    /** The manifest entry. */
    static final String MANIFEST = "patch.json";
    /** The detached signature entry. */
    static final String SIGNATURE = "patch.sig";

    /** Entry names in unsigned UTF-8 byte order: the order of the writer and of the digest. */
    static final Comparator<String> NAME_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private PayloadLayout() {
    }
}
