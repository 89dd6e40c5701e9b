package io.hotvisor.patch.format.cli;

import io.hotvisor.patch.format.PayloadException;
import io.hotvisor.patch.format.sign.KeyFiles;
import io.hotvisor.patch.format.sign.SigningKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** {@code hvpatch keygen --out DIR [--name NAME]}: a new Ed25519 signing key pair. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Generate an Ed25519 signing key: DIR/NAME.key (private, mode 0600) and DIR/NAME.pub "
                + "(copy it into hosts' trust directories).")
final class KeygenCommand implements Callable<Integer> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the key files (created if missing).")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "hvpatch",
            description = "Base name of the key files (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Override
    public Integer call() throws PayloadException {
        if (!NAME.matcher(name).matches() || name.startsWith(".")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--name '" + Hvpatch.oneLine(name)
                    + "' must be 1-64 characters of A-Z a-z 0-9 . _ - and not start with '.'");
        }
        SigningKey key = SigningKey.generate();
        Path privateFile = KeyFiles.write(out, name, key);
        Path publicFile = privateFile.resolveSibling(name + KeyFiles.PUBLIC_SUFFIX);
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("status", "ok");
            result.put("key-id", key.keyId().text());
            result.put("private-key", privateFile.toString());
            result.put("public-key", publicFile.toString());
            Json.print(spec.commandLine().getOut(), result);
        } else {
            spec.commandLine().getOut().printf("key id       %s%nprivate key  %s (keep it secret)%n"
                    + "public key   %s (copy into each host's trust directory)%n", key.keyId(), privateFile, publicFile);
        }
        return Hvpatch.OK;
    }
}
