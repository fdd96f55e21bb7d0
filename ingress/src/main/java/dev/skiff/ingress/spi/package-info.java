/** Where the ingress keeps certificates and state, and who issues certificates. */
package dev.skiff.ingress.spi;
