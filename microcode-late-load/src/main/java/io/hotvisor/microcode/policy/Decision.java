package io.hotvisor.microcode.policy;

import java.util.Objects;

/**
 * What one rule decided about a load.
 *
 * @param rule the rule
 * @param verdict its verdict
 * @param detail one line: what it saw
 */
public record Decision(Rule rule, Verdict verdict, String detail) {

    /** A rule's verdict. */
    public enum Verdict {
        /** Checked and satisfied. */
        PASS,
        /** A file the rule left out (directory loading). */
        SKIP,
        /** Satisfied only by an explicit choice, or loaded with a caution: logged at WARNING. */
        WARN,
        /** Refused: nothing was loaded. */
        REFUSE,
        /** Not applicable to this CPU or mode. */
        NOT_APPLICABLE
    }

    public Decision {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return rule.id() + ": " + verdict.name().toLowerCase(java.util.Locale.ROOT) + ": " + detail;
    }
}
