package io.hotvisor.patch.applier.trampoline;

import io.hotvisor.patch.applier.ActionReport;
import io.hotvisor.patch.applier.ClassRedefiner;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;

import static io.hotvisor.patch.applier.trampoline.Fixture.CHILD;
import static io.hotvisor.patch.applier.trampoline.Fixture.GREETER;
import static io.hotvisor.patch.applier.trampoline.Fixture.call;
import static io.hotvisor.patch.applier.trampoline.Fixture.newInstance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrampolineRedefinerTest {
    private final Instrumentation instrumentation = ByteBuddyAgent.install();
    private final List<Class<?>> redefinedByJvm = new ArrayList<>();
    private TrampolineRedefiner redefiner;
    private Class<?> greeter;
    private Class<?> child;
    private Object g;

    @BeforeEach
    void wovenBundle() {
        WovenLoader bundle = new WovenLoader(Fixture.base(), true);
        greeter = bundle.load(GREETER);
        child = bundle.load(CHILD);
        g = newInstance(greeter, "ada");
        ClassRedefiner jvm = batch -> {
            batch.forEach(d -> redefinedByJvm.add(d.getDefinitionClass()));
            instrumentation.redefineClasses(batch.toArray(new ClassDefinition[0]));
        };
        redefiner = new TrampolineRedefiner(new Trampolines(instrumentation), new RewovenRedefiner(jvm));
    }

    private ClassDefinition to(Class<?> type, String head) {
        return new ClassDefinition(type, head.equals("base") ? Fixture.base().get(type.getName()) : Fixture.head(head, type.getName()));
    }

    @Test
    void carriedClassIsFlippedNotRedefined() throws Exception {
        List<ClassDefinition> batch = List.of(to(greeter, "literal"));

        redefiner.prepare(batch);
        redefiner.redefine(batch);

        assertThat(call(g, "greet")).isEqualTo("hi ada");
        assertThat(redefinedByJvm).isEmpty();
        assertThat(redefiner.lastMechanism()).isEqualTo(ActionReport.TRAMPOLINE);
    }

    @Test
    void backToItsOwnBytesFlipsTheClassBack() throws Exception {
        redefiner.redefine(List.of(to(greeter, "literal")));

        redefiner.redefine(List.of(to(greeter, "base")));

        assertThat(call(g, "greet")).isEqualTo("hello ada");
        assertThat(redefinedByJvm).isEmpty();
        assertThat(redefiner.lastMechanism()).isEqualTo(ActionReport.TRAMPOLINE);
    }

    @Test
    void stackedBytesFlipUpAndBackDown() throws Exception {
        redefiner.redefine(List.of(to(greeter, "literal")));
        redefiner.redefine(List.of(to(greeter, "helper-and-lambda")));
        assertThat(call(g, "greet")).isEqualTo("[dear ada#1]");

        redefiner.redefine(List.of(to(greeter, "literal")));

        assertThat(call(g, "greet")).isEqualTo("hi ada");
        assertThat(call(greeter, "twice", 5)).isEqualTo(10);
    }

    @Test
    void mixedBatchTrampolinesOneClassAndRedefinesTheOtherInOneCall() throws Exception {
        List<ClassDefinition> batch = List.of(to(greeter, "literal"), to(child, "super-call"));

        redefiner.redefine(batch);

        assertThat(call(g, "greet")).isEqualTo("hi ada");
        assertThat(call(newInstance(child), "own")).isEqualTo("base!");
        assertThat(redefinedByJvm).containsExactly(child);
        assertThat(redefiner.lastRefusals()).singleElement().extracting(Refusal::className).isEqualTo(CHILD);
        assertThat(redefiner.lastMechanism()).isEqualTo(ActionReport.MIXED);
    }

    @Test
    void aBatchOfClassesNoTrampolineCarriesIsReportedAsRedefinition() throws Exception {
        redefiner.redefine(List.of(to(child, "super-call")));

        assertThat(redefinedByJvm).containsExactly(child);
        assertThat(redefiner.lastMechanism()).isEqualTo(ActionReport.REDEFINE);
    }

    @Test
    void aRefusedRedefinitionFlipsNothing() {
        TrampolineRedefiner failing = new TrampolineRedefiner(new Trampolines(instrumentation), batch -> {
            throw new UnsupportedOperationException("class redefinition failed");
        });

        assertThatThrownBy(() -> failing.redefine(List.of(to(greeter, "literal"), to(child, "super-call"))))
                .isInstanceOf(TrampolineRefusedException.class)
                .hasMessageContaining(CHILD).hasMessageContaining("calls super.")
                .hasMessageContaining("UnsupportedOperationException: class redefinition failed")
                .hasCauseInstanceOf(UnsupportedOperationException.class);

        assertThat(call(g, "greet")).isEqualTo("hello ada");
    }
}
