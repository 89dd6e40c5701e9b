package io.hotvisor.livepatch.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code public static void} no-argument method of a {@link LivepatchHooks} class as the
 * payload's post-revert hook. Runs after the pCPUs are released following a revert.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface PostRevert {}
