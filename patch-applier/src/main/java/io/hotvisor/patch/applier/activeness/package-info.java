/**
 * The activeness check (kpatch's and Ksplice's): which methods a redefinition really changes, and
 * whether any thread's stack holds one of them while every pCPU is parked. A method on a stack
 * keeps running its old code after a redefinition, so a payload that changes it is refused rather
 * than half-applied for that thread.
 */
package io.hotvisor.patch.applier.activeness;
