/** The node agent link's parts: keys and CSRs, client TLS, gRPC calls, backoff. */
package dev.skiff.nodeagent.internal;
