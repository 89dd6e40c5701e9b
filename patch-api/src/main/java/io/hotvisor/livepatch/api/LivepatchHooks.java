package io.hotvisor.livepatch.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class that holds a payload's action hooks (Xen's livepatch action hooks; kpatch's
 * callbacks). {@code hvpatch build} finds the class in the change, records each annotated method in
 * the manifest, and ships the class as a new ({@code define}) class of the payload. At most one
 * method per action; each is {@code public static void} with no arguments and signals failure by
 * throwing.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface LivepatchHooks {}
