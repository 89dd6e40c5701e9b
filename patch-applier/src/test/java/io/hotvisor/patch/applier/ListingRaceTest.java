package io.hotvisor.patch.applier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A listing must never see the table half-changed: an operator's {@code hvctl livepatch list}
 * runs while an apply defines a payload's new classes inside the window, one after another. Before
 * the payload table owned every change, the window added to a payload's set of defined classes
 * without the lock the listing iterated it under, and listings threw
 * {@link java.util.ConcurrentModificationException} during such an apply.
 */
class ListingRaceTest {
    private static final int NEW_CLASSES = 400;

    @TempDir
    Path state;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(state);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void listingDuringAnApplyThatDefinesManyClassesNeverFails() throws Exception {
        Payloads p = Payloads.named("many-new").redefine("fix.Greeter", "v1", "v2");
        for (int i = 0; i < NEW_CLASSES; i++) {
            p.define("fix.New" + i, emptyClass("fix/New" + i));
        }
        h.agent.upload("many-new", p.bytes());

        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean applying = new AtomicBoolean(true);
        Thread lister = new Thread(() -> {
            while (applying.get()) {
                try {
                    h.agent.list();
                } catch (Throwable t) {
                    failures.add(t);
                    return;
                }
            }
        }, "lister");
        lister.start();
        try {
            h.agent.apply("many-new");
            h.agent.revert("many-new");
        } finally {
            applying.set(false);
            lister.join();
        }
        assertThat(failures).isEmpty();
        assertThat(h.agent.get("many-new").orElseThrow().strandedClasses()).hasSize(NEW_CLASSES);
    }

    private static byte[] emptyClass(String internalName) {
        ClassWriter w = new ClassWriter(0);
        w.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, internalName, null, "java/lang/Object", null);
        w.visitEnd();
        return w.toByteArray();
    }
}
