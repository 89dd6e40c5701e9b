package io.hotvisor.runtime.domain;

import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.host.SampleGuests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class DomainLifecycleTest {
    private Host host;

    @BeforeEach
    void start() {
        host = new Host(HostConfig.defaults().withLogConsole(false)).start();
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
    }

    @Test
    void pausedDomainRetiresNoInstructionsAndResumesWhereItWas() throws Exception {
        SampleGuests.Running counter = SampleGuests.boot(host, "counter");
        Vcpu v = counter.domain().vcpus().get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> v.hart().instret() > 1_000_000);
        assertThat(counter.domain().pause()).isTrue();
        assertThat(counter.domain().state()).isEqualTo(DomainState.PAUSED);
        long frozen = v.hart().instret();
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> v.hart().instret() == frozen);
        assertThat(counter.domain().unpause()).isTrue();
        assertThat(counter.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(counter.output()).isEqualTo(SampleGuests.expected("counter"));
    }

    @Test
    void destroyedDomainEndsAndLeavesTheHostWhileOthersRunOn() throws Exception {
        SampleGuests.Running doomed = SampleGuests.boot(host, "counter");
        SampleGuests.Running other = SampleGuests.boot(host, "primes");
        doomed.domain().destroy();
        assertThat(doomed.awaitExit(5).state()).isEqualTo(DomainState.DESTROYED);
        assertThat(host.byName("counter")).isNull();
        assertThat(other.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(other.output()).isEqualTo(SampleGuests.expected("primes"));
    }

    @Test
    void domainNamesAreUniqueAmongLiveDomains() throws Exception {
        SampleGuests.boot(host, "counter");
        assertThatThrownBy(() -> host.create(DomainConfig.of("counter", SampleGuests.image("hello"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
    }

    @Test
    void cappedDomainStillCompletesWithItsOutput() throws Exception {
        SampleGuests.Running capped = SampleGuests.boot(host, DomainConfig.of("primes", SampleGuests.image("primes")).withCap(50));
        assertThat(capped.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(capped.output()).isEqualTo(SampleGuests.expected("primes"));
    }

    @Test
    void badDomainConfigsAreRefusedWithTheReason() {
        byte[] img = SampleGuests.image("hello");
        assertThatThrownBy(() -> DomainConfig.of("bad name!", img)).hasMessageContaining("must be 1-64 characters");
        assertThatThrownBy(() -> DomainConfig.of("x", img).withVcpus(0)).hasMessageContaining("vcpus must be between 1 and 64");
        assertThatThrownBy(() -> DomainConfig.of("x", img).withWeight(0)).hasMessageContaining("weight");
    }
}
