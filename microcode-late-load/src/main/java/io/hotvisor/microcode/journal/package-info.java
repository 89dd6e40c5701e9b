/**
 * Microcode's own record of late loads: an append-only, checksummed journal in the host's state
 * directory and a copy of each loaded file, so that a restarted host loads the same microcode
 * again before guests start, or refuses to start when it cannot.
 */
package io.hotvisor.microcode.journal;
