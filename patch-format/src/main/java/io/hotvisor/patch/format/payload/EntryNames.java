package io.hotvisor.patch.format.payload;

/**
 * Which ZIP entry names are safe (README, "Container layout"): names that could escape a folder
 * if someone extracted the payload with an ordinary tool, or that display ambiguously, are refused
 * even though this reader never writes entries to disk.
 */
final class EntryNames {
    static final int MAX_NAME_BYTES = 1024;

    private EntryNames() {
    }

    /** Why {@code name} is unsafe, or {@code null} if it is safe. A trailing '/' (a folder) is allowed here. */
    static String problem(String name) {
        if (name.isEmpty()) {
            return "the name is empty";
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (Character.isISOControl(ch)) {
                return "it contains control character U+" + String.format("%04X", (int) ch);
            }
        }
        if (name.indexOf('\\') >= 0) {
            return "it contains a backslash";
        }
        if (name.startsWith("/")) {
            return "it is an absolute path";
        }
        if (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0))) {
            return "it starts with a drive letter";
        }
        String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        for (String segment : body.split("/", -1)) {
            if (segment.equals("..")) {
                return "it contains a '..' segment";
            }
            if (segment.isEmpty() || segment.equals(".")) {
                return "it contains an empty or '.' segment";
            }
        }
        return null;
    }

    /** The name with control characters escaped, short enough for a one-line message. */
    static String printable(String name) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(name.length(), 120);
        for (int i = 0; i < limit; i++) {
            char ch = name.charAt(i);
            out.append(Character.isISOControl(ch) ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
        }
        return name.length() > limit ? out + "..." : out.toString();
    }
}
