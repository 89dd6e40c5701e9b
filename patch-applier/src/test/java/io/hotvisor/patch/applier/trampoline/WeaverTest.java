package io.hotvisor.patch.applier.trampoline;

import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandles;

import static io.hotvisor.patch.applier.trampoline.Fixture.GREETER;
import static io.hotvisor.patch.applier.trampoline.Fixture.call;
import static io.hotvisor.patch.applier.trampoline.Fixture.newInstance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WeaverTest {
    @Test
    void wovenClassBehavesAsItsUnwovenSelf() {
        Class<?> greeter = new WovenLoader(Fixture.base(), true).load(GREETER);
        Object g = newInstance(greeter, "ada");

        assertThat(call(g, "greet")).isEqualTo("hello ada");
        assertThat(call(g, "shout")).isEqualTo("S:ADA");
        assertThat(call(g, "sum", 1L, 2, 3.5d)).isEqualTo(6L);
        assertThat(call(greeter, "twice", 21)).isEqualTo(42);
        assertThat(call(g, "calls")).isEqualTo(1);
    }

    @Test
    void wovenClassKeepsItsUnwovenBytes() {
        Class<?> greeter = new WovenLoader(Fixture.base(), true).load(GREETER);

        assertThat(Trampolines.isWoven(greeter)).isTrue();
        assertThat(Trampolines.unwovenBytes(greeter)).isEqualTo(Fixture.base().get(GREETER));
    }

    @Test
    void classNotWovenIsSaidSo() {
        Class<?> greeter = new WovenLoader(Fixture.base(), false).load(GREETER);

        assertThat(Trampolines.isWoven(greeter)).isFalse();
        assertThat(Trampolines.unwovenBytes(greeter)).isNull();
    }

    @Test
    void interfacesAreNotWoven() {
        byte[] runnable = JavaSources.compile(java.util.Map.of("fx.Task", "package fx; public interface Task { void run(); }"))
                .get("fx.Task");

        assertThat(Weaver.weave(new ClassLoader() { }, runnable)).isNull();
    }

    @Test
    void aClassThatWasNotWovenCannotRegister() {
        assertThatThrownBy(() -> Prologue.register(MethodHandles.lookup()))
                .isInstanceOf(IllegalCallerException.class)
                .hasMessageContaining("was not woven");
    }

    @Test
    void aClassCannotRegisterAnotherClassesLookup() {
        Class<?> greeter = new WovenLoader(Fixture.base(), true).load(GREETER);

        assertThatThrownBy(() -> Prologue.register(MethodHandles.lookup().in(greeter)))
                .isInstanceOf(IllegalCallerException.class)
                .hasMessageContaining("only its own lookup");
    }
}
