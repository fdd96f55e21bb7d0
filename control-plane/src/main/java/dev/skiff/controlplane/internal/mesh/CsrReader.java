package dev.skiff.controlplane.internal.mesh;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.controlplane.CertificateRequestException;
import java.io.IOException;
import java.io.StringReader;
import java.security.PublicKey;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Reads a PKCS#10 request and keeps only its public key: it must be ECDSA P-256 and the request
 * must be signed by that key (proof that the requester holds it). The subject is ignored; a
 * requested subject alternative name other than the identity the CA decided on is refused, so a
 * requester cannot believe it got an identity it did not get. Every refusal is a 422 on field
 * {@code csr}.
 */
public final class CsrReader {
  /** Larger than any P-256 request with a few SANs; bigger bodies are not requests we sign. */
  public static final int MAX_PEM_CHARS = 8192;

  private CsrReader() {}

  /** The request's public key, once every check passed. */
  public static PublicKey publicKey(String pem, SpiffeId decided) {
    if (pem == null || pem.isBlank()) {
      throw refused("is missing", "send a PEM PKCS#10 request (BEGIN CERTIFICATE REQUEST)");
    }
    if (pem.length() > MAX_PEM_CHARS) {
      throw refused(
          "is " + pem.length() + " characters, more than " + MAX_PEM_CHARS,
          "send one P-256 certificate request");
    }
    PKCS10CertificationRequest csr = parse(pem);
    SubjectPublicKeyInfo spki = csr.getSubjectPublicKeyInfo();
    if (!isP256(spki)) {
      throw refused(
          "has a "
              + describe(spki)
              + " key; the mesh issues certificates for ECDSA P-256 keys only",
          "generate the key with ECDSA on curve P-256 (secp256r1, prime256v1), e.g."
              + " openssl ecparam -name prime256v1 -genkey");
    }
    PublicKey key;
    try {
      key = new JcaPEMKeyConverter().getPublicKey(spki);
    } catch (IOException e) {
      throw refused("has an unreadable public key: " + e.getMessage(), "generate a new request");
    }
    try {
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw refused(
            "is not signed by the key it carries",
            "sign the request with the private key whose public key it holds");
      }
    } catch (CertificateRequestException e) {
      throw e;
    } catch (Exception e) {
      throw refused(
          "has a signature that cannot be checked: " + e.getMessage(),
          "sign it with SHA256withECDSA");
    }
    checkRequestedNames(csr, decided);
    return key;
  }

  private static PKCS10CertificationRequest parse(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      if (o instanceof PKCS10CertificationRequest csr) {
        return csr;
      }
      throw refused(
          o == null
              ? "holds no PEM block"
              : "holds a " + o.getClass().getSimpleName() + ", not a certificate request",
          "send a PEM PKCS#10 request (-----BEGIN CERTIFICATE REQUEST-----)");
    } catch (IOException | RuntimeException e) {
      if (e instanceof CertificateRequestException ire) {
        throw ire;
      }
      throw refused(
          "is not a readable PEM certificate request: " + e.getMessage(),
          "send a PEM PKCS#10 request (-----BEGIN CERTIFICATE REQUEST-----)");
    }
  }

  private static boolean isP256(SubjectPublicKeyInfo spki) {
    return spki.getAlgorithm().getAlgorithm().equals(X9ObjectIdentifiers.id_ecPublicKey)
        && spki.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier curve
        && curve.equals(X9ObjectIdentifiers.prime256v1);
  }

  private static String describe(SubjectPublicKeyInfo spki) {
    ASN1ObjectIdentifier alg = spki.getAlgorithm().getAlgorithm();
    if (alg.equals(PKCSObjectIdentifiers.rsaEncryption)) {
      return "RSA";
    }
    if (alg.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
      return "EC (curve "
          + (spki.getAlgorithm().getParameters() instanceof ASN1ObjectIdentifier c
              ? c.getId()
              : "given by explicit parameters")
          + ")";
    }
    return "algorithm " + alg.getId();
  }

  private static void checkRequestedNames(PKCS10CertificationRequest csr, SpiffeId decided) {
    for (Attribute a : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      GeneralNames names;
      try {
        names =
            GeneralNames.fromExtensions(
                Extensions.getInstance(a.getAttrValues().getObjectAt(0)),
                org.bouncycastle.asn1.x509.Extension.subjectAlternativeName);
      } catch (RuntimeException e) {
        throw refused(
            "has unreadable requested extensions", "request no extensions; the CA sets them");
      }
      if (names == null) {
        continue;
      }
      for (GeneralName n : names.getNames()) {
        boolean same =
            n.getTagNo() == GeneralName.uniformResourceIdentifier
                && n.getName().toString().equals(decided.uri());
        if (!same) {
          throw refused(
              "asks for the name '"
                  + n.getName()
                  + "', but this request is for "
                  + decided.uri()
                  + ": the CA decides the identity from the request's fields and the caller's"
                  + " token",
              "leave subject alternative names out of the request (or ask for exactly "
                  + decided.uri()
                  + ")");
        }
      }
    }
  }

  private static CertificateRequestException refused(String message, String hint) {
    return new CertificateRequestException("csr", message, hint);
  }
}
