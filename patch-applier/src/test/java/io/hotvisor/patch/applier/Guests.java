package io.hotvisor.patch.applier;

import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.host.Host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** hv-runtime's committed sample guests (real RV64 ELF files), booted with their console captured. */
final class Guests {
    /** Tests run in the module folder; the guests live beside it in hv-runtime. */
    static final Path BIN = Path.of("..", "hv-runtime", "guests", "bin");

    private Guests() {
    }

    static String expected(String guest) {
        try {
            return Files.readString(BIN.resolve(guest + ".expected"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Running(Domain domain, ByteArrayOutputStream console) {
        String output() {
            synchronized (console) {
                return console.toString(StandardCharsets.UTF_8);
            }
        }

        DomainExit awaitExit(long seconds) throws Exception {
            return domain.exit().get(seconds, TimeUnit.SECONDS);
        }
    }

    static Running boot(Host host, String guest) throws Exception {
        return boot(host, guest, guest);
    }

    /** Boots {@code guest} as a domain named {@code name} (names are unique on a host). */
    static Running boot(Host host, String guest, String name) throws Exception {
        Domain d = host.create(DomainConfig.of(name, Files.readAllBytes(BIN.resolve(guest + ".elf"))));
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
