package io.hotvisor.patch.format.cli;

import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.payload.Payload;
import io.hotvisor.patch.format.payload.PayloadReader;
import io.hotvisor.patch.format.sign.TrustStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code hvpatch inspect FILE [--trust DIR] [--json]}: show a payload. Every structural check runs,
 * so a damaged or tampered payload is refused here too; the signature is verified only when a trust
 * directory is given.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a payload's manifest, classes, hooks or bundles, and signature status.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The payload (.hvp).")
    Path file;

    @Option(names = "--trust", paramLabel = "DIR", description = "Also verify the signature against this trust directory.")
    Path trust;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws PayloadException {
        Payload payload;
        try {
            PayloadReader reader = new PayloadReader();
            payload = trust == null ? reader.inspect(file) : reader.verify(file, TrustStore.load(trust));
        } catch (PayloadException e) {
            if (json) {
                Json.printRefusal(spec.commandLine().getOut(), e);
            }
            throw e;
        }
        if (json) {
            Json.print(spec.commandLine().getOut(), PayloadReport.json(payload));
        } else {
            PayloadReport.printText(spec.commandLine().getOut(), payload);
        }
        return Hvpatch.OK;
    }
}
