package io.hotvisor.patch.applier.trampoline;

import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleProxies;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * What woven bytecode calls; nothing else should. Every woven method starts with
 *
 * <pre>
 *   invokedynamic name ()Z                  [Prologue.armed, descriptor]   // anything of the class patched?
 *   ifeq original
 *   invokedynamic name ()Z                  [Prologue.guard, descriptor]   // this method patched?
 *   ifeq original
 *   aload 0; xload 1..n                                                     // receiver and arguments
 *   invokedynamic name (LOwner;args)R       [Prologue.body, descriptor]    // the new body
 *   xreturn
 * original:
 *   nop
 *   ... the method as compiled ...
 * </pre>
 *
 * and a woven class's {@code <clinit>} starts with {@code register(MethodHandles.lookup())}.
 * The bootstraps return the class's armed site and the method's flag and body sites
 * ({@link MethodSites}), which the applier later turns; see {@link Trampolines}.
 *
 * <p>Thread-safety: callable from any thread, as class initialisation and call-site linkage are.
 */
public final class Prologue {
    private static final StackWalker STACK = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final MethodHandle PROXY;

    static {
        try {
            PROXY = MethodHandles.lookup().findStatic(Prologue.class, "proxy",
                    MethodType.methodType(Object.class, Class.class, MethodHandle.class, Object[].class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Prologue() {
    }

    /**
     * Hands a woven class's own full-privilege lookup to the applier, from that class's static
     * initialiser. The lookup is needed to define hidden nestmates of the class; a cross-module
     * {@code privateLookupIn} could not do it, as it lacks MODULE access.
     *
     * @throws IllegalCallerException unless the lookup has full privilege, is the caller's own and
     *                                the caller's class was woven
     */
    public static void register(MethodHandles.Lookup own) {
        Class<?> caller = STACK.getCallerClass();
        if (own.lookupClass() != caller) {
            throw new IllegalCallerException(caller.getName() + " may register only its own lookup, not "
                    + own.lookupClass().getName() + "'s");
        }
        WovenClasses.register(own);
    }

    /**
     * Bootstrap of the first {@code invokedynamic}: the class's call site of type {@code ()Z},
     * constant false while no method of the class is patched (nor about to be).
     */
    public static CallSite armed(MethodHandles.Lookup caller, String name, MethodType type, String descriptor) {
        return WovenClasses.linking(caller).armedSite();
    }

    /**
     * Bootstrap of the second {@code invokedynamic}: a constant call site of type {@code ()Z} that
     * reads the method's own volatile flag.
     */
    public static CallSite guard(MethodHandles.Lookup caller, String name, MethodType type, String descriptor) {
        return WovenClasses.linking(caller).sites(name, descriptor).guard();
    }

    /**
     * Bootstrap of the second {@code invokedynamic}: a call site of the method's type with the
     * receiver first (for an instance method), aimed at the top payload's body while patched.
     */
    public static CallSite body(MethodHandles.Lookup caller, String name, MethodType type, String descriptor) {
        return WovenClasses.linking(caller).sites(name, descriptor).body();
    }

    /**
     * Bootstrap of a lambda whose body lives in a trampoline's hidden class, in place of
     * {@code LambdaMetafactory.metafactory} (same arguments). JDK 17's metafactory cannot link a
     * lambda implemented in a hidden class: its generated class names the implementation's class,
     * which no loader can find by name (JDK-8330467, fixed in JDK 23). The lambda object here is a
     * {@link MethodHandleProxies} instance: slower to call than a metafactory lambda, which is
     * acceptable in a patch and goes away with the next build of the host.
     */
    public static CallSite lambda(MethodHandles.Lookup caller, String name, MethodType factoryType,
                                  MethodType samType, MethodHandle implementation, MethodType instantiatedType) {
        MethodHandle make = MethodHandles.insertArguments(PROXY, 0, factoryType.returnType(),
                        implementation.asType(implementation.type().changeReturnType(instantiatedType.returnType())))
                .asCollector(Object[].class, factoryType.parameterCount())
                .asType(factoryType);
        return new ConstantCallSite(make);
    }

    private static Object proxy(Class<?> functionalInterface, MethodHandle implementation, Object[] captured) {
        MethodHandle bound = captured.length == 0 ? implementation : MethodHandles.insertArguments(implementation, 0, captured);
        return MethodHandleProxies.asInterfaceInstance(functionalInterface, bound);
    }
}
