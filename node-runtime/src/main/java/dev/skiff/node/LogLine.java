package dev.skiff.node;

import java.time.Instant;

/**
 * One line an instance wrote.
 *
 * @param time when the node received it
 * @param revision the revision that wrote it
 * @param instance the instance that wrote it
 * @param stream {@code stdout} or {@code stderr}
 * @param line the text, without its terminator
 */
public record LogLine(Instant time, String revision, String instance, String stream, String line) {}
