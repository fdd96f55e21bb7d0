package dev.skiff.cli.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;

/**
 * An answer body read line by line as the server sends it; {@link #next} returns a line as soon as
 * its newline arrives, without waiting for the end of the answer. Used by one thread.
 */
public final class LineStream implements AutoCloseable {
  private final HttpURLConnection connection;
  private final BufferedReader reader;
  private final String server;

  LineStream(HttpURLConnection connection, InputStream body, String server) {
    this.connection = connection;
    this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    this.server = server;
  }

  /**
   * The next line without its terminator, blocking until one arrives; null once the server ended
   * the answer.
   *
   * @throws CliException when the connection broke before the answer ended
   */
  public String next() {
    try {
      return reader.readLine();
    } catch (IOException e) {
      throw new CliException(
          "the connection to " + server + " broke before the answer ended: " + e.getMessage(),
          "run the command again; if it keeps happening, check the control plane's log");
    }
  }

  /** Drops the connection; an answer still open (a follow) ends here. */
  @Override
  public void close() {
    connection.disconnect();
  }
}
