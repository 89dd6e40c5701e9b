package io.hotvisor.runtime.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.domain.DomainState;
import org.junit.jupiter.api.Test;

/**
 * {@link Host#invalidateTranslations()} while guests run translated, as the livepatch agent calls
 * it: from another thread, at any moment. The guests retranslate and print exactly their output.
 */
class TranslationFlushTest {
    @Test
    void flushingEveryTranslationOverAndOverLeavesTheGuestsOutputExact() throws Exception {
        // Blocks translated after 16 runs, so that translations and flushes keep racing.
        HostConfig config = HostConfig.defaults().withLogConsole(false).withEngine(Engine.TRANSLATOR).withTranslateAfter(16);
        try (Host host = new Host(config).start()) {
            SampleGuests.Running sha = SampleGuests.boot(host, "sha256");
            SampleGuests.Running primes = SampleGuests.boot(host, "primes");
            int flushes = 0;
            while (!sha.domain().exit().isDone() || !primes.domain().exit().isDone()) {
                host.invalidateTranslations();
                flushes++;
                Thread.yield(); // the pCPU threads share two cores with this one
            }
            DomainExit how = sha.awaitExit(120);
            assertThat(how.state()).isEqualTo(DomainState.SHUTDOWN);
            assertThat(primes.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
            assertThat(sha.output()).isEqualTo(SampleGuests.expected("sha256"));
            assertThat(primes.output()).isEqualTo(SampleGuests.expected("primes"));
            assertThat(flushes).isPositive();
            assertThat(sha.domain().translations().generation()).isPositive();
        }
    }
}
