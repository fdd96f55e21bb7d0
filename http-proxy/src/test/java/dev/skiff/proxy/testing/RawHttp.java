package dev.skiff.proxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A client that writes raw bytes to a server over a plain socket, for what no well-behaved HTTP
 * client sends (smuggling attempts, duplicate headers, bare LFs), and reads what comes back until
 * the server closes the connection or goes quiet.
 */
public final class RawHttp implements AutoCloseable {
  /** What the server sent, and whether it closed the connection afterwards. */
  public record Reply(String text, boolean closed) {
    /** The status code of the first response; -1 when nothing came. */
    public int status() {
      if (!text.startsWith("HTTP/1.")) {
        return -1;
      }
      return Integer.parseInt(text.substring(9, 12));
    }

    /** How many responses (status lines) the server sent. */
    public int responses() {
      int n = 0;
      for (int i = text.indexOf("HTTP/1."); i >= 0; i = text.indexOf("HTTP/1.", i + 1)) {
        if (i == 0 || text.charAt(i - 1) == '\n') {
          n++;
        }
      }
      return n;
    }
  }

  private final Socket socket;

  private RawHttp(Socket socket) {
    this.socket = socket;
  }

  /** Connects to {@code 127.0.0.1:port}. */
  public static RawHttp connect(int port) {
    return connect(port, "127.0.0.1");
  }

  /** Connects to {@code 127.0.0.1:port} from the local address {@code from}, e.g. 127.0.0.2. */
  public static RawHttp connect(int port, String from) {
    try {
      Socket s = new Socket();
      s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      return new RawHttp(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Connects to {@code 127.0.0.1:port} over TLS, naming {@code sni}, offering only http/1.1 by ALPN
   * and trusting any certificate (the bytes after the handshake are what these tests are about).
   */
  public static RawHttp connectTls(int port, String sni) {
    try {
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, new javax.net.ssl.TrustManager[] {new TrustAll()}, null);
      javax.net.ssl.SSLSocket s =
          (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
      javax.net.ssl.SSLParameters params = s.getSSLParameters();
      params.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(sni)));
      params.setApplicationProtocols(new String[] {"http/1.1"});
      s.setSSLParameters(params);
      s.startHandshake();
      return new RawHttp(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Trusts every server: raw-bytes tests check framing, not certificates. */
  private static final class TrustAll extends javax.net.ssl.X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(
        java.security.cert.X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(
        java.security.cert.X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(
        java.security.cert.X509Certificate[] chain,
        String authType,
        javax.net.ssl.SSLEngine engine) {}

    @Override
    public void checkServerTrusted(
        java.security.cert.X509Certificate[] chain,
        String authType,
        javax.net.ssl.SSLEngine engine) {}

    @Override
    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  }

  /** Writes {@code request} as ISO-8859-1 bytes. */
  public RawHttp send(String request) {
    try {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads until the server closes the connection, or until it sent nothing for {@code quietMillis}
   * (then {@link Reply#closed} is false).
   */
  public Reply read(int quietMillis) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      socket.setSoTimeout(quietMillis);
      InputStream in = socket.getInputStream();
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (SocketTimeoutException e) {
          return new Reply(out.toString(StandardCharsets.ISO_8859_1), false);
        } catch (IOException e) { // reset by the server
          return new Reply(out.toString(StandardCharsets.ISO_8859_1), true);
        }
        if (n < 0) {
          return new Reply(out.toString(StandardCharsets.ISO_8859_1), true);
        }
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads a reply the server owes: waits up to 30 s for its first byte (a loaded machine may take
   * seconds to answer), then reads as {@link #read} does, until the server closes the connection or
   * sends nothing more for {@code quietMillis}.
   */
  public Reply reply(int quietMillis) {
    try {
      socket.setSoTimeout(30_000);
      InputStream in = socket.getInputStream();
      int first;
      try {
        first = in.read();
      } catch (SocketTimeoutException e) {
        return new Reply("", false);
      } catch (IOException e) { // reset by the server
        return new Reply("", true);
      }
      if (first < 0) {
        return new Reply("", true);
      }
      Reply rest = read(quietMillis);
      return new Reply((char) first + rest.text(), rest.closed());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads until what came contains {@code marker} (the end of an expected body, say), the server
   * closes the connection, or {@code maxMillis} pass.
   */
  public Reply readUntil(String marker, int maxMillis) {
    StringBuilder text = new StringBuilder();
    long deadline = System.nanoTime() + maxMillis * 1_000_000L;
    while (System.nanoTime() < deadline) {
      Reply part = read(50);
      text.append(part.text());
      if (part.closed() || text.indexOf(marker) >= 0) {
        return new Reply(text.toString(), part.closed());
      }
    }
    return new Reply(text.toString(), false);
  }

  /** Sends {@code request} and reads the reply; see {@link #reply}. */
  public static Reply exchange(int port, String request) {
    try (RawHttp c = connect(port)) {
      return c.send(request).reply(3000);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
