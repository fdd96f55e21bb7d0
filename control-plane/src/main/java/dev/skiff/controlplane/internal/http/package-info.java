/** The REST API on Vert.x Web: routes, body limits, request metrics and the one error mapping. */
package dev.skiff.controlplane.internal.http;
