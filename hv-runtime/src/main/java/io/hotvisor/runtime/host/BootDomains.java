package io.hotvisor.runtime.host;

import io.hotvisor.control.ControlException;
import io.hotvisor.control.GuestConfigFile;
import io.hotvisor.log.HostLog;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Domains the host starts by itself at boot, from its own configuration, with no client involved
 * (Xen's dom0-less): {@code host.cfg}'s {@code boot-domains}, a list of guest config files. Each is
 * started on its own: one that cannot start (a bad config, a missing or broken ELF, a name already
 * taken) is reported with its config and reason, and the rest still start.
 */
public final class BootDomains {
    private static final System.Logger LOG = HostLog.get("hotvisor.host");

    private BootDomains() {
    }

    /**
     * What became of one boot domain.
     *
     * @param config  its guest config file
     * @param domain  the domain's name, or null when the config could not be read
     * @param started whether it was created and started
     * @param reason  why not, or null
     */
    public record Outcome(String config, String domain, boolean started, String reason) {
        /** As {@code hvctl info --json} shows it. */
        public Map<String, Object> toMap() {
            var m = new java.util.LinkedHashMap<String, Object>();
            m.put("config", config);
            if (domain != null) m.put("domain", domain);
            m.put("started", started);
            if (reason != null) m.put("reason", reason);
            return m;
        }
    }

    /** Creates and starts every domain of {@code configs}, in order, on {@code host}; records the outcomes on it. */
    public static List<Outcome> start(Host host, List<Path> configs) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Path config : configs) {
            outcomes.add(startOne(host, config));
        }
        host.bootDomains(outcomes);
        return outcomes;
    }

    private static Outcome startOne(Host host, Path config) {
        String name = null;
        try {
            GuestConfigFile cfg = GuestConfigFile.read(config);
            name = cfg.name();
            DomainConfig dc = new DomainConfig(cfg.name(), cfg.kernelBytes(), or(cfg.vcpus(), 1),
                    cfg.memoryMib() == null ? DomainConfig.DEFAULT_MEMORY : cfg.memoryMib() << 20,
                    or(cfg.weight(), DomainConfig.DEFAULT_WEIGHT), or(cfg.cap(), 0));
            Domain d = host.create(dc);
            d.boot();
            LOG.log(System.Logger.Level.INFO, "boot domain {0} (d{1}) started from {2}", d.name(), d.id(), config);
            return new Outcome(config.toString(), d.name(), true, null);
        } catch (ControlException e) {
            return failed(config, name, e.getMessage());
        } catch (Exception e) {
            // A broken ELF, a name already taken, no memory: the reason is the exception's message.
            return failed(config, name, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static Outcome failed(Path config, String name, String reason) {
        LOG.log(System.Logger.Level.ERROR, "boot domain {0} did not start: {1}", name == null ? config : name, reason);
        return new Outcome(config.toString(), name, false, reason);
    }

    private static int or(Long value, int fallback) {
        return value == null ? fallback : value.intValue();
    }
}
