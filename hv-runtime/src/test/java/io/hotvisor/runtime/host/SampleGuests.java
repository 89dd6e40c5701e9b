package io.hotvisor.runtime.host;

import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainExit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The committed sample guests ({@code hv-runtime/guests/bin}) and helpers to run them in tests. */
public final class SampleGuests {
    private SampleGuests() {}

    /** Folder of the built guests; tests run with the module folder as working directory. */
    public static final Path BIN = Path.of("guests", "bin");

    public static byte[] image(String guest) {
        try {
            return Files.readAllBytes(BIN.resolve(guest + ".elf"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String expected(String guest) {
        try {
            return Files.readString(BIN.resolve(guest + ".expected"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A booted guest whose console is captured from its first byte. */
    public record Running(Domain domain, ByteArrayOutputStream console) {
        public String output() {
            synchronized (console) {
                return console.toString(StandardCharsets.UTF_8);
            }
        }

        public DomainExit awaitExit(long seconds) throws Exception {
            return domain.exit().get(seconds, TimeUnit.SECONDS);
        }
    }

    /** Creates, attaches to and boots a sample guest on {@code host}. */
    public static Running boot(Host host, String guest) throws Exception {
        return boot(host, DomainConfig.of(guest, image(guest)));
    }

    public static Running boot(Host host, DomainConfig config) throws Exception {
        Domain d = host.create(config);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        d.console().onBytes(b -> {
            synchronized (out) {
                out.write(b, 0, b.length);
            }
        });
        d.boot();
        return new Running(d, out);
    }
}
