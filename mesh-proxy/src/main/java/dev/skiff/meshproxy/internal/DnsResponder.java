package dev.skiff.meshproxy.internal;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramPacket;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * One instance's name service: a UDP socket on the node's end of its link that answers A queries
 * for the names {@code known} accepts with that same address (where the instance's outbound
 * listener is), and NXDOMAIN for every other name. It never recurses nor forwards, so an instance
 * learns nothing of the node's own resolver or network. Only its own address is answered; queries
 * beyond {@code perSecond} (a token bucket of that depth) are dropped, so one instance flooding its
 * responder costs the others nothing but the socket's share of an event loop.
 */
public final class DnsResponder {
  /** Short: a name may go when its service is deleted. */
  static final int TTL_SECONDS = 5;

  private final Vertx vertx;
  private final byte[] answerAddress;
  private final String clientAddress;
  private final Predicate<String> known;
  private final TokenBucket bucket;
  private final AtomicLong dropped = new AtomicLong();
  private DatagramSocket socket;

  /**
   * @param answerAddress the IPv4 address to listen on and to answer with
   * @param clientAddress the only address queries are answered for (the instance's own)
   * @param known whether a (lower-case, dot-less-at-the-end) name is one of the mesh's
   */
  public DnsResponder(
      Vertx vertx,
      String answerAddress,
      String clientAddress,
      Predicate<String> known,
      int perSecond,
      LongSupplier nanoTime) {
    this.vertx = vertx;
    this.answerAddress = ipv4(answerAddress);
    this.clientAddress = clientAddress;
    this.known = known;
    this.bucket = new TokenBucket(perSecond, nanoTime);
  }

  /** Listens on {@code port} of the answer address. */
  public Future<Void> listen(String host, int port) {
    socket = vertx.createDatagramSocket(new DatagramSocketOptions().setReuseAddress(false));
    socket.handler(this::received);
    return socket.listen(port, host).mapEmpty();
  }

  /** The port listened on. */
  public int port() {
    return socket == null ? -1 : socket.localAddress().port();
  }

  /** Queries dropped so far (over the rate, or from another address). */
  public long dropped() {
    return dropped.get();
  }

  public Future<Void> close() {
    return socket == null ? Future.succeededFuture() : socket.close();
  }

  private void received(DatagramPacket packet) {
    if (!clientAddress.equals(packet.sender().host()) || !bucket.take()) {
      dropped.incrementAndGet();
      return;
    }
    byte[] reply = reply(packet.data().getBytes());
    if (reply != null) {
      socket.send(Buffer.buffer(reply), packet.sender().port(), packet.sender().host());
    }
  }

  /** The answer to {@code query}, or null for none. */
  byte[] reply(byte[] query) {
    DnsMessage.Parsed p = DnsMessage.parse(query);
    if (p.query() == null) {
      return p.reply();
    }
    DnsMessage.Query q = p.query();
    if (q.qclass() != DnsMessage.CLASS_IN) {
      return DnsMessage.answer(q, DnsMessage.REFUSED, null, 0);
    }
    if (q.name() == null || !known.test(q.name())) {
      return DnsMessage.answer(q, DnsMessage.NXDOMAIN, null, 0);
    }
    // A known name has an IPv4 address and nothing else: other types get an empty NOERROR.
    return DnsMessage.answer(
        q, DnsMessage.NOERROR, q.type() == DnsMessage.TYPE_A ? answerAddress : null, TTL_SECONDS);
  }

  private static byte[] ipv4(String address) {
    String[] parts = address.split("\\.");
    if (parts.length != 4) {
      throw new IllegalArgumentException("'" + address + "' is not an IPv4 address");
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      int v = Integer.parseInt(parts[i]);
      if (v < 0 || v > 255) {
        throw new IllegalArgumentException("'" + address + "' is not an IPv4 address");
      }
      out[i] = (byte) v;
    }
    return out;
  }

  /** At most {@code rate} takes per second on average, {@code rate} at once. Thread-safe. */
  static final class TokenBucket {
    private final double rate;
    private final LongSupplier nanoTime;
    private double tokens;
    private long last;

    TokenBucket(int rate, LongSupplier nanoTime) {
      if (rate < 1) {
        throw new IllegalArgumentException("rate " + rate + " must be at least 1 per second");
      }
      this.rate = rate;
      this.nanoTime = nanoTime;
      this.tokens = rate;
      this.last = nanoTime.getAsLong();
    }

    synchronized boolean take() {
      long now = nanoTime.getAsLong();
      tokens = Math.min(rate, tokens + (now - last) * rate / 1e9);
      last = now;
      if (tokens < 1) {
        return false;
      }
      tokens -= 1;
      return true;
    }
  }
}
