package dev.skiff.ingress.internal;

import dev.skiff.controlplane.DomainCertificate;
import dev.skiff.gateway.AcmeChallenges;
import dev.skiff.ingress.AcmeSettings;
import dev.skiff.ingress.CertificateIssueException;
import dev.skiff.ingress.spi.CertificateIssuer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeServerException;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * RFC 8555 with acme4j: one account (its key kept by the caller), one order per certificate,
 * HTTP-01 challenges put where the gateway answers them, a new P-256 key per certificate.
 */
public final class Acme4jIssuer implements CertificateIssuer {
  private static final Duration WAIT = Duration.ofSeconds(60);

  static {
    // acme4j makes keys and CSRs with the "BC" provider; appended, so it is the JVM's last choice.
    if (java.security.Security.getProvider("BC") == null) {
      java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
    }
  }

  private final AcmeSettings settings;
  private final KeyPair accountKey;
  private final AcmeChallenges challenges;
  private Login login;

  public Acme4jIssuer(AcmeSettings settings, KeyPair accountKey, AcmeChallenges challenges) {
    this.settings = settings;
    this.accountKey = accountKey;
    this.challenges = challenges;
  }

  /** Makes sure the class (and with it the BC provider) is loaded. */
  public static void init() {}

  /** A new account key pair (P-256). */
  public static KeyPair newAccountKey() {
    return KeyPairUtils.createECKeyPair("secp256r1");
  }

  @Override
  public DomainCertificate issue(String domain) {
    try {
      Order order = login().newOrder().domain(domain).create();
      for (Authorization auth : order.getAuthorizations()) {
        if (auth.getStatus() != Status.VALID) {
          authorize(auth);
        }
      }
      KeyPair domainKey = domainKey();
      order.execute(domainKey);
      Status s = order.waitForCompletion(WAIT);
      if (s != Status.VALID) {
        throw new CertificateIssueException(
            "the order for "
                + domain
                + " ended "
                + s
                + order.getError().map(p -> ": " + reason(p)).orElse(""),
            null);
      }
      List<java.security.cert.X509Certificate> chain = order.getCertificate().getCertificateChain();
      return new DomainCertificate(domain, domainKey.getPrivate(), chain, DomainCertificate.ACME);
    } catch (AcmeServerException e) {
      throw new CertificateIssueException(reason(e.getProblem()), e);
    } catch (AcmeException e) {
      throw new CertificateIssueException("ACME: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CertificateIssueException("interrupted while waiting for the ACME server", e);
    }
  }

  /** A P-256 key made by the JDK's own provider, as the gateway's TLS engine expects. */
  private static KeyPair domainKey() {
    try {
      java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
      g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot make P-256 keys", e);
    }
  }

  private void authorize(Authorization auth) throws AcmeException, InterruptedException {
    Http01Challenge ch =
        auth.findChallenge(Http01Challenge.class)
            .orElseThrow(
                () ->
                    new CertificateIssueException(
                        "the ACME server offers no http-01 challenge for "
                            + auth.getIdentifier().getDomain(),
                        null));
    challenges.put(ch.getToken(), ch.getAuthorization());
    try {
      ch.trigger();
      Status s = auth.waitForCompletion(WAIT);
      if (s != Status.VALID) {
        throw new CertificateIssueException(
            "the http-01 challenge for "
                + auth.getIdentifier().getDomain()
                + " ended "
                + s
                + ch.getError().map(p -> ": " + reason(p)).orElse(""),
            null);
      }
    } finally {
      challenges.remove(ch.getToken());
    }
  }

  private synchronized Login login() throws AcmeException {
    if (login == null) {
      Session session =
          settings.caFile() == null
              ? new Session(settings.directory())
              : new Session(settings.directory(), new TrustingAcmeProvider(sslContext()));
      AccountBuilder b = new AccountBuilder().agreeToTermsOfService().useKeyPair(accountKey);
      if (settings.email() != null) {
        b.addEmail(settings.email());
      }
      login = b.createLogin(session);
    }
    return login;
  }

  private SSLContext sslContext() {
    try (InputStream in = Files.newInputStream(settings.caFile())) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new CertificateIssueException(
            "--acme-ca-file " + settings.caFile() + " holds no PEM certificate", null);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new CertificateIssueException(
          "cannot read --acme-ca-file " + settings.caFile() + ": " + e.getMessage(), e);
    }
  }

  private static String reason(org.shredzone.acme4j.Problem p) {
    return p.getDetail().orElse(p.getTitle().orElse(p.getType().toString()))
        + " ("
        + p.getType()
        + ")";
  }
}
