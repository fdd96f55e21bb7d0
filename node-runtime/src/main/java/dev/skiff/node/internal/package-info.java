/** The node agent's internals: instance supervision and the Wasm backend's HTTP bridge. */
package dev.skiff.node.internal;
