/**
 * The activator: holds requests for revisions at zero or short of capacity until instances are ready.
 * Not built yet; it arrives with the scale-to-zero issue. Until then the gateway waits for a revision's
 * endpoints itself.
 */
package dev.skiff.activator;
