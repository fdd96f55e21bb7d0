package dev.skiff.api.mesh;

import java.time.Instant;

/**
 * A certificate the mesh CA issued, as {@code POST /v1/mesh/certificates} answers it and the
 * in-process CA returns it. There is never a private key in it: the requester keeps its own.
 *
 * @param spiffeId the identity in the certificate's URI SAN
 * @param certificateChain PEM: the leaf, then the intermediate that signed it
 * @param trustBundle PEM: every root a peer's chain may end in (two during a root rotation)
 * @param serial the leaf's serial number, in hex
 */
public record IssuedCertificate(
    String spiffeId,
    String certificateChain,
    String trustBundle,
    Instant notBefore,
    Instant notAfter,
    String serial) {}
