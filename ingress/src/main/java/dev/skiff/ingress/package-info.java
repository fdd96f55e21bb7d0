/**
 * The gateway's certificates: loaded from the store into the gateway's HTTPS listener, issued and
 * renewed by ACME for domains mapped with {@code tls: auto}, their state in the mapping's status,
 * in events and in metrics.
 */
package dev.skiff.ingress;
