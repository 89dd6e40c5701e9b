package io.hotvisor.patch.applier.trampoline;

import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandle;
import java.util.Map;

import static io.hotvisor.patch.applier.trampoline.Fixture.CHILD;
import static io.hotvisor.patch.applier.trampoline.Fixture.GREETER;
import static io.hotvisor.patch.applier.trampoline.Fixture.call;
import static io.hotvisor.patch.applier.trampoline.Fixture.newInstance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrampolinesTest {
    private Trampolines trampolines;
    private WovenLoader bundle;
    private Class<?> greeter;

    @BeforeEach
    void wovenBundle() {
        trampolines = new Trampolines(ByteBuddyAgent.install());
        bundle = new WovenLoader(Fixture.base(), true);
        greeter = bundle.load(GREETER);
    }

    private Prepared prepare(String head, String className) {
        Class<?> type = bundle.load(className);
        return trampolines.prepare(head, Map.of(type, Fixture.head(head, className)));
    }

    @Test
    void literalFixRunsAfterTheFlip() {
        Object g = newInstance(greeter, "ada");
        Prepared fix = prepare("literal", GREETER);

        assertThat(call(g, "greet")).isEqualTo("hello ada");
        trampolines.push(fix).apply();

        assertThat(fix.refusals()).isEmpty();
        assertThat(fix.methods()).isEqualTo(1);
        assertThat(call(g, "greet")).isEqualTo("hi ada");
        assertThat(call(g, "calls")).isEqualTo(2);
    }

    @Test
    void revertFlipsBackToTheOriginalCode() {
        Object g = newInstance(greeter, "ada");
        Prepared fix = prepare("literal", GREETER);
        trampolines.push(fix).apply();

        trampolines.pop(fix).apply();

        assertThat(call(g, "greet")).isEqualTo("hello ada");
        assertThat(trampolines.stack()).isEmpty();
    }

    @Test
    void aClassIsArmedOnlyWhileSomethingOfItIsPatchedOrAboutToBe() {
        Object g = newInstance(greeter, "ada");
        WovenClasses.State state = WovenClasses.of(greeter);
        Prepared fix = prepare("literal", GREETER);
        assertThat(state.armed()).isFalse();

        trampolines.arm(fix);
        assertThat(state.armed()).isTrue();
        assertThat(call(g, "greet")).isEqualTo("hello ada");
        trampolines.settle();
        assertThat(state.armed()).isFalse();

        trampolines.push(fix).apply();
        trampolines.settle();
        assertThat(state.armed()).isTrue();
        assertThat(call(g, "greet")).isEqualTo("hi ada");

        trampolines.pop(fix).apply();
        assertThat(call(g, "greet")).isEqualTo("hello ada");
        trampolines.settle();
        assertThat(state.armed()).isFalse();
        for (MethodSites site : state.allSites()) {
            assertThat(site.patched()).isFalse();
            assertThat(site.body().getTarget()).isSameAs(site.original());
        }
        assertThat(call(g, "greet")).isEqualTo("hello ada");
    }

    @Test
    void aRevertOnlyClearsTheFlagAndAReapplyBeforeSettlingReusesTheBodySite() {
        Object g = newInstance(greeter, "ada");
        Prepared fix = prepare("literal", GREETER);
        trampolines.push(fix).apply();
        MethodSites greet = WovenClasses.of(greeter).sites("greet", "()Ljava/lang/String;");
        MethodHandle body = greet.body().getTarget();
        assertThat(body).isNotSameAs(greet.original());

        trampolines.pop(fix).apply();
        assertThat(greet.patched()).isFalse();
        assertThat(greet.body().getTarget()).isSameAs(body);
        assertThat(call(g, "greet")).isEqualTo("hello ada");

        trampolines.push(fix).apply();
        assertThat(greet.patched()).isTrue();
        assertThat(greet.body().getTarget()).isSameAs(body);
        assertThat(call(g, "greet")).isEqualTo("hi ada");
    }

    @Test
    void rollbackUndoesAnAppliedFlip() {
        Object g = newInstance(greeter, "ada");
        Flip flip = trampolines.push(prepare("literal", GREETER));
        flip.apply();

        flip.rollback();

        assertThat(call(g, "greet")).isEqualTo("hello ada");
        assertThat(trampolines.stack()).isEmpty();
    }

    @Test
    void newPrivateHelperAndNewLambdaAreCarried() {
        Object g = newInstance(greeter, "ada");
        Prepared fix = prepare("helper-and-lambda", GREETER);

        trampolines.push(fix).apply();

        assertThat(fix.refusals()).isEmpty();
        assertThat(call(g, "greet")).isEqualTo("[dear ada#1]");
        assertThat(call(greeter, "twice", 5)).isEqualTo(16);
    }

    @Test
    void patchedPrivateMethodIsReachedThroughItsCallers() {
        Object g = newInstance(greeter, "ada");

        trampolines.push(prepare("private-method", GREETER)).apply();

        assertThat(call(g, "shout")).isEqualTo("T:ADA");
    }

    @Test
    void wideArgumentsReachTheNewBody() {
        Object g = newInstance(greeter, "ada");

        trampolines.push(prepare("wide-arguments", GREETER)).apply();

        assertThat(call(g, "sum", 3L, 4, 5.5d)).isEqualTo(17L);
    }

    @Test
    void stackedPayloadsFlipToTheTopAndBackDown() {
        Object g = newInstance(greeter, "ada");
        Prepared first = prepare("literal", GREETER);
        Prepared second = prepare("helper-and-lambda", GREETER);
        trampolines.push(first).apply();
        trampolines.push(second).apply();
        assertThat(call(g, "greet")).isEqualTo("[dear ada#1]");

        trampolines.pop(second).apply();
        assertThat(call(g, "greet")).isEqualTo("hi ada");
        assertThat(call(greeter, "twice", 5)).isEqualTo(10);

        trampolines.pop(first).apply();
        assertThat(call(g, "greet")).isEqualTo("hello ada");
    }

    @Test
    void onlyTheTopPayloadCanBeReverted() {
        Prepared first = prepare("literal", GREETER);
        trampolines.push(first).apply();
        trampolines.push(prepare("private-method", GREETER)).apply();

        assertThatThrownBy(() -> trampolines.pop(first)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not the top");
    }

    @Test
    void replaceFlipsAtomicallyToTheCumulativeSet() {
        Object g = newInstance(greeter, "ada");
        trampolines.push(prepare("literal", GREETER)).apply();
        trampolines.push(prepare("private-method", GREETER)).apply();

        trampolines.replace(prepare("helper-and-lambda", GREETER)).apply();

        assertThat(trampolines.stack()).containsExactly("helper-and-lambda");
        assertThat(call(g, "greet")).isEqualTo("[dear ada#1]");
        assertThat(call(g, "shout")).isEqualTo("S:ADA");
    }

    @Test
    void aFlipMadeBeforeAnotherWasAppliedIsRefused() {
        Flip stale = trampolines.push(prepare("literal", GREETER));
        trampolines.push(prepare("private-method", GREETER)).apply();

        assertThatThrownBy(stale::apply).isInstanceOf(IllegalStateException.class).hasMessageContaining("changed");
    }

    @Test
    void newOverridingMethodIsRefusedWithTheReason() {
        Prepared fix = prepare("overriding-method", CHILD);

        assertThat(fix.carried()).isEmpty();
        assertThat(fix.refusals()).singleElement().hasToString(
                "fx.Child.who()Ljava/lang/String;: a new method overriding fx.Base.who: a trampoline cannot add a virtual method");
    }

    @Test
    void superCallFromNewCodeIsRefused() {
        assertThat(prepare("super-call", CHILD).refusals()).singleElement()
                .hasToString("fx.Child.own()Ljava/lang/String;: calls super.who, which only the class itself can call");
    }

    @Test
    void addedFieldIsRefused() {
        assertThat(prepare("added-field", GREETER).refusals()).singleElement()
                .hasToString("fx.Greeter.more: an added field: a trampoline adds no state (use a shadow variable)");
    }

    @Test
    void addedStaticInitialiserIsRefusedForNothingWouldRunIt() {
        assertThat(prepare("added-static-initialiser", GREETER).refusals()).singleElement()
                .hasToString("fx.Greeter.<clinit>()V: an added static initialiser (it would never run)");
    }

    @Test
    void changedConstructorIsRefused() {
        assertThat(prepare("changed-constructor", GREETER).refusals()).singleElement()
                .hasToString("fx.Greeter.<init>(Ljava/lang/String;)V: a changed constructor (constructors have no prologue)");
    }

    @Test
    void classThatWasNotWovenIsRefused() {
        Class<?> plain = new WovenLoader(Fixture.base(), false).load(GREETER);

        Prepared fix = trampolines.prepare("literal", Map.of(plain, Fixture.head("literal", GREETER)));

        assertThat(fix.refusals()).singleElement().extracting(Refusal::member).isEqualTo("class");
    }

    @Test
    void redefinitionKeepsThePrologue() throws Exception {
        // Redefined with woven bytes, the class keeps its call sites: a trampoline still flips it.
        Object g = newInstance(greeter, "ada");
        RewovenRedefiner redefiner = new RewovenRedefiner(batch -> ByteBuddyAgent.install().redefineClasses(
                batch.toArray(new java.lang.instrument.ClassDefinition[0])));
        redefiner.redefine(java.util.List.of(new java.lang.instrument.ClassDefinition(greeter, Fixture.head("private-method", GREETER))));
        assertThat(call(g, "shout")).isEqualTo("T:ADA");

        trampolines.push(prepare("literal", GREETER)).apply();

        assertThat(call(g, "greet")).isEqualTo("hi ada");
    }
}
