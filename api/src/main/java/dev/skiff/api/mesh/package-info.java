/**
 * Mesh identity on the wire: SPIFFE IDs, the certificate request a sidecar or node agent sends the
 * control plane's CA, and the certificate it gets back.
 */
package dev.skiff.api.mesh;
