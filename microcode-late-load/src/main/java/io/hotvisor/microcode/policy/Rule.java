package io.hotvisor.microcode.policy;

/**
 * The rules a late load is checked against, in the order they are applied. {@link #id()} is the
 * stable name every decision and refusal carries; the module README's rule table describes each.
 */
public enum Rule {
    /** A directory is read as Linux's late loader reads its firmware folder: only this CPU's file name. */
    LINUX_NAMING("linux-naming"),
    /** Every header field is checked (Linux's sanity checks, plus a valid Intel date). */
    FORMAT("format"),
    /** An update must be for this host's CPUs (signature and platform, or AMD's patch id / equivalence id). */
    MATCH("match"),
    /** The update must be newer than the running revision; {@code --force} (Xen's) allows same or older. */
    NEWER("newer"),
    /** Intel erratum BDF90: no late load on Broadwell-EP/EX 06-4f-01 below revision 0x0b000021. */
    BLACKLIST_BDF90("blacklist-bdf90"),
    /** Intel's min_req_ver: a late load is safe only from that revision up, and only when it is declared. */
    MIN_REVISION("min-rev"),
    /** AMD Zen: the patch's SHA-256 must be the one Linux's digest table knows for its patch id. */
    AMD_SHA256("amd-sha256"),
    /** The rendezvous must leave time to load within its timeout, or nothing is written. */
    RENDEZVOUS_TIMEOUT("rendezvous-timeout"),
    /** A pause longer than the timeout is reported (the load itself stands). */
    PAUSE("pause");

    private final String id;

    Rule(String id) {
        this.id = id;
    }

    /** The rule's stable name, e.g. {@code min-rev}. */
    public String id() {
        return id;
    }
}
