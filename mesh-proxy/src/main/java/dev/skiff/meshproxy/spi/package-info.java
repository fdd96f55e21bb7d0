/** What the sidecar needs from its host: a certificate issuer and a ticker for renewals. */
package dev.skiff.meshproxy.spi;
