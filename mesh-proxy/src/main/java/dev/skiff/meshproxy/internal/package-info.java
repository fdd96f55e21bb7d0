/** The sidecar's parts: pipeline stages, the trust manager, CSRs and PEM, metrics. */
package dev.skiff.meshproxy.internal;
