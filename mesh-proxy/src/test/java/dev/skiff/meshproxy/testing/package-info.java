/**
 * The sidecar tests' helpers: a throwaway CA, a manual ticker, a counting listener, a backend,
 * external clients.
 */
package dev.skiff.meshproxy.testing;
