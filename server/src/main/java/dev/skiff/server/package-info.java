/** {@code skiffd}: wires Skiff's components together in one JVM. */
package dev.skiff.server;
