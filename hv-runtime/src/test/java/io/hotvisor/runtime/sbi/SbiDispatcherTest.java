package io.hotvisor.runtime.sbi;

import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.elf.TinyElf;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.hotvisor.runtime.elf.TinyElf.A0;
import static io.hotvisor.runtime.elf.TinyElf.A1;
import static io.hotvisor.runtime.elf.TinyElf.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hypercalls made by real guest code: each call's a0/a1 are stored to guest RAM, read back after the
 * guest shuts down. Bad ids and pointers come back as SBI errors; the guest carries on.
 */
class SbiDispatcherTest {
    private Host host;

    @BeforeEach
    void start() {
        host = new Host(HostConfig.defaults().withLogConsole(false)).start();
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
    }

    /** Guest code that records each call's (a0, a1) at 0x80300000 + 16 * i. */
    private static final class Calls {
        final TinyElf elf = new TinyElf().auipc(T0, 0x100);
        int count;

        Calls call(long eid, long fid, long... args) {
            elf.sbi(eid, fid, args).sd(A0, 16 * count, T0).sd(A1, 16 * count + 8, T0);
            count++;
            return this;
        }
    }

    private long[][] run(Calls calls, int vcpus) throws Exception {
        byte[] image = calls.elf.shutdown(0).build();
        Domain d = host.create(DomainConfig.of("sbi-test", image).withVcpus(vcpus).withMemory(4 << 20));
        d.boot();
        assertThat(d.exit().get(30, TimeUnit.SECONDS).state()).isEqualTo(DomainState.SHUTDOWN);
        long[][] results = new long[calls.count][2];
        for (int i = 0; i < calls.count; i++) {
            results[i][0] = d.memory().load64(0x8030_0000L + 16L * i);
            results[i][1] = d.memory().load64(0x8030_0000L + 16L * i + 8);
        }
        return results;
    }

    @Test
    void baseExtensionReportsSpecVersionTwoAndProbesExtensions() throws Exception {
        long[][] r = run(new Calls().call(0x10, 0).call(0x10, 1).call(0x10, 3, 0x4442434E).call(0x10, 3, 0x12345), 1);
        assertThat(r[0]).containsExactly(0, 0x0200_0000L);
        assertThat(r[1]).containsExactly(0, SbiAbi.IMPL_ID);
        assertThat(r[2]).containsExactly(0, 1);
        assertThat(r[3]).containsExactly(0, 0);
    }

    @Test
    void unknownExtensionAndFunctionReturnNotSupported() throws Exception {
        long[][] r = run(new Calls().call(0x12345, 0).call(0x10, 99).call(0x54494D45, 7), 1);
        for (long[] call : r) assertThat(call[0]).isEqualTo(SbiAbi.ERR_NOT_SUPPORTED);
    }

    @Test
    void consoleWriteFromOutsideGuestRamIsAnInvalidParameter() throws Exception {
        long[][] r = run(new Calls().call(0x4442434E, 0, 64, 0x1000, 0), 1);
        assertThat(r[0][0]).isEqualTo(SbiAbi.ERR_INVALID_PARAM);
    }

    @Test
    void domainLookupWithAPointerOutsideRamIsAnInvalidAddress() throws Exception {
        long[][] r = run(new Calls().call(SbiAbi.EXT_HOTVISOR, SbiAbi.HV_DOMAIN_LOOKUP, 0x10, 4)
                .call(SbiAbi.EXT_HOTVISOR, SbiAbi.HV_DOMAIN_INFO), 1);
        assertThat(r[0][0]).isEqualTo(SbiAbi.ERR_INVALID_ADDRESS);
        assertThat(r[1][0]).isEqualTo(0);
        assertThat(r[1][1]).isPositive();
    }

    @Test
    void eventChannelCallsOnUnknownPortsAndDomainsAreInvalidParameters() throws Exception {
        long[][] r = run(new Calls().call(SbiAbi.EXT_HOTVISOR, SbiAbi.HV_EVTCHN_SEND, 5)
                .call(SbiAbi.EXT_HOTVISOR, SbiAbi.HV_EVTCHN_POLL, 5)
                .call(SbiAbi.EXT_HOTVISOR, SbiAbi.HV_EVTCHN_ALLOC_UNBOUND, 999)
                .call(SbiAbi.EXT_HOTVISOR, SbiAbi.HV_EVTCHN_CLOSE, 0), 1);
        for (long[] call : r) assertThat(call[0]).isEqualTo(SbiAbi.ERR_INVALID_PARAM);
    }

    @Test
    void hsmReportsSecondaryHartsStoppedAndChecksStartArguments() throws Exception {
        long[][] r = run(new Calls().call(SbiAbi.EXT_HSM, 2, 1).call(SbiAbi.EXT_HSM, 0, 7, 0x1000, 0)
                .call(SbiAbi.EXT_HSM, 0, 1, 0x1000, 0).call(SbiAbi.EXT_HSM, 2, 0), 2);
        assertThat(r[0]).containsExactly(0, SbiAbi.HSM_STOPPED);
        assertThat(r[1][0]).isEqualTo(SbiAbi.ERR_INVALID_PARAM);
        assertThat(r[2][0]).isEqualTo(SbiAbi.ERR_INVALID_ADDRESS);
        assertThat(r[3]).containsExactly(0, SbiAbi.HSM_STARTED);
    }

    @Test
    void hsmHartStartRunsASecondaryVcpuWithItsOpaqueArgumentAndHartStopStopsIt() throws Exception {
        TinyElf elf = new TinyElf().auipc(T0, 0x100);                 // t0 = 0x80300000: the results word
        int at = elf.offset();
        elf.auipc(A1, 0).addi(A1, A1, 0x100 - at)                        // a1 = entry of the secondary below
                .li(A0, 1).li(TinyElf.A2, 0x77).li(TinyElf.A7, SbiAbi.EXT_HSM).li(TinyElf.A6, 0).ecall();
        int loop = elf.offset();
        elf.ld(TinyElf.T1, 0, T0);
        elf.beq(TinyElf.T1, TinyElf.ZERO, loop - elf.offset());         // spin until the secondary wrote it
        elf.shutdown(0);
        // the secondary: a0 = its hart id, a1 = the opaque value hart_start passed
        elf.padTo(0x100).auipc(T0, 0x100).addi(T0, T0, -0x100).sd(A1, 0, T0)
                .li(TinyElf.A7, SbiAbi.EXT_HSM).li(TinyElf.A6, 1).ecall().spin();
        Domain d = host.create(DomainConfig.of("smp", elf.build()).withVcpus(2).withMemory(4 << 20));
        d.boot();
        assertThat(d.exit().get(30, TimeUnit.SECONDS).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(d.memory().load64(0x8030_0000L)).isEqualTo(0x77);
        assertThat(d.vcpus().get(1).hart().instret()).isPositive();
    }

    @Test
    void rebootIsNotSupportedAndLeavesTheGuestRunning() throws Exception {
        long[][] r = run(new Calls().call(SbiAbi.EXT_SRST, 0, 1, 0), 1);
        assertThat(r[0][0]).isEqualTo(SbiAbi.ERR_NOT_SUPPORTED);
    }

    @Test
    void shutdownWithSystemFailureReasonIsReported() throws Exception {
        Domain d = host.create(DomainConfig.of("failing", new TinyElf().shutdown(1).build()).withMemory(4 << 20));
        d.boot();
        var how = d.exit().get(30, TimeUnit.SECONDS);
        assertThat(how.sbiReason()).isEqualTo(1);
        assertThat(how.detail()).isEqualTo("shutdown: system failure");
    }
}
