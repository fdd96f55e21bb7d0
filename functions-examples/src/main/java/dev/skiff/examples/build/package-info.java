/**
 * Build-time tooling that turns the example sources into Wasm modules (C, WAT) and the container
 * example's OCI image layout (C, linked static).
 */
package dev.skiff.examples.build;
