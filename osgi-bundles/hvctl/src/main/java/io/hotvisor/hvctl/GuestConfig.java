package io.hotvisor.hvctl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.control.ControlException;
import io.hotvisor.control.ControlNames.Arg;
import io.hotvisor.control.ControlProtocol;
import io.hotvisor.control.GuestConfigFile;

import java.nio.file.Path;
import java.util.Base64;

/** A guest config file ({@link GuestConfigFile}) as a {@code create} request's arguments, kernel included. */
final class GuestConfig {
    private GuestConfig() {}

    /** Reads the config and its kernel into a {@code create} request's arguments. */
    static ObjectNode read(Path file) throws HvctlException {
        try {
            GuestConfigFile cfg = GuestConfigFile.read(file);
            ObjectNode args = ControlProtocol.JSON.createObjectNode();
            args.put(Arg.NAME, cfg.name());
            if (cfg.memoryMib() != null) args.put(Arg.MEMORY, cfg.memoryMib() << 20);
            if (cfg.vcpus() != null) args.put(Arg.VCPUS, cfg.vcpus());
            if (cfg.weight() != null) args.put(Arg.WEIGHT, cfg.weight());
            if (cfg.cap() != null) args.put(Arg.CAP, cfg.cap());
            args.put(Arg.IMAGE, Base64.getEncoder().encodeToString(cfg.kernelBytes()));
            return args;
        } catch (ControlException e) {
            throw new HvctlException(e.getMessage(), e.exitStatus());
        }
    }
}
