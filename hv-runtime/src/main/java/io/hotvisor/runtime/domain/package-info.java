/** Domains and their vCPUs: creation from an ELF image, life cycle (pause, shutdown, crash, destroy). */
package io.hotvisor.runtime.domain;
