/** The mesh CA's internals: certificate and CSR work with BouncyCastle, and its stored state. */
package dev.skiff.controlplane.internal.mesh;
