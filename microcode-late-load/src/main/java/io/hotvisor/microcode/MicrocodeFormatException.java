package io.hotvisor.microcode;

import java.util.Objects;

/**
 * A microcode file that must not be loaded: damaged, truncated, of an unknown format, or breaking
 * one of its vendor's rules. Nothing of a file that raised it is used.
 *
 * <p>The {@link #code()} is stable (CLI exit statuses and JSON errors are derived from it); the
 * message names the file, the byte offset of the offending field and the 1-based index of the update
 * (Intel) or patch (AMD) in the file, when the fault is in one.
 */
public final class MicrocodeFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a file was refused. Names are stable; new codes may be added. */
    public enum Code {
        /** The file is empty. */
        EMPTY_FILE,
        /** A directory holds no regular file. */
        EMPTY_DIRECTORY,
        /** Neither an Intel update (header version 1) nor an AMD container (magic 0x00414d44). */
        UNKNOWN_FORMAT,
        /** The data ends inside a header, an update, a table or a section. */
        TRUNCATED,
        /** Intel: header version is not 1. */
        BAD_HEADER_VERSION,
        /** Intel: loader revision is not 1. */
        BAD_LOADER_REVISION,
        /** Intel: data size + 48 exceeds the total size. */
        BAD_SIZE,
        /** Intel: the dwords of header and data do not sum to 0. */
        BAD_CHECKSUM,
        /** Intel: the extended signature table's size is not 20 + 12 * count. */
        BAD_EXTENDED_TABLE,
        /** Intel: the dwords of the extended signature table do not sum to 0. */
        BAD_EXTENDED_CHECKSUM,
        /** Intel: an extended entry's signature + flags + checksum differs from the header's. */
        BAD_EXTENDED_SIGNATURE,
        /** Intel, strict mode: a size is not a multiple of 4, or the total not of 1024. */
        STRICT_BAD_SIZE,
        /** Intel, strict mode: the date is not valid packed BCD. */
        STRICT_BAD_DATE,
        /** Intel, strict mode: the revision is 0. */
        STRICT_ZERO_REVISION,
        /** AMD: the container does not start with magic 0x00414d44. */
        AMD_BAD_MAGIC,
        /** AMD: the equivalence table section has the wrong type, size or no terminating entry. */
        AMD_BAD_EQUIV_TABLE,
        /** AMD: a patch section has the wrong type or is smaller than a patch header. */
        AMD_BAD_SECTION,
        /** AMD: a patch is larger than its family allows. */
        AMD_PATCH_TOO_LARGE,
        /** AMD: a patch for a family the microcode loader does not support. */
        AMD_UNSUPPORTED_FAMILY,
        /** AMD: a patch names north or south bridge device ids (chipset-specific code). */
        AMD_CHIPSET_SPECIFIC
    }

    private final Code code;
    private final String source;
    private final long offset;
    private final int updateIndex;

    /**
     * @param code why
     * @param source the file (or name) being read
     * @param offset the byte offset in it of the offending field
     * @param updateIndex the 1-based index of the update or patch at fault, 0 when the fault is in
     *     no particular one
     * @param detail what exactly is wrong, in words a user can act on
     */
    public MicrocodeFormatException(Code code, String source, long offset, int updateIndex, String detail) {
        super(message(code, source, offset, updateIndex, detail));
        this.code = Objects.requireNonNull(code, "code");
        this.source = Objects.requireNonNull(source, "source");
        this.offset = offset;
        this.updateIndex = updateIndex;
    }

    private static String message(Code code, String source, long offset, int updateIndex, String detail) {
        String where = updateIndex > 0 ? "update " + updateIndex + " at byte offset " + offset : "byte offset " + offset;
        return source + ": " + where + ": " + detail + " [" + code + "]";
    }

    /** Why the file was refused. */
    public Code code() {
        return code;
    }

    /** The file (or name) being read. */
    public String source() {
        return source;
    }

    /** The byte offset of the offending field. */
    public long offset() {
        return offset;
    }

    /** The 1-based index of the update or patch at fault, or 0. */
    public int updateIndex() {
        return updateIndex;
    }
}
