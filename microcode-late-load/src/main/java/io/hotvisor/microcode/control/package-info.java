/**
 * The host's microcode control commands, {@code ucode.status} and {@code ucode.load}, which
 * {@code hvctl ucode} calls over the control socket. The host never reads operator paths: hvctl
 * reads the file (or every file of a directory) and sends the bytes, base64 in the JSON request.
 */
package io.hotvisor.microcode.control;
