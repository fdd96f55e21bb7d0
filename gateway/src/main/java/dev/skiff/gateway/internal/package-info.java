/** The gateway's implementation: route tables, the request pipeline's stages and the proxy. */
package dev.skiff.gateway.internal;
