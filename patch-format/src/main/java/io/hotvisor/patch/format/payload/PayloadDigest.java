package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.CanonicalHash;
import io.hotvisor.patch.format.Sha256;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The canonical digest a payload's signature covers (README, "Canonical digest"):
 * <pre>
 * SHA-256( tag "hotvisor-payload-digest-v1", u32 entry count,
 *          for every entry except patch.sig, in unsigned UTF-8 byte order of names:
 *              str name, bytes inflated content )
 * </pre>
 * The 32 digest bytes are the Ed25519 message. Because it covers names and inflated contents, not
 * ZIP headers, a payload re-zipped by another tool (deflated, reordered) keeps its signature.
 */
final class PayloadDigest {
    static final String TAG = "hotvisor-payload-digest-v1";

    private PayloadDigest() {
    }

    /** The digest of {@code entries} (name to content); {@code patch.sig} is skipped if present. */
    static Sha256 compute(Map<String, byte[]> entries) {
        List<String> names = new ArrayList<>(entries.keySet());
        names.remove(PayloadLayout.SIGNATURE);
        names.sort(PayloadLayout.NAME_ORDER);
        CanonicalHash hash = new CanonicalHash(TAG).u32(names.size());
        for (String name : names) {
            hash.str(name).bytes(entries.get(name));
        }
        return hash.finish();
    }
}
