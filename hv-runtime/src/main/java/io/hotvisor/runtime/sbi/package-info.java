/**
 * The hypercall interface: SBI v2.0 (BASE, legacy console, DBCN, TIME, SRST, HSM, IPI) and
 * Hotvisor's vendor extension (domain info and lookup, event channels). All ABI numbers live in
 * {@link io.hotvisor.runtime.sbi.SbiAbi}.
 */
package io.hotvisor.runtime.sbi;
