/** The host: assembling scheduler, rendezvous, hypercalls and domains into a running hypervisor. */
package io.hotvisor.runtime.host;
