/**
 * The API shared by the hypervisor's code and live patches: hook annotations that
 * {@code hvpatch build} records in a payload, and (with the applier) shadow variables.
 */
package io.hotvisor.livepatch.api;
