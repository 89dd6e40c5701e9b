package io.hotvisor.patch.applier.trampoline;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The classes the trampoline tests patch, compiled at test time in several heads: {@code base} is
 * what runs; each other head changes it in one way a patch author might.
 */
final class Fixture {
    static final String GREETER = "fx.Greeter";
    static final String CHILD = "fx.Child";

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
                public long sum(long a, int b, double c) { return a + b + (long) c; }
                public synchronized int calls() { return calls; }
            }""";

    /** The heads, by name: each maps binary class names to sources (classes not named are as in base). */
    private static final Map<String, Map<String, String>> HEADS = Map.of(
            "literal", Map.of(GREETER, GREETER_BASE.replace("\"hello \"", "\"hi \"")),
            "helper-and-lambda", Map.of(GREETER, GREETER_BASE.replace(
                    "public String greet() { calls++; return \"hello \" + name; }", """
                    public String greet() {
                        calls++;
                        java.util.function.Function<String, String> box = s -> "[" + s + "#" + calls + "]";
                        return box.apply(decorate(name));
                    }
                    private String decorate(String s) { return "dear " + s; }
                    private static int thrice(int x) { return 3 * x; }""")
                    .replace("return x * 2;", "return thrice(x) + 1;")),
            "private-method", Map.of(GREETER, GREETER_BASE.replace("\"s:\"", "\"t:\""))
                    ,
            "wide-arguments", Map.of(GREETER, GREETER_BASE.replace("return a + b + (long) c;", "return a * b + (long) c;")),
            "overriding-method", Map.of(CHILD, CHILD_BASE.replace("public String own()",
                    "public String who() { return \"child\"; }\n    public String own()")),
            "super-call", Map.of(CHILD, CHILD_BASE.replace("return \"child\";", "return super.who() + \"!\";")),
            "added-field", Map.of(GREETER, GREETER_BASE.replace("private int calls;", "private int calls;\n    private int more;")),
            "added-static-initialiser", Map.of(GREETER, GREETER_BASE.replace("private int calls;",
                    "private int calls;\n    static { System.getProperty(\"fx.greeter\"); }")),
            "changed-constructor", Map.of(GREETER, GREETER_BASE.replace("this.name = name;", "this.name = name.strip();")));

    private static Map<String, Map<String, byte[]>> compiled;

    private Fixture() {
    }

    /** Class files of the base. */
    static Map<String, byte[]> base() {
        return all().get("base");
    }

    /** Bytes of one class in one head. */
    static byte[] head(String head, String className) {
        return all().get(head).get(className);
    }

    private static synchronized Map<String, Map<String, byte[]>> all() {
        if (compiled == null) {
            Map<String, String> base = Map.of("fx.Base", BASE_CLASS, CHILD, CHILD_BASE, GREETER, GREETER_BASE);
            compiled = new HashMap<>();
            compiled.put("base", JavaSources.compile(base));
            HEADS.forEach((name, changes) -> {
                Map<String, String> sources = new HashMap<>(base);
                sources.putAll(changes);
                compiled.put(name, JavaSources.compile(sources));
            });
        }
        return compiled;
    }

    /** Calls a public method by name on an instance (or, given a class, a static method). */
    static Object call(Object target, String method, Object... args) {
        Class<?> type = target instanceof Class<?> c ? c : target.getClass();
        Method m = Arrays.stream(type.getMethods()).filter(x -> x.getName().equals(method)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no method " + method));
        try {
            return m.invoke(target instanceof Class<?> ? null : target, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    static Object newInstance(Class<?> type, Object... args) {
        try {
            return type.getConstructors()[0].newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
