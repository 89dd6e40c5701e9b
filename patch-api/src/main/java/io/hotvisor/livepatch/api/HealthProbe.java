package io.hotvisor.livepatch.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code public static void} no-argument method of a {@link LivepatchHooks} class as the
 * payload's own health check. The manifest has no field for it: the patch applier finds the
 * annotation in the class file of a class the payload defines. While the health watch after an
 * apply runs, the applier calls the method periodically; throwing means unhealthy, and the
 * payload is reverted automatically with the exception's message as the reason.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface HealthProbe {}
