package io.hotvisor.patch.format;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README is the spec: every error code in the code is documented there, and nothing else is. */
class ErrorCodesDocumentedTest {
    /** A row of the README's error table: | `CODE` | exit | meaning | */
    private static final Pattern ROW = Pattern.compile("^\\| `([A-Z_]+)` \\|", Pattern.MULTILINE);

    @Test
    void everyErrorCodeHasARowInTheReadmeErrorTableAndEveryRowIsACode() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("## Error codes");
        assertTrue(section >= 0, "README.md has no '## Error codes' section");
        int end = readme.indexOf("\n## ", section + 1);
        Matcher m = ROW.matcher(readme.substring(section, end < 0 ? readme.length() : end));
        List<String> documented = new ArrayList<>();
        while (m.find()) {
            documented.add(m.group(1));
        }
        List<String> codes = new ArrayList<>();
        for (PayloadError e : PayloadError.values()) {
            codes.add(e.name());
        }
        assertEquals(codes, documented, "README error table must list every PayloadError, in declaration order");
    }

    @Test
    void theReadmeStatesTheExitStatusOfEveryCode() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (PayloadError e : PayloadError.values()) {
            String row = "| `" + e.name() + "` | " + (e.payloadFault() ? 1 : 2) + " |";
            assertTrue(readme.contains(row), "README row should start with: " + row);
        }
    }
}
