/** Guest consoles: each domain's ring of output, and the listeners that copy it to logs and terminals. */
package io.hotvisor.runtime.console;
