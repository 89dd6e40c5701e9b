package io.hotvisor.control;

/**
 * Every name the host and its clients must agree on: the commands and their request arguments.
 * The host registers its commands under these names and reads these arguments; {@code hvctl} (and
 * any other client) sends them. The control protocol's keys are camelCase, as JSON APIs have them;
 * the project's files (the payload manifest, build-info, the journal) are kebab-case, as their
 * specifications say, so the same build-id is {@code buildId} on the wire and
 * {@code payload-build-id} on disk.
 */
public final class ControlNames {
    private ControlNames() {
    }

    /** Command names. */
    public static final class Command {
        private Command() {
        }

        public static final String INFO = "info";
        public static final String LIST = "list";
        public static final String CREATE = "create";
        public static final String DESTROY = "destroy";
        public static final String PAUSE = "pause";
        public static final String UNPAUSE = "unpause";
        public static final String CONSOLE = "console";
        public static final String VCPU_LIST = "vcpu-list";
        public static final String SCHED_CREDIT2 = "sched-credit2";
        public static final String DMESG = "dmesg";
        public static final String SHUTDOWN = "shutdown";
        public static final String LIVEPATCH_LIST = "livepatch.list";
        public static final String LIVEPATCH_UPLOAD = "livepatch.upload";
        public static final String LIVEPATCH_APPLY = "livepatch.apply";
        public static final String LIVEPATCH_REVERT = "livepatch.revert";
        public static final String LIVEPATCH_REPLACE = "livepatch.replace";
        public static final String LIVEPATCH_UNLOAD = "livepatch.unload";
        public static final String LIVEPATCH_LOAD = "livepatch.load";
        public static final String LIVEPATCH_RECOVER = "livepatch.recover";
        public static final String UCODE_STATUS = "ucode.status";
        public static final String UCODE_LOAD = "ucode.load";
        public static final String AUDIT = "audit";

        /** The commands whose requests change the host: the audit trail records each of them. */
        private static final java.util.Set<String> CHANGING = java.util.Set.of(CREATE, DESTROY, PAUSE, UNPAUSE, SHUTDOWN,
                LIVEPATCH_UPLOAD, LIVEPATCH_APPLY, LIVEPATCH_REVERT, LIVEPATCH_REPLACE, LIVEPATCH_UNLOAD, LIVEPATCH_LOAD,
                LIVEPATCH_RECOVER, UCODE_LOAD);

        /**
         * Whether a request of {@code command} with {@code args} changes the host: every command of
         * {@link #CHANGING}, and {@link #SCHED_CREDIT2} when it sets a weight or a cap.
         */
        public static boolean changesHost(String command, com.fasterxml.jackson.databind.JsonNode args) {
            if (command.equals(SCHED_CREDIT2)) {
                return args.has(Arg.WEIGHT) || args.has(Arg.CAP);
            }
            return CHANGING.contains(command);
        }
    }

    /** Request argument keys. */
    public static final class Arg {
        private Arg() {
        }

        /** A domain or payload name. */
        public static final String NAME = "name";
        /** A domain, by name or id. */
        public static final String DOMAIN = "domain";
        /** A guest ELF image, base64. */
        public static final String IMAGE = "image";
        public static final String VCPUS = "vcpus";
        /** Guest memory in bytes. */
        public static final String MEMORY = "memory";
        public static final String WEIGHT = "weight";
        public static final String CAP = "cap";
        /** Create the domain without starting it. */
        public static final String PAUSED = "paused";
        /** Console: the offset to read from. */
        public static final String FROM = "from";
        /** Console: stream until the domain ends. */
        public static final String FOLLOW = "follow";
        /** A payload file, base64. */
        public static final String PAYLOAD = "payload";
        /** The stop-machine timeout of one action, in milliseconds. */
        public static final String TIMEOUT_MILLIS = "timeoutMillis";
        /** Skip the stacking check. */
        public static final String NODEPS = "nodeps";
        /** Recovery: carry the plan out rather than only show it. */
        public static final String CONFIRM = "confirm";
        /** Microcode: the files, each with its name and base64 data. */
        public static final String FILES = "files";
        /** Microcode: allow the same or an older revision. */
        public static final String FORCE = "force";
        /** Microcode: how often a busy stop-machine is asked again. */
        public static final String ATTEMPTS = "attempts";
        /** Audit: the oldest time to show, ISO-8601. */
        public static final String SINCE = "since";
    }
}
