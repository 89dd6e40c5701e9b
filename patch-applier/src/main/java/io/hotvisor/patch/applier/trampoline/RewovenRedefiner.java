package io.hotvisor.patch.applier.trampoline;

import io.hotvisor.patch.applier.ClassRedefiner;

import java.lang.instrument.ClassDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Redefinition of woven classes for the redefine mechanism: the agent keeps and passes unwoven
 * bytes (expectations, revert and rollback all speak of them), and this weaves them just before
 * the JVM sees them. Without it a redefinition would drop the prologues, and with them every
 * trampoline of the class, and would fail on a class whose weaving added a {@code <clinit>}
 * (a redefinition cannot delete a method).
 *
 * <p>After a successful batch it records each woven class's new unwoven bytes as the code the class
 * runs unpatched, which later trampoline payloads are compared with.
 */
public final class RewovenRedefiner implements ClassRedefiner {
    private final ClassRedefiner next;

    public RewovenRedefiner(ClassRedefiner next) {
        this.next = Objects.requireNonNull(next, "next");
    }

    @Override
    public void redefine(List<ClassDefinition> batch) throws Exception {
        List<ClassDefinition> woven = new ArrayList<>(batch.size());
        for (ClassDefinition d : batch) {
            byte[] bytes = Trampolines.isWoven(d.getDefinitionClass()) ? Weaver.wovenForm(d.getDefinitionClassFile()) : null;
            woven.add(bytes == null ? d : new ClassDefinition(d.getDefinitionClass(), bytes));
        }
        next.redefine(woven);
        for (ClassDefinition d : batch) {
            WovenClasses.State state = WovenClasses.of(d.getDefinitionClass());
            if (state.woven()) {
                state.rebase(d.getDefinitionClassFile());
            }
        }
    }
}
