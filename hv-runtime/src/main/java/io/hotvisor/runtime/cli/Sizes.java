package io.hotvisor.runtime.cli;

import java.util.Locale;

/** Parses sizes as operators write them: {@code 16M}, {@code 64MiB}, {@code 1G}, {@code 4096}. */
final class Sizes {
    private Sizes() {}

    static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                default -> { }
            }
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(digits.trim());
            if (v <= 0) throw new NumberFormatException();
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("size '" + text + "' is not a positive size such as 16M, 64MiB or 1G");
        }
    }
}
