package io.hotvisor.runtime.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The picocli-free reading of {@code hv run} agrees with picocli's wherever it answers at all. */
class QuickRunTest {
    /** What picocli makes of the same arguments. */
    private static RunCommand picocli(String... args) {
        CommandLine cl = new CommandLine(new HvCommand());
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        return (RunCommand) parsed.subcommand().commandSpec().userObject();
    }

    private static void assertSameAsPicocli(String... args) {
        RunCommand quick = QuickRun.parse(args);
        assertThat(quick).as(String.join(" ", args)).isNotNull();
        assertThat(quick).usingRecursiveComparison().isEqualTo(picocli(args));
    }

    @Test
    void ordinaryRunLinesAreReadExactlyAsPicocliReadsThem() {
        assertSameAsPicocli("run", "hello.elf");
        assertSameAsPicocli("run", "--vcpus", "2", "--mem", "64MiB", "guests/sha256.elf");
        assertSameAsPicocli("run", "--timeout=2.5", "--engine", "interpreter", "--verbose", "a.elf");
        assertSameAsPicocli("run", "x.elf", "--topology", "2x2", "--sched-gran=core");
        assertSameAsPicocli("run", "--engine", "translator", "--translate-after", "1", "x.elf");
        assertThat(QuickRun.parse("run", "hello.elf").guest).isEqualTo(Path.of("hello.elf"));
    }

    @Test
    void everythingElseIsLeftToPicocli() {
        String[][] others = {
                {}, {"run"}, {"demo"}, {"--help"}, {"run", "--help"}, {"run", "-h", "a.elf"}, {"run", "--version"},
                {"--debug", "run", "a.elf"}, {"run", "--debug", "a.elf"}, {"run", "a.elf", "b.elf"},
                {"run", "--vcpus", "two", "a.elf"}, {"run", "--vcpus", "1", "--vcpus", "2", "a.elf"},
                {"run", "--verbose", "--verbose", "a.elf"}, {"run", "--timeout", "a.elf"}, {"run", "--memory", "16M", "a.elf"},
                {"run", "--mem", "-1", "a.elf"}, {"run", "--translate-after", "many", "a.elf"}, {"run", "--mem=", "a.elf"}, {"run", "a.elf", "--mem"}, {"run", "-", "a.elf"}};
        for (String[] args : others) {
            assertThat(QuickRun.parse(args)).as(String.join(" ", args)).isNull();
        }
    }
}
