package io.hotvisor.runtime.sbi;

import io.hotvisor.runtime.arch.riscv.Csr;
import io.hotvisor.runtime.arch.riscv.Hart;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.domain.Vcpu;
import io.hotvisor.runtime.evtchn.EventChannelTable;
import io.hotvisor.runtime.memory.GuestMemoryFault;

import java.nio.charset.StandardCharsets;

import static io.hotvisor.runtime.sbi.SbiAbi.*;

/**
 * The hypercall interface: every {@code ecall} a guest makes from S-mode lands here with the
 * extension id in a7 and the function id in a6 (SBI v2.0, "Binary Encoding"). Results go to a0
 * (error) and a1 (value); legacy extensions return in a0 only.
 *
 * <p>Guest-supplied addresses and ids are checked before use: a bad pointer or unknown id is an
 * SBI error code back to the guest, never a crash of the guest or the host. Unknown extensions and
 * functions return {@link SbiAbi#ERR_NOT_SUPPORTED}.
 *
 * <p>Stateless apart from the directory; one instance serves every vCPU of the host.
 */
public final class SbiDispatcher {
    private final DomainDirectory domains;

    public SbiDispatcher(DomainDirectory domains) {
        this.domains = domains;
    }

    /** The handler to give {@code vcpu}'s hart. */
    public Hart.EcallHandler handlerFor(Vcpu vcpu) {
        return hart -> call(vcpu);
    }

    /** Executes the call in the vCPU's registers. @return a {@link Hart} exit code */
    public int call(Vcpu vcpu) {
        Hart h = vcpu.hart();
        long eid = h.reg(17), fid = h.reg(16);
        try {
            if (eid == EXT_LEGACY_PUTCHAR) {
                vcpu.domain().console().write((int) h.reg(10));
                h.setReg(10, 0);
                return Hart.EXIT_BUDGET;
            }
            if (eid == EXT_LEGACY_GETCHAR) {
                h.setReg(10, -1);
                return Hart.EXIT_BUDGET;
            }
            if (eid == EXT_LEGACY_SET_TIMER) {
                h.setTimer(h.reg(10));
                h.setReg(10, 0);
                return Hart.EXIT_BUDGET;
            }
            if (eid == EXT_LEGACY_SHUTDOWN) {
                vcpu.domain().shutdown(DomainExit.REASON_NONE);
                return Hart.EXIT_ECALL;
            }
            if (eid == EXT_BASE) return ok(h, base(fid, h.reg(10)));
            if (eid == EXT_DBCN) return dbcn(vcpu, fid);
            if (eid == EXT_TIME) {
                if (fid != 0) return error(h, ERR_NOT_SUPPORTED);
                h.setTimer(h.reg(10));
                return ok(h, 0);
            }
            if (eid == EXT_SRST) return srst(vcpu, fid);
            if (eid == EXT_HSM) return hsm(vcpu, fid);
            if (eid == EXT_IPI) return ipi(vcpu, fid);
            if (eid == EXT_HOTVISOR) return hotvisor(vcpu, fid);
            return legacyOrUnknown(h, eid);
        } catch (GuestMemoryFault f) {
            return error(h, ERR_INVALID_ADDRESS);
        }
    }

    private static int legacyOrUnknown(Hart h, long eid) {
        if (eid >= 0 && eid <= 0x0f) {
            h.setReg(10, ERR_NOT_SUPPORTED);
            return Hart.EXIT_BUDGET;
        }
        return error(h, ERR_NOT_SUPPORTED);
    }

    private static long base(long fid, long arg) {
        return switch ((int) fid) {
            case 0 -> SPEC_VERSION;
            case 1 -> IMPL_ID;
            case 2 -> IMPL_VERSION;
            case 3 -> probe(arg) ? 1 : 0;
            case 4, 5, 6 -> 0; // mvendorid, marchid, mimpid: not a real machine's
            default -> Long.MIN_VALUE;
        };
    }

    private static boolean probe(long eid) {
        return eid == EXT_BASE || eid == EXT_TIME || eid == EXT_IPI || eid == EXT_HSM || eid == EXT_SRST
                || eid == EXT_DBCN || eid == EXT_HOTVISOR || eid == EXT_LEGACY_PUTCHAR || eid == EXT_LEGACY_GETCHAR
                || eid == EXT_LEGACY_SET_TIMER || eid == EXT_LEGACY_SHUTDOWN;
    }

    private int dbcn(Vcpu vcpu, long fid) {
        Hart h = vcpu.hart();
        switch ((int) fid) {
            case 0: {
                long n = h.reg(10), addr = h.reg(11);
                if (h.reg(12) != 0) return error(h, ERR_INVALID_PARAM); // RV64: the high half of the address must be 0
                int len = (int) Math.min(Math.max(n, 0), MAX_CONSOLE_WRITE);
                if (!vcpu.domain().memory().contains(addr, len)) return error(h, ERR_INVALID_PARAM);
                byte[] bytes = vcpu.domain().memory().read(addr, len);
                vcpu.domain().console().write(bytes, 0, len);
                return ok(h, len);
            }
            case 1: {
                long addr = h.reg(11);
                if (h.reg(12) != 0 || !vcpu.domain().memory().contains(addr, Math.max(h.reg(10), 0))) return error(h, ERR_INVALID_PARAM);
                return ok(h, 0); // no console input is queued
            }
            case 2:
                vcpu.domain().console().write((int) h.reg(10));
                return ok(h, 0);
            default:
                return error(h, ERR_NOT_SUPPORTED);
        }
    }

    private static int srst(Vcpu vcpu, long fid) {
        Hart h = vcpu.hart();
        if (fid != 0) return error(h, ERR_NOT_SUPPORTED);
        long type = h.reg(10) & 0xffff_ffffL, reason = h.reg(11) & 0xffff_ffffL;
        if (type == 1 || type == 2) return error(h, ERR_NOT_SUPPORTED); // reboot of a domain is not offered
        if (type != 0) return error(h, ERR_INVALID_PARAM);
        if (reason > 1 && reason < 0xE000_0000L) return error(h, ERR_INVALID_PARAM);
        h.setReg(10, SUCCESS);
        vcpu.domain().shutdown(reason);
        return Hart.EXIT_ECALL;
    }

    private static int hsm(Vcpu vcpu, long fid) {
        Hart h = vcpu.hart();
        var all = vcpu.domain().vcpus();
        switch ((int) fid) {
            case 0: {
                long target = h.reg(10), addr = h.reg(11), opaque = h.reg(12);
                if (target < 0 || target >= all.size()) return error(h, ERR_INVALID_PARAM);
                if (!vcpu.domain().memory().contains(addr, 2)) return error(h, ERR_INVALID_ADDRESS);
                Vcpu t = vcpuAt(all, target);
                synchronized (t) {
                    if (t.state() != Vcpu.State.STOPPED) return error(h, ERR_ALREADY_AVAILABLE);
                    t.start(addr, opaque);
                }
                return ok(h, 0);
            }
            case 1:
                vcpu.stop();
                h.setReg(10, SUCCESS);
                return Hart.EXIT_ECALL;
            case 2: {
                long target = h.reg(10);
                if (target < 0 || target >= all.size()) return error(h, ERR_INVALID_PARAM);
                Vcpu.State s = vcpuAt(all, target).state();
                return ok(h, s == Vcpu.State.STOPPED || s == Vcpu.State.DONE ? HSM_STOPPED : HSM_STARTED);
            }
            default:
                return error(h, ERR_NOT_SUPPORTED);
        }
    }

    private static int ipi(Vcpu vcpu, long fid) {
        Hart h = vcpu.hart();
        if (fid != 0) return error(h, ERR_NOT_SUPPORTED);
        long mask = h.reg(10), base = h.reg(11);
        var all = vcpu.domain().vcpus();
        if (base == -1) {
            all.forEach(v -> v.hart().raiseInterrupt(Csr.SSIP));
        } else {
            for (int i = 0; i < 64; i++) {
                if ((mask & (1L << i)) == 0) continue;
                long target = base + i;
                if (target < 0 || target >= all.size()) return error(h, ERR_INVALID_PARAM);
            }
            for (int i = 0; i < 64; i++) {
                if ((mask & (1L << i)) != 0) vcpuAt(all, base + i).hart().raiseInterrupt(Csr.SSIP);
            }
        }
        vcpu.domain().kick();
        return ok(h, 0);
    }

    private int hotvisor(Vcpu vcpu, long fid) {
        Hart h = vcpu.hart();
        Domain self = vcpu.domain();
        EventChannelTable ports = self.eventChannels();
        switch ((int) fid) {
            case HV_DOMAIN_INFO:
                return ok(h, self.id());
            case HV_DOMAIN_LOOKUP: {
                long addr = h.reg(10), len = h.reg(11);
                if (len < 1 || len > 64) return error(h, ERR_INVALID_PARAM);
                if (!self.memory().contains(addr, len)) return error(h, ERR_INVALID_ADDRESS);
                String name = new String(self.memory().read(addr, (int) len), StandardCharsets.US_ASCII);
                Domain d = domains.byName(name);
                return d == null ? error(h, ERR_INVALID_PARAM) : ok(h, d.id());
            }
            case HV_EVTCHN_ALLOC_UNBOUND: {
                Domain remote = domains.byId(h.reg(10));
                if (remote == null) return error(h, ERR_INVALID_PARAM);
                return port(h, ports.allocUnbound(remote.id()));
            }
            case HV_EVTCHN_BIND_INTERDOMAIN: {
                Domain remote = domains.byId(h.reg(10));
                if (remote == null || remote == self) return error(h, ERR_INVALID_PARAM);
                long remotePort = h.reg(11);
                if (remotePort < 1 || remotePort >= EventChannelTable.MAX_PORTS) return error(h, ERR_INVALID_PARAM);
                return port(h, ports.bindInterdomain(remote.eventChannels(), (int) remotePort));
            }
            case HV_EVTCHN_SEND:
                return status(h, validPort(h.reg(10)) ? ports.send((int) h.reg(10)) : EventChannelTable.Status.INVALID_PORT);
            case HV_EVTCHN_POLL: {
                long port = h.reg(10);
                if (!validPort(port) || !ports.isOpen((int) port)) return error(h, ERR_INVALID_PARAM);
                if (ports.consume((int) port)) return ok(h, 0);
                ok(h, 0); // the result the guest sees once the port becomes pending
                vcpu.blockOnPort((int) port);
                return Hart.EXIT_ECALL;
            }
            case HV_EVTCHN_CLOSE:
                return status(h, validPort(h.reg(10)) ? ports.close((int) h.reg(10)) : EventChannelTable.Status.INVALID_PORT);
            case HV_DEBUG_PEEK: {
                // The domain id in a0 is guest-supplied: it must exist and be the caller's own, or
                // any guest reads any other domain's RAM (patch-samples/xsa-hv-1 shows that hole
                // reopened by a bad update and closed again live, under attack).
                Domain d = domains.byId(h.reg(10));
                long addr = h.reg(11);
                if (d == null) return error(h, ERR_INVALID_PARAM);
                if (d != self) return error(h, ERR_DENIED);
                if ((addr & 7) != 0 || !d.memory().contains(addr, 8)) return error(h, ERR_INVALID_ADDRESS);
                return ok(h, d.memory().load64(addr));
            }
            default:
                return error(h, ERR_NOT_SUPPORTED);
        }
    }

    private static boolean validPort(long port) {
        return port > 0 && port < EventChannelTable.MAX_PORTS;
    }

    private static int port(Hart h, int result) {
        if (result > 0) return ok(h, result);
        EventChannelTable.Status[] statuses = EventChannelTable.Status.values();
        return status(h, statuses[io.hotvisor.runtime.memory.Nospec.index(-result, statuses.length)]);
    }

    /**
     * The vCPU a guest named by index, after the caller's bounds check: the index is clamped
     * without a branch (Spectre v1), so a mis-speculated lookup stays inside the domain's vCPUs.
     * Placed, and named in full rather than imported, so the lines above keep the numbers the
     * XSA-HV-1 sample diffs give.
     */
    private static Vcpu vcpuAt(java.util.List<Vcpu> all, long index) {
        return all.get(io.hotvisor.runtime.memory.Nospec.index(index, all.size()));
    }

    private static int status(Hart h, EventChannelTable.Status s) {
        return switch (s) {
            case OK -> ok(h, 0);
            case INVALID_PORT, INVALID_DOMAIN -> error(h, ERR_INVALID_PARAM);
            case INVALID_STATE -> error(h, ERR_INVALID_STATE);
            case NO_FREE_PORT -> error(h, ERR_NO_SHMEM);
        };
    }

    private static int ok(Hart h, long value) {
        if (value == Long.MIN_VALUE) return error(h, ERR_NOT_SUPPORTED);
        h.setReg(10, SUCCESS);
        h.setReg(11, value);
        return Hart.EXIT_BUDGET;
    }

    private static int error(Hart h, long code) {
        h.setReg(10, code);
        h.setReg(11, 0);
        return Hart.EXIT_BUDGET;
    }
}
