package io.hotvisor.patch.applier.trampoline;

import java.util.List;

/**
 * A class that trampolines could not carry was handed to redefinition, and the JVM refused it too:
 * the message names what the trampoline refused (per member, with the reason) before what the JVM
 * said, since the first is what a patch author can change. Nothing of the batch was changed.
 */
public final class TrampolineRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    TrampolineRefusedException(List<Refusal> refusals, Throwable jvm) {
        super("trampolines cannot carry " + refusals + ", and redefinition failed too ("
                + jvm.getClass().getSimpleName() + (jvm.getMessage() == null ? "" : ": " + jvm.getMessage()) + ")", jvm);
    }
}
