package io.hotvisor.runtime.host;

import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.domain.DomainState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Every sample guest prints exactly its committed {@code .expected} output on a real host. */
class SampleGuestsTest {
    private Host host;

    @BeforeEach
    void start() {
        host = new Host(HostConfig.defaults().withLogConsole(false)).start();
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "sha256", "primes", "counter", "traps"})
    void guestPrintsItsExpectedOutputAndShutsDownCleanly(String guest) throws Exception {
        SampleGuests.Running run = SampleGuests.boot(host, guest);
        DomainExit how = run.awaitExit(120);
        assertThat(how.state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(how.sbiReason()).isEqualTo(DomainExit.REASON_NONE);
        assertThat(run.output()).isEqualTo(SampleGuests.expected(guest));
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "sha256", "primes", "counter", "traps"})
    void guestPrintsItsExpectedOutputTranslatedToo(String guest) throws Exception {
        HostConfig everyBlock = HostConfig.defaults().withLogConsole(false).withEngine(Engine.TRANSLATOR).withTranslateAfter(1);
        try (Host translating = new Host(everyBlock).start()) {
            SampleGuests.Running run = SampleGuests.boot(translating, guest);
            DomainExit how = run.awaitExit(120);
            assertThat(how.state()).as(how.detail()).isEqualTo(DomainState.SHUTDOWN);
            assertThat(run.output()).isEqualTo(SampleGuests.expected(guest));
        }
    }

    @Test
    void pingAndPongExchangeAThousandEventsAcrossDomains() throws Exception {
        SampleGuests.Running pong = SampleGuests.boot(host, "pong");
        SampleGuests.Running ping = SampleGuests.boot(host, "ping");
        assertThat(ping.awaitExit(60).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(pong.awaitExit(60).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(ping.output()).isEqualTo(SampleGuests.expected("ping"));
        assertThat(pong.output()).isEqualTo(SampleGuests.expected("pong"));
    }

    @Test
    void faultingGuestCrashesOnlyItsOwnDomain() throws Exception {
        SampleGuests.Running victim = SampleGuests.boot(host, "counter");
        SampleGuests.Running fault = SampleGuests.boot(host, "fault");
        DomainExit how = fault.awaitExit(30);
        assertThat(how.state()).isEqualTo(DomainState.CRASHED);
        assertThat(how.detail()).contains("load access fault (0x0)").contains("no trap vector");
        assertThat(fault.output()).isEqualTo(SampleGuests.expected("fault"));
        assertThat(victim.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(victim.output()).isEqualTo(SampleGuests.expected("counter"));
    }
}
