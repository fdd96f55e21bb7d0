/** Build-time tooling that turns the example sources (C, WAT) into Wasm modules. */
package dev.skiff.examples.build;
