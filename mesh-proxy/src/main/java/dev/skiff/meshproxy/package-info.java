/**
 * The sidecar mesh proxy (mTLS, authorization, concurrency limits, metrics). Not built yet; it
 * arrives with the mesh issue.
 */
package dev.skiff.meshproxy;
