package io.hotvisor.control;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Numeric arguments are checked, in one message per range, before any arithmetic sees them. */
class ArgRangeTest {
    private static ObjectNode args() {
        return ControlProtocol.JSON.createObjectNode();
    }

    @Test
    void aTimeoutOfLongMaxIsRefusedNamingTheRange() {
        assertThatThrownBy(() -> ArgRange.timeout(args().put("t", Long.MAX_VALUE), "t"))
                .isInstanceOfSatisfying(ControlException.class, e -> assertThat(e.code()).isEqualTo("INVALID_ARGUMENT"))
                .hasMessage("--timeout 9223372036854775807 ms is outside 1 ms .. 3600000 ms");
    }

    @Test
    void aTimeoutBeyondSixtyFourBitsOrWithAFractionIsRefusedNotRounded() {
        assertThatThrownBy(() -> ArgRange.timeout(args().put("t", new BigInteger("99999999999999999999")), "t"))
                .isInstanceOf(ControlException.class).hasMessageContaining("whole number");
        assertThatThrownBy(() -> ArgRange.timeout(args().put("t", 1.5), "t")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> ArgRange.timeout(args().put("t", 0), "t")).hasMessageContaining("outside 1 ms");
    }

    @Test
    void anAbsentTimeoutIsTheDefaultAndTheBoundsAreIncluded() throws Exception {
        assertThat(ArgRange.timeout(args(), "t")).isEqualTo(Duration.ofMillis(30));
        assertThat(ArgRange.timeout(args().put("t", 1), "t")).isEqualTo(Duration.ofMillis(1));
        assertThat(ArgRange.timeout(args().put("t", 3_600_000), "t")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void aWeightThatWouldTruncateToAValidIntIsRefused() {
        // 2^32 + 256 would become 256 through JsonNode.asInt().
        assertThatThrownBy(() -> ArgRange.WEIGHT.of(args().put("w", (1L << 32) + 256), "w", 256))
                .hasMessage("weight 4294967552 is outside 1 .. 65535");
    }
}
