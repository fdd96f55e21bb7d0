/**
 * The mesh's certificate authority: issues SPIFFE workload and component identities from CSRs,
 * serves the trust bundle, rotates its root (docs/mesh.md).
 */
package dev.skiff.controlplane.mesh;
