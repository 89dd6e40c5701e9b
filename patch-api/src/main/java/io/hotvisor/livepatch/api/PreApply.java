package io.hotvisor.livepatch.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code public static void} no-argument method of a {@link LivepatchHooks} class as the
 * payload's pre-apply hook. Runs before the rendezvous; throwing vetoes the apply and nothing is changed.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface PreApply {}
