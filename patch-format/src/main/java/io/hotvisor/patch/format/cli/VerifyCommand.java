package io.hotvisor.patch.format.cli;

import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.manifest.Manifest;
import io.hotvisor.patch.format.manifest.PayloadKind;
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

/** {@code hvpatch verify FILE --trust DIR [--json]}: exit 0 only when the payload is fully valid. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify a payload completely: structure, manifest, digests, build-id, and a signature "
                + "by a key in the trust directory. Exits 0 only when all hold.")
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The payload (.hvp).")
    Path file;

    @Option(names = "--trust", required = true, paramLabel = "DIR", description = "Directory of trusted *.pub keys.")
    Path trust;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws PayloadException {
        Payload payload;
        try {
            payload = new PayloadReader().verify(file, TrustStore.load(trust));
        } catch (PayloadException e) {
            if (json) {
                Json.printRefusal(spec.commandLine().getOut(), e);
            }
            throw e;
        }
        Manifest m = payload.manifest();
        if (json) {
            Json.print(spec.commandLine().getOut(), PayloadReport.json(payload));
        } else {
            String content = m.kind() == PayloadKind.BUNDLE_UPDATE ? m.bundles().size() + " bundles"
                    : m.classes().size() + " classes, " + m.hooks().size() + " hooks";
            spec.commandLine().getOut().printf("OK: %s is valid, signed by trusted key %s%n"
                            + "    payload build-id %s, target build-id %s, %s%n",
                    m.name(), m.signingKey(), m.payloadBuildId(), m.targetBuildId(), content);
            if (!m.requires().isEmpty()) {
                spec.commandLine().getOut().printf("    requires %s%n", PayloadReport.requiresText(m));
            }
            spec.commandLine().getOut().flush();
        }
        return Hvpatch.OK;
    }
}
