/**
 * The control protocol between a host and its clients ({@code hvctl}, the Ansible modules): the
 * framing, the command names and argument/result keys ({@link io.hotvisor.control.ControlNames}),
 * the command contract subsystems implement, and the error every command reports. The host's
 * server and {@code hvctl} both use this package and nothing else of each other.
 */
package io.hotvisor.control;
