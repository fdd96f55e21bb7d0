/** Who may call the REST API: tokens, roles, and the checks every request passes first. */
package dev.skiff.controlplane.internal.auth;
