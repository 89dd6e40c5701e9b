package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.health.HealthCheck;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.ClassKind;
import io.hotvisor.patch.format.manifest.Hook;
import io.hotvisor.patch.format.manifest.HookPhase;
import org.objectweb.asm.AnnotationVisitor;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A payload's hooks (Xen's action hooks) and health probes, resolved to methods and run with their
 * time bounds. Pre-hooks veto an action by throwing; post-hooks run after the pCPUs resume and can
 * undo nothing, so their failure is only recorded on the payload; in-window hooks are run by the
 * {@link Window}.
 */
final class PayloadHooks {
    private static final String HEALTH_PROBE = "Lio/hotvisor/livepatch/api/HealthProbe;";

    private final ClassRecord record;
    private final ClassLocator locator;
    private final HookRunner runner;
    private final PayloadTable table;
    private final Events events;
    private final Duration timeout;

    PayloadHooks(ClassRecord record, ClassLocator locator, HookRunner runner, PayloadTable table, Events events,
                 Duration timeout) {
        this.record = record;
        this.locator = locator;
        this.runner = runner;
        this.table = table;
        this.events = events;
        this.timeout = timeout;
    }

    /** The payload's hooks by phase. @throws LivepatchException HOOK_FAILED when one cannot be found */
    Map<HookPhase, HookRunner.Call> resolve(PayloadTable.Entry e) throws LivepatchException {
        Map<HookPhase, HookRunner.Call> out = new HashMap<>();
        for (Hook h : e.manifest().hooks()) {
            out.put(h.phase(), new HookRunner.Call(h.phase().jsonName(), method(e, h)));
        }
        return out;
    }

    /** The in-window hook of {@code phase}, as the window's list (empty when there is none). */
    static List<HookRunner.Call> inWindow(Map<HookPhase, HookRunner.Call> calls, HookPhase phase) {
        HookRunner.Call call = calls.get(phase);
        return call == null ? List.of() : List.of(call);
    }

    /** Runs a pre-hook. @throws LivepatchException HOOK_FAILED: the hook vetoed, nothing changed */
    void runPre(PayloadTable.Entry e, HookRunner.Call call, String action) throws LivepatchException {
        if (call == null) {
            return;
        }
        try {
            runner.run(call, timeout);
        } catch (HookRunner.Failure f) {
            throw new LivepatchException(ErrorCode.HOOK_FAILED, action + " " + e.name() + " vetoed: " + f.getMessage()
                    + "; nothing was changed", f.getCause());
        }
    }

    /** Runs a post-hook; a failure goes into {@code notes} and onto the payload, undoing nothing. */
    void runPost(PayloadTable.Entry e, HookRunner.Call call, List<String> notes) {
        if (call == null) {
            return;
        }
        try {
            runner.run(call, timeout);
        } catch (HookRunner.Failure f) {
            String msg = f.getMessage() + " (after the action; nothing was undone)";
            notes.add(msg);
            table.failed(e, ErrorCode.HOOK_FAILED + ": " + msg);
            events.warning(e.name(), msg);
        }
    }

    /** The payload's {@code @HealthProbe} methods as health checks of its watch. */
    List<HealthCheck> probes(PayloadTable.Entry e) {
        List<HealthCheck> out = new ArrayList<>();
        for (ClassEntry c : e.manifest().classes()) {
            if (c.kind() != ClassKind.DEFINE) {
                continue;
            }
            Class<?> type = record.definedClass(ClassKey.of(c));
            if (type == null) {
                continue;
            }
            for (String method : annotatedMethods(e.payload().classBytes(c))) {
                try {
                    Method m = type.getDeclaredMethod(method);
                    if (Modifier.isStatic(m.getModifiers())) {
                        m.setAccessible(true);
                        out.add(probe(new HookRunner.Call("health probe", m)));
                    }
                } catch (NoSuchMethodException | RuntimeException x) {
                    events.warning(e.name(), "health probe " + c.className() + "." + method + " cannot be called: " + x);
                }
            }
        }
        return out;
    }

    private HealthCheck probe(HookRunner.Call call) {
        return () -> {
            try {
                runner.run(call, timeout);
                return HealthCheck.Result.healthy();
            } catch (HookRunner.Failure f) {
                return HealthCheck.Result.failed(f.getMessage());
            }
        };
    }

    private Method method(PayloadTable.Entry e, Hook h) throws LivepatchException {
        Class<?> type = null;
        for (Map.Entry<ClassKey, Class<?>> d : record.definedClasses().entrySet()) {
            if (d.getKey().bundle().equals(h.bundle()) && d.getKey().className().equals(h.className())) {
                type = d.getValue();
            }
        }
        try {
            if (type == null) {
                ClassLoader loader = locator.loader(h.bundle(), null).orElseThrow(() -> new ClassNotFoundException(
                        "bundle " + h.bundle() + " is not installed"));
                type = Class.forName(h.className(), false, loader);
            }
            Method m = type.getDeclaredMethod(h.method());
            if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != void.class) {
                throw new NoSuchMethodException("it is not static void");
            }
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError x) {
            throw new LivepatchException(ErrorCode.HOOK_FAILED, "payload " + e.name() + ": " + h.phase().jsonName()
                    + " hook " + h.className() + "." + h.method() + "() cannot be found: " + x.getMessage()
                    + "; a hook is a static void method without arguments", x);
        }
    }

    private static List<String> annotatedMethods(byte[] classFile) {
        List<String> found = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if (!"()V".equals(descriptor)) {
                    return null;
                }
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public AnnotationVisitor visitAnnotation(String desc, boolean visible) {
                        if (HEALTH_PROBE.equals(desc)) {
                            found.add(name);
                        }
                        return null;
                    }
                };
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return found;
    }
}
