package io.hotvisor.runtime.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainConfigTest {
    private static final byte[] IMAGE = new byte[0];

    @ParameterizedTest
    @ValueSource(strings = {"a", "hello", "Guest-2.v1_b", "0", "._-"})
    void acceptsNamesOfTheAllowedCharacters(String name) {
        assertEquals(name, DomainConfig.of(name, IMAGE).name());
    }

    @Test
    void acceptsSixtyFourCharactersAndNoMore() {
        assertEquals(64, DomainConfig.of("x".repeat(64), IMAGE).name().length());
        assertThrows(IllegalArgumentException.class, () -> DomainConfig.of("x".repeat(65), IMAGE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "two words", "a/b", "caf\u00e9", "tab\t", "semi;colon", "\uD83D\uDE42"})
    void refusesOtherNamesSayingWhatIsAllowed(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DomainConfig.of(name, IMAGE));
        assertTrue(e.getMessage().contains("1-64 characters of A-Z a-z 0-9 . _ -"), e.getMessage());
    }
}
