/** The change feed of resources, as streamed by {@code GET /v1/watch} and delivered in-process. */
package dev.skiff.api.watch;
