package io.hotvisor.livepatch.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code public static void} no-argument method of a {@link LivepatchHooks} class as the
 * payload's pre-revert hook. Runs before the rendezvous of a revert; throwing vetoes it and the payload stays applied.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface PreRevert {}
