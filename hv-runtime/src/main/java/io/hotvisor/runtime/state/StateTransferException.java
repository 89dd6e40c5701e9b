package io.hotvisor.runtime.state;

/**
 * A snapshot that an importer cannot take. Thrown before the importer has changed anything, so the
 * caller can re-import the snapshot into the old version (the rollback of a bundle update).
 */
public final class StateTransferException extends Exception {
    /** Why, as a stable code the applier can journal and map to an exit status. */
    public enum Code {
        /** The snapshot belongs to another subsystem. */
        WRONG_SUBSYSTEM,
        /** The snapshot's version is older than the oldest the importer reads, or newer than its own. */
        UNSUPPORTED_VERSION,
        /** The snapshot cannot be read (malformed JSON, missing fields). */
        MALFORMED,
        /** The snapshot does not fit the importer (another topology, another domain, a started scheduler). */
        INCOMPATIBLE
    }

    private final Code code;

    public StateTransferException(Code code, String message) {
        super(message);
        this.code = code;
    }

    public StateTransferException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public Code code() { return code; }
}
