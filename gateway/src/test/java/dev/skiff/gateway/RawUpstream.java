package dev.skiff.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A workload written by hand: it reads each connection's first request head, answers it with the
 * same bytes, whatever they are, and closes the connection.
 */
final class RawUpstream implements AutoCloseable {
  private final ServerSocket socket;
  private final Thread serving;
  private final AtomicInteger accepted = new AtomicInteger();

  private RawUpstream(String response) throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    byte[] bytes = response.getBytes(StandardCharsets.ISO_8859_1);
    serving =
        new Thread(
            () -> {
              while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                  accepted.incrementAndGet();
                  readHead(s.getInputStream());
                  OutputStream out = s.getOutputStream();
                  out.write(bytes);
                  out.flush();
                } catch (IOException e) {
                  return; // closed by the test
                }
              }
            },
            "raw-upstream");
    serving.start();
  }

  /** Starts one on loopback answering {@code response} (ISO-8859-1 bytes, sent as they are). */
  static RawUpstream answering(String response) throws IOException {
    return new RawUpstream(response);
  }

  int port() {
    return socket.getLocalPort();
  }

  /** The connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  @Override
  public void close() throws IOException {
    socket.close();
    try {
      serving.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    int b;
    while (matched < 4 && (b = in.read()) >= 0) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }
}
