package dev.skiff.gateway.internal;

import dev.skiff.gateway.AcmeChallenges;
import dev.skiff.gateway.TlsCertificates;
import dev.skiff.gateway.spi.ActivatorRouting;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import dev.skiff.gateway.spi.LocalActivator;
import dev.skiff.gateway.spi.LocalInstances;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.UpstreamTls;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Locale;

/**
 * The settings of one gateway, as the builder collected them. {@code activator} and {@code
 * activatorRouting} are both null when no activator is configured; {@code localActivator} is null
 * unless the activator runs in this process and is entered there; {@code localInstances} is never
 * null ({@link LocalInstances#NONE} when no instance is entered in process); {@code upstreamTls} is
 * null when every endpoint speaks plaintext. {@code tlsCertificates} is null without an HTTPS
 * listener, {@code acmeChallenges} null when the gateway answers no ACME challenge; {@code
 * publicHttpsPort} is the port redirects to HTTPS name (0: the listener's own). {@code
 * deadPeerTimeout} is how soon a TCP connect or connection whose peer went silent fails.
 */
public record GatewayConfig(
    ProxySettings proxy,
    String domain,
    EndpointSource endpoints,
    MeterRegistry registry,
    Duration coldStartTimeout,
    Endpoint activator,
    ActivatorRouting activatorRouting,
    LocalActivator localActivator,
    LocalInstances localInstances,
    UpstreamTls upstreamTls,
    TlsCertificates tlsCertificates,
    AcmeChallenges acmeChallenges,
    int publicHttpsPort,
    Duration deadPeerTimeout) {

  /**
   * Lower case, without leading or trailing dots: {@code .Example.COM.} becomes {@code
   * example.com}.
   */
  public static String normalizeDomain(String domain) {
    String d = domain.trim().toLowerCase(Locale.ROOT);
    while (d.startsWith(".")) {
      d = d.substring(1);
    }
    while (d.endsWith(".")) {
      d = d.substring(0, d.length() - 1);
    }
    if (d.isEmpty()) {
      throw new IllegalArgumentException("domain must not be empty, e.g. localhost or example.com");
    }
    return d;
  }
}
