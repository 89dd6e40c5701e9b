/**
 * The control plane: a UNIX-socket server speaking length-prefixed JSON, the peer-credential check,
 * and the host's own commands ({@code info}, {@code list}, {@code create}, ...). Other subsystems
 * (the livepatch agent, microcode loading) contribute commands of their own.
 */
package io.hotvisor.runtime.control;
