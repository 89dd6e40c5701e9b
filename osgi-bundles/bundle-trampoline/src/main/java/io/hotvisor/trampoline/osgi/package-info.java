/**
 * The host side of trampoline mode: the Felix weaving hook that gives the classes of patchable
 * bundles their prologues, registered before those bundles' classes load.
 */
package io.hotvisor.trampoline.osgi;
