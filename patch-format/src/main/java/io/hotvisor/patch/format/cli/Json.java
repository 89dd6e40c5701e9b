package io.hotvisor.patch.format.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.hotvisor.patch.format.PayloadException;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --json} output of the commands: one pretty-printed object per run, on stdout. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private Json() {
    }

    static void print(PrintWriter out, Object value) {
        try {
            out.println(WRITER.writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write JSON output", e);
        }
    }

    /** {@code {"status":"refused","error":CODE,"message":...}} for a failed command. */
    static void printRefusal(PrintWriter out, PayloadException e) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("status", e.error().payloadFault() ? "refused" : "error");
        result.put("error", e.error().name());
        result.put("message", e.getMessage());
        print(out, result);
    }
}
