/**
 * The livepatch journal: an append-only, fsync'ed JSON-lines file in the host's state directory,
 * one record before and one after every action, each line carrying its own CRC-32 so that a
 * record torn by a crash is recognised and ignored; and the replay that tells a restarting host
 * which payloads were uploaded and which were applied, in order.
 */
package io.hotvisor.patch.applier.journal;
