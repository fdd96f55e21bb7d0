/** The ingress's renewal loop, its ACME client and its metrics. */
package dev.skiff.ingress.internal;
