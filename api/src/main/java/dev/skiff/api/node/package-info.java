/**
 * The node protocol's Java side: the generated messages and Vert.x gRPC stubs of {@code
 * skiff/node/v1/node.proto} live in {@code dev.skiff.api.node.v1}; this package maps them to api's
 * records.
 */
package dev.skiff.api.node;
