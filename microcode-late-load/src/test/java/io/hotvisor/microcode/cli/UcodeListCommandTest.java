package io.hotvisor.microcode.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class UcodeListCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = UcodeListCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void listsAFileInIucodeToolFormat() throws Exception {
        Path f = dir.resolve("06-8e-0c");
        Files.write(f, new IntelUpdateBuilder().signature(0x806ec).flags(0x94).revision(0xf4).build());

        assertEquals(UcodeListCommand.EXIT_OK, run("--list", f.toString()));
        assertEquals("microcode bundle 1: " + f + "\n"
                + "  001/001: sig 0x000806ec, pf_mask 0x94, 2024-11-17, rev 0x00f4, size 1024\n", out.toString());
        assertEquals("", err.toString());
    }

    @Test
    void jsonOptionPrintsJson() throws Exception {
        Files.write(dir.resolve("06-8e-0c"), new IntelUpdateBuilder().build());
        assertEquals(UcodeListCommand.EXIT_OK, run("--list", dir.toString(), "--json"));
        assertEquals("0x000806ec", new ObjectMapper().readTree(out.toString())
                .get("files").get(0).get("updates").get(0).get("signature").asText());
    }

    @Test
    void damagedFileIsRefusedWithOneLineAndExitStatus1() throws Exception {
        byte[] bad = new IntelUpdateBuilder().build();
        bad[300] ^= 1;
        Path f = dir.resolve("06-8e-0c");
        Files.write(f, bad);

        assertEquals(UcodeListCommand.EXIT_BAD_MICROCODE, run("--list", f.toString()));
        assertEquals("", out.toString());
        String message = err.toString();
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.contains(f + ": update 1 at byte offset 16: "), message);
        assertTrue(message.contains("[BAD_CHECKSUM]"), message);
    }

    @Test
    void debugAddsTheStackTrace() throws Exception {
        Files.writeString(dir.resolve("x"), "junk");
        assertEquals(UcodeListCommand.EXIT_BAD_MICROCODE, run("--list", dir.toString(), "--debug"));
        assertTrue(err.toString().contains("at io.hotvisor.microcode."), err.toString());
    }

    @Test
    void missingPathExitsWithStatus3() {
        assertEquals(UcodeListCommand.EXIT_IO, run("--list", dir.resolve("nope").toString()));
        assertEquals(dir.resolve("nope") + ": no such file or directory", err.toString().strip().replace("ucode: ", ""));
    }

    @Test
    void missingListOptionIsAUsageError() {
        assertEquals(UcodeListCommand.EXIT_USAGE, run());
    }
}
