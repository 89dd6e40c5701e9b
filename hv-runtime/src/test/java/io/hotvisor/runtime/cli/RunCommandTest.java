package io.hotvisor.runtime.cli;

import io.hotvisor.runtime.domain.DomainConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RunCommandTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "guests/hello.elf | hello",
            "sha256 | sha256",
            "my guest!.elf | my_guest_",
            "caf\u00e9.elf | caf_",
            "smile\uD83D\uDE42.elf | smile_",
            ".elf | guest",
            "a.b-c_d.ELF | a.b-c_d.ELF"})
    void namesTheDomainAfterTheFileWithEveryOtherCharacterAnUnderscore(String file, String name) {
        assertEquals(name, RunCommand.nameOf(Path.of(file)));
    }

    @ParameterizedTest
    @CsvSource({"64", "65", "200"})
    void cutsLongNamesToTheLongestADomainMayHave(int length) {
        String name = RunCommand.nameOf(Path.of("g".repeat(length) + ".elf"));
        assertEquals("g".repeat(Math.min(length, DomainConfig.MAX_NAME)), name);
        assertEquals(name, DomainConfig.of(name, new byte[0]).name());
    }
}
