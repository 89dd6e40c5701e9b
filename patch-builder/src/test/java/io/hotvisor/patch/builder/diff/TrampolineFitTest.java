package io.hotvisor.patch.builder.diff;

import static org.assertj.core.api.Assertions.assertThat;

import io.hotvisor.patch.applier.trampoline.Prepared;
import io.hotvisor.patch.applier.trampoline.Refusal;
import io.hotvisor.patch.applier.trampoline.Trampolines;
import io.hotvisor.patch.applier.trampoline.Weaver;
import io.hotvisor.patch.format.LivepatchMechanism;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins {@code hvpatch build --mechanism trampoline} to the host: for each way a patch author might
 * change a class, the builder's classification and its mirror of {@code NestmateBodies}
 * ({@link TrampolineFit}) against what the host's own {@link Trampolines} does with the bytes the
 * builder ships, on classes woven as a trampoline host weaves them. The mirror must say exactly what
 * the host says, member by member; the builder must never let a class add a method the host would
 * not carry; and where both carry the change, the flipped class runs the new code.
 */
class TrampolineFitTest {
    private static final String GREETER = "fx.Greeter";
    private static final String CHILD = "fx.Child";
    private static final String BASE_CLASS = """
            package fx;
            public class Base {
                public String who() { return "base"; }
            }""";
    private static final String CHILD_BASE = """
            package fx;
            public class Child extends Base {
                public String own() { return "child"; }
            }""";
    private static final String GREETER_BASE = """
            package fx;
            public class Greeter {
                private final String name;
                private int calls;
                public Greeter(String name) { this.name = name; }
                public String greet() { calls++; return "hello " + name; }
                public static int twice(int x) { return x * 2; }
                private String secret() { return "s:" + name; }
                public String shout() { return secret().toUpperCase(); }
                public Runnable task() { return () -> calls++; }
                public java.util.function.IntSupplier count() { return () -> calls; }
            }""";
    private static final String COUNT = "public java.util.function.IntSupplier count() { return () -> calls; }";
    private static final String GREET = "public String greet() { calls++; return \"hello \" + name; }";

    /**
     * One change: the class it changes and its new source, whether the host carries it by trampoline,
     * and (when it does) a call and what it must return afterwards.
     */
    record Case(String name, String className, String source, boolean carried, String call, Object expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("body only", GREETER, GREETER_BASE.replace("\"hello \"", "\"hi \""), true, "greet", "hi ada"),
                new Case("private helper, static helper and a new lambda", GREETER, GREETER_BASE.replace(GREET, """
                        public String greet() {
                            calls++;
                            java.util.function.Function<String, String> box = s -> "[" + s + "#" + calls + "]";
                            return box.apply(decorate(name)) + thrice(1);
                        }
                        private String decorate(String s) { return "dear " + s; }
                        private static int thrice(int x) { return 3 * x; }"""), true, "greet", "[dear ada#1]3"),
                new Case("a method reference to a new private method", GREETER, GREETER_BASE.replace(GREET, """
                        public String greet() {
                            java.util.function.Supplier<String> s = this::fresh;
                            return s.get();
                        }
                        private String fresh() { return "fresh " + name; }"""), true, "greet", "fresh ada"),
                new Case("a new public instance method", GREETER, GREETER_BASE.replace(GREET, GREET + "\n    public String extra() { return name; }"),
                        false, null, null),
                new Case("a new method overriding a superclass's", CHILD, CHILD_BASE.replace("public String own()",
                        "public String who() { return \"child\"; }\n    public String own()"), false, null, null),
                new Case("a super call from new code", CHILD, CHILD_BASE.replace("return \"child\";", "return super.who() + \"!\";"),
                        false, null, null),
                new Case("an added field", GREETER, GREETER_BASE.replace("private int calls;", "private int calls;\n    private int more;"),
                        false, null, null),
                new Case("a changed constructor beside a new helper", GREETER, GREETER_BASE
                        .replace("this.name = name;", "this.name = clean(name);")
                        .replace(GREET, GREET + "\n    private static String clean(String s) { return s.strip(); }"), false, null, null),
                new Case("a new synchronized private method", GREETER, GREETER_BASE.replace(GREET,
                        "public String greet() { return locked(); }\n    private synchronized String locked() { return name; }"), false, null, null),
                new Case("a new static initialiser", GREETER, GREETER_BASE.replace("private int calls;",
                        "private int calls;\n    static { System.getProperty(\"fx\"); }"), false, null, null),
                new Case("a new serializable lambda", GREETER, GREETER_BASE.replace(GREET, """
                        public String greet() {
                            java.util.function.Supplier<String> s = (java.util.function.Supplier<String> & java.io.Serializable) () -> name;
                            return s.get();
                        }"""), false, null, null),
                new Case("a new static method whose static form is a changed method's", GREETER, GREETER_BASE
                        .replace("public String shout() { return secret().toUpperCase(); }",
                                "public String shout() { return shout(this); }\n"
                                        + "    private static String shout(Greeter g) { return g.secret().toLowerCase(); }"),
                        false, null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theBuildersVerdictIsTheHosts(Case c) throws Exception {
        Map<String, byte[]> base = base();
        Map<String, String> headSources = new HashMap<>(Map.of("fx.Base", BASE_CLASS, CHILD, CHILD_BASE, GREETER, GREETER_BASE));
        headSources.put(c.className(), c.source());
        Map<String, byte[]> head = compile(headSources);

        List<Verdict> redefine = Classifier.classify(base, head);
        List<Verdict> verdicts = Classifier.classify(base, head, LivepatchMechanism.TRAMPOLINE);
        Verdict v = verdicts.stream().filter(x -> x.className().equals(c.className())).findFirst().orElseThrow();
        // What the classifier refuses itself, it refuses with the redefine mechanism too; what it lets a class add, only a trampoline carries.
        if (v.kind() == Verdict.Kind.REFUSED) {
            assertThat(redefine).filteredOn(x -> x.className().equals(c.className())).singleElement()
                    .satisfies(r -> assertThat(r.kind()).isEqualTo(Verdict.Kind.REFUSED));
        }
        // The bytes the host is given: the builder's (lambdas renamed), or javac's head when the classifier refused the class.
        byte[] shipped = v.bytes() != null ? v.bytes() : head.get(c.className());

        TrampolineFit.Result fit = TrampolineFit.of(base.get(c.className()), shipped);
        WovenLoader loader = new WovenLoader(base);
        Class<?> type = loader.load(c.className());
        Trampolines trampolines = new Trampolines(ByteBuddyAgent.install());
        Prepared prepared = trampolines.prepare(c.name(), Map.of(type, shipped));

        assertThat(fit.refusals()).as("the builder's mirror of NestmateBodies, member by member").isEqualTo(hostRefusals(prepared));
        assertThat(prepared.refusals().isEmpty()).as("carried by the host's trampoline").isEqualTo(c.carried());
        if (v.kind() == Verdict.Kind.REDEFINE && !v.added().isEmpty()) {
            assertThat(v.added()).as("what the classifier lets the class add is new to the running class").isSubsetOf(fit.added());
        }
        boolean builds = v.kind() == Verdict.Kind.REDEFINE && fit.refusals().isEmpty();
        if (builds) {
            assertThat(prepared.refusals()).as("the builder never lets through a class the host would not carry").isEmpty();
        }
        if (c.call() != null) {
            assertThat(builds).as("the builder builds it").isTrue();
            Object g = type.getName().equals(GREETER) ? type.getConstructor(String.class).newInstance("ada") : type.getConstructor().newInstance();
            trampolines.push(prepared).apply();
            Method m = type.getMethod(c.call());
            assertThat(m.invoke(g)).isEqualTo(c.expected());
        }
    }

    /**
     * javac numbers lambdas class-wide, so a lambda added before an existing one in the same method
     * gets the name the existing one runs under: the builder pairs the existing one by its body and
     * ships the new one under another name, so the host copies it as new and never takes it for a new
     * body of the running lambda (whose objects, made before the patch, would then run it).
     */
    @Test
    void aNewLambdaThatJavacNamedLikeARunningOneIsNeverTakenForIt() throws Exception {
        Map<String, byte[]> base = compile(Map.of(GREETER, GREETER_BASE));
        Map<String, byte[]> head = compile(Map.of(GREETER, GREETER_BASE.replace(COUNT, """
                public java.util.function.IntSupplier count() {
                    java.util.function.IntSupplier k = () -> 1000;
                    calls += k.getAsInt() > 0 ? 1 : 0;
                    return () -> calls;
                }""")));
        Verdict v = Classifier.classify(base, head, LivepatchMechanism.TRAMPOLINE).get(0);
        assertThat(v.kind()).as(v.toString()).isEqualTo(Verdict.Kind.REDEFINE);
        assertThat(names(v.added())).containsExactly("lambda$count$1" + LambdaCorrelator.UNPAIRED);
        assertThat(TrampolineFit.of(base.get(GREETER), v.bytes()).refusals()).isEmpty();

        Class<?> type = new WovenLoader(base).load(GREETER);
        Object g = type.getConstructor(String.class).newInstance("ada");
        java.util.function.IntSupplier madeBefore = (java.util.function.IntSupplier) type.getMethod("count").invoke(g);
        Trampolines trampolines = new Trampolines(ByteBuddyAgent.install());
        Prepared prepared = trampolines.prepare("count", Map.of(type, v.bytes()));
        assertThat(prepared.refusals()).isEmpty();
        trampolines.push(prepared).apply();

        java.util.function.IntSupplier madeAfter = (java.util.function.IntSupplier) type.getMethod("count").invoke(g);
        assertThat(madeAfter.getAsInt()).isEqualTo(1);
        assertThat(madeBefore.getAsInt()).as("the lambda made before the patch runs its own body, not the new lambda's").isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void withoutTheTrampolineMechanismNothingIsAdded(Case c) throws Exception {
        Map<String, String> headSources = new HashMap<>(Map.of("fx.Base", BASE_CLASS, CHILD, CHILD_BASE, GREETER, GREETER_BASE));
        headSources.put(c.className(), c.source());
        for (Verdict v : Classifier.classify(base(), compile(headSources))) {
            assertThat(v.added()).isEmpty();
            assertThat(v.changes()).noneMatch(line -> line.contains("carried by a trampoline"));
        }
    }

    private static Map<String, byte[]> baseClasses;

    /** The base build, compiled once. */
    private static synchronized Map<String, byte[]> base() {
        if (baseClasses == null) {
            baseClasses = compile(Map.of("fx.Base", BASE_CLASS, CHILD, CHILD_BASE, GREETER, GREETER_BASE));
        }
        return baseClasses;
    }

    /** The host's refusals as the mirror words them: {@code member: reason}, with a new method's overridden method unnamed. */
    private static List<String> hostRefusals(Prepared prepared) {
        List<String> out = new ArrayList<>();
        for (Refusal r : prepared.refusals()) {
            String reason = r.reason().startsWith("a new method overriding ")
                    ? io.hotvisor.patch.format.TrampolineMembers.NEW_VIRTUAL : r.reason();
            out.add(r.member() + ": " + reason);
        }
        return out;
    }

    /** A patchable bundle's class loader: the given classes woven, as a trampoline host's weaving hook has Felix define them. */
    private static final class WovenLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        WovenLoader(Map<String, byte[]> classes) {
            super("woven-fixture", TrampolineFitTest.class.getClassLoader());
            this.classes = Map.copyOf(classes);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.get(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            byte[] woven = Weaver.weave(this, bytes);
            byte[] defined = woven != null ? woven : bytes;
            return defineClass(name, defined, 0, defined.length);
        }

        Class<?> load(String name) throws ClassNotFoundException {
            return loadClass(name);
        }
    }

    /** Compiles sources (binary name to source) in memory with the running javac, {@code -g} as Maven does; binary name to bytes. */
    static Map<String, byte[]> compile(Map<String, String> sources) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Map<String, ByteArrayOutputStream> out = new LinkedHashMap<>();
        List<JavaFileObject> units = new ArrayList<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            units.add(new SimpleJavaFileObject(URI.create("string:///" + e.getKey().replace('.', '/') + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return e.getValue();
                }
            });
        }
        StandardJavaFileManager standard = javac.getStandardFileManager(null, null, null);
        ForwardingJavaFileManager<StandardJavaFileManager> files = new ForwardingJavaFileManager<>(standard) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + ".class"), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return out.computeIfAbsent(className, k -> new ByteArrayOutputStream());
                    }
                };
            }
        };
        java.io.StringWriter errors = new java.io.StringWriter();
        boolean ok = javac.getTask(errors, files, null, List.of("-g", "--release", "17", "-XDuseUnsharedTable=true"), null, units).call();
        if (!ok) {
            throw new IllegalStateException("fixture does not compile:\n" + errors);
        }
        Map<String, byte[]> classes = new java.util.TreeMap<>();
        out.forEach((name, bytes) -> classes.put(name, bytes.toByteArray()));
        return classes;
    }

    /** The names of methods a set of keys covers, for messages. */
    static Set<String> names(Set<String> keys) {
        Set<String> out = new TreeSet<>();
        keys.forEach(k -> out.add(k.substring(0, k.indexOf('('))));
        return out;
    }
}
