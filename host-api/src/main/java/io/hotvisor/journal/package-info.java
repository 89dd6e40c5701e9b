/**
 * The line format of the host's append-only logs (the livepatch journal, the audit trail): one JSON
 * object per line, each sealed with its own CRC-32 and numbered, so that a torn last line is told
 * apart from damage ({@link io.hotvisor.journal.SealedLines}).
 */
package io.hotvisor.journal;
