package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.controlplane.ControlPlaneException;
import dev.skiff.controlplane.mesh.MeshCa;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The control plane's own certificate on the node port, {@code spiffe://{td}/skiff/control-plane},
 * issued by the in-process mesh CA from a key made here, and the server TLS built from it: TLS 1.3,
 * a client certificate asked for but not required (a node's first call, Bootstrap, has none yet;
 * every other call is refused without one), checked against the mesh's roots.
 */
public final class PortIdentity {
  private final Vertx vertx;
  private final MeshCa ca;
  private final Duration ttl;
  private final Clock clock;
  private volatile IssuedCertificate current;
  private volatile String keyPem;

  public PortIdentity(Vertx vertx, MeshCa ca, Duration ttl, Clock clock) {
    this.vertx = vertx;
    this.ca = ca;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** Makes a new key and has the CA sign it; completes with the server TLS options to use. */
  public Future<ServerSSLOptions> issue() {
    SpiffeId id = SpiffeId.controlPlane(ca.trustDomain());
    return vertx
        .executeBlocking(
            () -> {
              KeyPair keys = newKeyPair();
              return new KeyAndCsr(pkcs8(keys), csr(id, keys));
            },
            false)
        .compose(
            k ->
                ca.issue(k.csr(), id, ttl)
                    .map(
                        issued -> {
                          this.current = issued;
                          this.keyPem = k.keyPem();
                          return sslOptions();
                        }));
  }

  /** When to issue again: at 70 % of the current certificate's lifetime. */
  public Duration renewIn() {
    IssuedCertificate c = current;
    Instant now = clock.instant();
    long life = Duration.between(c.notBefore(), c.notAfter()).toMillis();
    Instant at = c.notBefore().plusMillis((long) (life * 0.7));
    Duration d = Duration.between(now, at);
    return d.isNegative() ? Duration.ofSeconds(1) : d;
  }

  /** The trust bundle nodes should check this port's certificate against (PEM roots). */
  public String trustBundle() {
    return ca.trustBundle();
  }

  /** The server TLS options for the current certificate. */
  public ServerSSLOptions sslOptions() {
    IssuedCertificate c = current;
    ServerSSLOptions o =
        new ServerSSLOptions()
            .setKeyCertOptions(
                new PemKeyCertOptions()
                    .addCertValue(Buffer.buffer(c.certificateChain()))
                    .addKeyValue(Buffer.buffer(keyPem)))
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.trustBundle())))
            .setClientAuth(ClientAuth.REQUEST);
    o.setEnabledSecureTransportProtocols(java.util.Set.of("TLSv1.3"));
    o.setApplicationLayerProtocols(List.of("h2"));
    return o;
  }

  private record KeyAndCsr(String keyPem, String csr) {}

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new ControlPlaneException("this JVM cannot make EC P-256 keys: " + e, null, e);
    }
  }

  private static String csr(SpiffeId id, KeyPair keys) {
    try {
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
      var req =
          new JcaPKCS10CertificationRequestBuilder(new X500Name(""), keys.getPublic())
              .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      return pem(req);
    } catch (IOException | OperatorCreationException e) {
      throw new ControlPlaneException("could not build a certificate request for " + id, null, e);
    }
  }

  private static String pkcs8(KeyPair keys) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
            .encodeToString(keys.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static String pem(Object o) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new ControlPlaneException("could not write PEM: " + e, null, e);
    }
    return out.toString();
  }
}
