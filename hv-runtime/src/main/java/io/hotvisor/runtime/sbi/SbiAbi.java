package io.hotvisor.runtime.sbi;

/**
 * The guest ABI: SBI extension and function ids and error codes (RISC-V SBI specification v2.0),
 * and Hotvisor's vendor extension. The C side of the same numbers is {@code guests/include/sbi.h}.
 */
public final class SbiAbi {
    private SbiAbi() {}

    public static final long EXT_LEGACY_SET_TIMER = 0x00, EXT_LEGACY_PUTCHAR = 0x01, EXT_LEGACY_GETCHAR = 0x02,
            EXT_LEGACY_SHUTDOWN = 0x08;
    public static final long EXT_BASE = 0x10;
    public static final long EXT_TIME = 0x54494D45L;
    public static final long EXT_IPI = 0x735049L;
    public static final long EXT_HSM = 0x48534DL;
    public static final long EXT_SRST = 0x53525354L;
    public static final long EXT_DBCN = 0x4442434EL;
    /** Hotvisor's vendor extension, in the SBI vendor-specific range 0x09000000-0x09FFFFFF. */
    public static final long EXT_HOTVISOR = 0x09485600L;

    /** SBI v2.0: major 2 in bits 24-30, minor 0. */
    public static final long SPEC_VERSION = 2L << 24;
    /** Implementation id reported by BASE get_impl_id (not a registered id; chosen to read "HV"). */
    public static final long IMPL_ID = 0x4856;
    public static final long IMPL_VERSION = 0x0001_0000;

    public static final long SUCCESS = 0, ERR_FAILED = -1, ERR_NOT_SUPPORTED = -2, ERR_INVALID_PARAM = -3,
            ERR_DENIED = -4, ERR_INVALID_ADDRESS = -5, ERR_ALREADY_AVAILABLE = -6, ERR_ALREADY_STARTED = -7,
            ERR_ALREADY_STOPPED = -8, ERR_NO_SHMEM = -9, ERR_INVALID_STATE = -10, ERR_BAD_RANGE = -11,
            ERR_TIMEOUT = -12, ERR_IO = -13;

    /** HSM hart states (get_status). */
    public static final long HSM_STARTED = 0, HSM_STOPPED = 1;

    /** Vendor extension functions. */
    public static final int HV_DOMAIN_INFO = 0, HV_DOMAIN_LOOKUP = 1, HV_EVTCHN_ALLOC_UNBOUND = 2,
            HV_EVTCHN_BIND_INTERDOMAIN = 3, HV_EVTCHN_SEND = 4, HV_EVTCHN_POLL = 5, HV_EVTCHN_CLOSE = 6;

    /**
     * {@code (domid, gpa) -> the 64-bit word at gpa}: a debugging aid for a domain to read its own RAM
     * through the hypervisor; another domain's id gets {@code SBI_ERR_DENIED}. The live-patch
     * samples reopen that check with a bad update and close it again (see {@code patch-samples/xsa-hv-1}).
     */
    public static final int HV_DEBUG_PEEK = 7;

    /** Longest string or buffer a single console call moves. */
    public static final int MAX_CONSOLE_WRITE = 4096;
}
