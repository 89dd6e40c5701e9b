/*
 * sbi.h - the RISC-V SBI (v2.0) calls Hotvisor's sample guests use, plus
 * Hotvisor's vendor extension (event channels, domain info).
 *
 * Calling convention (every SBI call): a7 = extension id (EID),
 * a6 = function id (FID), arguments in a0..a5; on return a0 = error
 * (SBI_SUCCESS or a negative SBI_ERR_*), a1 = value.
 */
#ifndef HV_GUEST_SBI_H
#define HV_GUEST_SBI_H

/* ---- error codes (SBI v2.0, section 3.2) ---- */
#define SBI_SUCCESS                 0
#define SBI_ERR_FAILED             -1
#define SBI_ERR_NOT_SUPPORTED      -2
#define SBI_ERR_INVALID_PARAM      -3
#define SBI_ERR_DENIED             -4
#define SBI_ERR_INVALID_ADDRESS    -5
#define SBI_ERR_ALREADY_AVAILABLE  -6
#define SBI_ERR_ALREADY_STARTED    -7
#define SBI_ERR_ALREADY_STOPPED    -8
#define SBI_ERR_NO_SHMEM           -9
#define SBI_ERR_INVALID_STATE     -10
#define SBI_ERR_BAD_RANGE         -11
#define SBI_ERR_TIMEOUT           -12
#define SBI_ERR_IO                -13

/* ---- legacy extensions (SBI v0.1; EID = function, no FID) ---- */
#define SBI_EXT_LEGACY_SET_TIMER        0x00
#define SBI_EXT_LEGACY_CONSOLE_PUTCHAR  0x01
#define SBI_EXT_LEGACY_CONSOLE_GETCHAR  0x02

/* ---- BASE ---- */
#define SBI_EXT_BASE                    0x10
#define SBI_BASE_GET_SPEC_VERSION       0
#define SBI_BASE_GET_IMPL_ID            1
#define SBI_BASE_GET_IMPL_VERSION       2
#define SBI_BASE_PROBE_EXTENSION        3
#define SBI_BASE_GET_MVENDORID          4
#define SBI_BASE_GET_MARCHID            5
#define SBI_BASE_GET_MIMPID             6

/* ---- TIME ---- */
#define SBI_EXT_TIME                    0x54494D45  /* "TIME" */
#define SBI_TIME_SET_TIMER              0

/* ---- IPI ---- */
#define SBI_EXT_IPI                     0x735049    /* "sPI" */
#define SBI_IPI_SEND_IPI                0

/* ---- HSM ---- */
#define SBI_EXT_HSM                     0x48534D    /* "HSM" */
#define SBI_HSM_HART_START              0
#define SBI_HSM_HART_STOP               1
#define SBI_HSM_HART_GET_STATUS         2
#define SBI_HSM_HART_SUSPEND            3

/* ---- SRST (system reset) ---- */
#define SBI_EXT_SRST                    0x53525354  /* "SRST" */
#define SBI_SRST_SYSTEM_RESET           0
#define SBI_SRST_TYPE_SHUTDOWN          0
#define SBI_SRST_TYPE_COLD_REBOOT       1
#define SBI_SRST_TYPE_WARM_REBOOT       2
#define SBI_SRST_REASON_NONE            0
#define SBI_SRST_REASON_SYSTEM_FAILURE  1

/* ---- DBCN (debug console) ---- */
#define SBI_EXT_DBCN                    0x4442434E  /* "DBCN" */
#define SBI_DBCN_CONSOLE_WRITE          0
#define SBI_DBCN_CONSOLE_READ           1
#define SBI_DBCN_CONSOLE_WRITE_BYTE     2

/* ---- Hotvisor vendor extension (vendor range 0x09000000-0x09FFFFFF) ---- */
#define SBI_EXT_HOTVISOR                0x09485600
#define HV_DOMAIN_INFO                  0  /* () -> caller's domain id */
#define HV_DOMAIN_LOOKUP                1  /* (name_addr, name_len) -> domain id */
#define HV_EVTCHN_ALLOC_UNBOUND         2  /* (remote_domid) -> new local port */
#define HV_EVTCHN_BIND_INTERDOMAIN      3  /* (remote_domid, remote_port) -> new local port */
#define HV_EVTCHN_SEND                  4  /* (local_port) */
#define HV_EVTCHN_POLL                  5  /* (local_port): blocks until pending, clears it */
#define HV_EVTCHN_CLOSE                 6  /* (local_port) */

struct sbiret {
    long error;
    long value;
};

static inline struct sbiret sbi_ecall(unsigned long eid, unsigned long fid,
                                      unsigned long arg0, unsigned long arg1,
                                      unsigned long arg2, unsigned long arg3,
                                      unsigned long arg4, unsigned long arg5)
{
    register unsigned long a0 __asm__("a0") = arg0;
    register unsigned long a1 __asm__("a1") = arg1;
    register unsigned long a2 __asm__("a2") = arg2;
    register unsigned long a3 __asm__("a3") = arg3;
    register unsigned long a4 __asm__("a4") = arg4;
    register unsigned long a5 __asm__("a5") = arg5;
    register unsigned long a6 __asm__("a6") = fid;
    register unsigned long a7 __asm__("a7") = eid;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1)
                     : "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a6), "r"(a7)
                     : "memory");
    struct sbiret ret = { (long)a0, (long)a1 };
    return ret;
}

/* Legacy v0.1 calls: EID in a7, no FID; the result comes back in a0 only. */
static inline long sbi_legacy_ecall(unsigned long eid, unsigned long arg0)
{
    register unsigned long a0 __asm__("a0") = arg0;
    register unsigned long a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory", "a1");
    return (long)a0;
}

static inline void sbi_console_putchar(int ch)
{
    sbi_legacy_ecall(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, (unsigned char)ch);
}

static inline struct sbiret sbi_set_timer(unsigned long stime_value)
{
    return sbi_ecall(SBI_EXT_TIME, SBI_TIME_SET_TIMER, stime_value, 0, 0, 0, 0, 0);
}

static inline struct sbiret sbi_system_reset(unsigned long type, unsigned long reason)
{
    return sbi_ecall(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, type, reason, 0, 0, 0, 0);
}

static inline struct sbiret sbi_probe_extension(unsigned long eid)
{
    return sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0, 0, 0, 0);
}

/* ---- Hotvisor vendor calls ---- */
static inline struct sbiret hv_domain_info(void)
{
    return sbi_ecall(SBI_EXT_HOTVISOR, HV_DOMAIN_INFO, 0, 0, 0, 0, 0, 0);
}

static inline struct sbiret hv_domain_lookup(const char *name, unsigned long len)
{
    return sbi_ecall(SBI_EXT_HOTVISOR, HV_DOMAIN_LOOKUP, (unsigned long)name, len, 0, 0, 0, 0);
}

static inline struct sbiret hv_evtchn_alloc_unbound(unsigned long remote_domid)
{
    return sbi_ecall(SBI_EXT_HOTVISOR, HV_EVTCHN_ALLOC_UNBOUND, remote_domid, 0, 0, 0, 0, 0);
}

static inline struct sbiret hv_evtchn_bind_interdomain(unsigned long remote_domid,
                                                       unsigned long remote_port)
{
    return sbi_ecall(SBI_EXT_HOTVISOR, HV_EVTCHN_BIND_INTERDOMAIN, remote_domid, remote_port,
                     0, 0, 0, 0);
}

static inline struct sbiret hv_evtchn_send(unsigned long local_port)
{
    return sbi_ecall(SBI_EXT_HOTVISOR, HV_EVTCHN_SEND, local_port, 0, 0, 0, 0, 0);
}

static inline struct sbiret hv_evtchn_poll(unsigned long local_port)
{
    return sbi_ecall(SBI_EXT_HOTVISOR, HV_EVTCHN_POLL, local_port, 0, 0, 0, 0, 0);
}

static inline struct sbiret hv_evtchn_close(unsigned long local_port)
{
    return sbi_ecall(SBI_EXT_HOTVISOR, HV_EVTCHN_CLOSE, local_port, 0, 0, 0, 0, 0);
}

#endif /* HV_GUEST_SBI_H */
