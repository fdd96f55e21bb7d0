package dev.skiff.eventing.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.rw.CloudEventRWException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Turns a Kafka record into the CloudEvent a trigger delivers (ARCHITECTURE.md's mapping). A record
 * that already is a CloudEvent (binary {@code ce_*} headers, or structured {@code
 * application/cloudevents+json}) keeps its attributes; one whose CloudEvent attributes are
 * malformed is delivered as a plain record instead, so it is never lost, and {@link
 * Mapped#malformed} says what was wrong.
 */
public final class RecordEvents {
  static final String TYPE = "dev.skiff.kafka.event";
  static final String STRUCTURED = "application/cloudevents+json";

  /** At most this many record headers become {@code kafkaheader*} extensions. */
  static final int MAX_HEADERS = 64;

  /** A header value longer than this (bytes) is not copied into the event. */
  static final int MAX_HEADER_VALUE = 4096;

  private static final ObjectMapper JSON = new ObjectMapper();

  private RecordEvents() {}

  /**
   * The event, and the reason the record's own CloudEvent attributes were not used (null when they
   * were, or when it had none).
   */
  public record Mapped(CloudEvent event, String malformed) {}

  public static Mapped map(ConsumerRecord<byte[], byte[]> r, String namespace, String trigger) {
    return map(r, source(namespace, trigger, r.topic()));
  }

  /**
   * As {@link #map(ConsumerRecord, String, String)}, with the plain event's {@code source} made
   * beforehand ({@link #source}): a trigger makes its topics' once, so the per-record path holds no
   * cache whose first miss for a new trigger would send compiled code back to the interpreter.
   */
  public static Mapped map(ConsumerRecord<byte[], byte[]> r, URI source) {
    Header specVersion = r.headers().lastHeader("ce_specversion");
    String contentType = headerText(r.headers().lastHeader("content-type"));
    String why = null;
    try {
      if (specVersion != null) {
        return new Mapped(binary(r, contentType), null);
      }
      if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(STRUCTURED)) {
        return new Mapped(structured(r.value()), null);
      }
    } catch (CloudEventRWException | IllegalStateException | IllegalArgumentException e) {
      why = "not a valid CloudEvent (" + e.getMessage() + "); delivered as a plain record";
    }
    return new Mapped(plain(r, source, contentType), why);
  }

  private static CloudEvent binary(ConsumerRecord<byte[], byte[]> r, String contentType) {
    String version = headerText(r.headers().lastHeader("ce_specversion"));
    if (!"1.0".equals(version)) {
      throw new IllegalArgumentException("ce_specversion is '" + version + "', not 1.0");
    }
    CloudEventBuilder b = CloudEventBuilder.v1();
    for (Header h : r.headers()) {
      if (h.key().startsWith("ce_") && !h.key().equals("ce_specversion")) {
        String value = headerText(h);
        if (value == null) {
          throw new IllegalArgumentException(h.key() + " is not UTF-8 text");
        }
        b.withContextAttribute(h.key().substring(3), value);
      }
    }
    if (contentType != null) {
      b.withDataContentType(contentType);
    }
    if (r.value() != null) {
      b.withData(r.value());
    }
    return b.build();
  }

  private static CloudEvent structured(byte[] value) {
    JsonNode doc;
    try {
      doc = value == null ? null : JSON.readTree(value);
    } catch (IOException e) {
      throw new IllegalArgumentException("the structured event is not JSON", e);
    }
    if (doc == null || !doc.isObject()) {
      throw new IllegalArgumentException("the structured event is not a JSON object");
    }
    if (!"1.0".equals(doc.path("specversion").asText())) {
      throw new IllegalArgumentException("specversion is not 1.0");
    }
    CloudEventBuilder b = CloudEventBuilder.v1();
    for (Map.Entry<String, JsonNode> f : doc.properties()) {
      String name = f.getKey();
      if (name.equals("specversion") || name.equals("data") || name.equals("data_base64")) {
        continue;
      }
      if (!f.getValue().isValueNode() || f.getValue().isNull()) {
        throw new IllegalArgumentException("attribute " + name + " is not a string or number");
      }
      b.withContextAttribute(name, f.getValue().asText());
    }
    JsonNode data = doc.get("data");
    if (doc.has("data_base64")) {
      b.withData(Base64.getDecoder().decode(doc.get("data_base64").asText()));
    } else if (data != null && !data.isNull()) {
      String ct = doc.path("datacontenttype").asText("application/json");
      boolean json = ct.contains("json");
      b.withData(
          (data.isTextual() && !json ? data.asText() : data.toString())
              .getBytes(StandardCharsets.UTF_8));
    }
    return b.build();
  }

  private static CloudEvent plain(
      ConsumerRecord<byte[], byte[]> r, URI source, String contentType) {
    CloudEventBuilder b =
        CloudEventBuilder.v1()
            .withId("partition:" + r.partition() + "/offset:" + r.offset())
            .withSource(source)
            .withType(TYPE)
            .withSubject("partition:" + r.partition() + "#" + r.offset());
    if (r.timestamp() >= 0) {
      b.withTime(OffsetDateTime.ofInstant(Instant.ofEpochMilli(r.timestamp()), ZoneOffset.UTC));
    }
    if (r.key() != null) {
      String key = utf8(r.key());
      b.withExtension(
          "partitionkey", key != null ? key : Base64.getEncoder().encodeToString(r.key()));
    }
    int copied = 0;
    for (Header h : r.headers()) {
      if (copied == MAX_HEADERS) {
        break;
      }
      String name = "kafkaheader" + extensionName(h.key());
      String value = headerText(h);
      if (value == null || h.key().equals("content-type") || h.key().startsWith("ce_")) {
        continue;
      }
      b.withExtension(name, value);
      copied++;
    }
    if (contentType != null) {
      b.withDataContentType(contentType);
    }
    if (r.value() != null) {
      b.withData(r.value());
    }
    return b.build();
  }

  /** The plain events' source, {@code /skiff/{namespace}/triggers/{trigger}#{topic}}. */
  public static URI source(String namespace, String trigger, String topic) {
    return URI.create("/skiff/" + namespace + "/triggers/" + trigger + "#" + topic);
  }

  /** A header name as a CloudEvents extension name: lower-case letters and digits only. */
  static String extensionName(String key) {
    StringBuilder s = new StringBuilder();
    for (char c : key.toLowerCase(Locale.ROOT).toCharArray()) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        s.append(c);
      }
    }
    return s.toString();
  }

  /** A header's value as text, or null when it is absent, too long or not UTF-8. */
  static String headerText(Header h) {
    if (h == null || h.value() == null || h.value().length > MAX_HEADER_VALUE) {
      return null;
    }
    return utf8(h.value());
  }

  static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * Every context attribute and extension but {@code datacontenttype} (which travels as {@code
   * Content-Type}), as text, in the order CloudEvents lists them.
   */
  public static Map<String, String> attributes(CloudEvent e) {
    Map<String, String> out = new LinkedHashMap<>();
    forEachAttribute(e, out::put);
    return out;
  }

  /**
   * The event's binary-mode HTTP headers: {@code ce-{name}} per {@link #attributes} entry, the
   * value percent-encoded, in the same order; then {@code Content-Type} when the event has one.
   */
  public static List<Map.Entry<String, String>> httpHeaders(CloudEvent e) {
    List<Map.Entry<String, String>> out = new ArrayList<>(12);
    forEachAttribute(
        e,
        (name, value) -> {
          String header = "ce-" + name;
          Map.Entry<String, String> h = Map.entry(header, percentEncode(value));
          // An extension named like an attribute replaces it in place, as in attributes().
          for (int i = 0; i < out.size(); i++) {
            if (out.get(i).getKey().equals(header)) {
              out.set(i, h);
              return;
            }
          }
          out.add(h);
        });
    if (e.getDataContentType() != null) {
      out.add(Map.entry("Content-Type", e.getDataContentType()));
    }
    return out;
  }

  private static void forEachAttribute(CloudEvent e, BiConsumer<String, String> to) {
    // The spec version's own set, in the order getAttributeNames() gives (that default method
    // streams it into a new HashSet of the names set on the event, per call: a sixth of the
    // delivering event loop's allocation); absent attributes are skipped below as there.
    for (String name : e.getSpecVersion().getAllAttributes()) {
      Object v = e.getAttribute(name);
      if (v != null && !name.equals("datacontenttype")) {
        to.accept(name, text(v));
      }
    }
    for (String name : e.getExtensionNames()) {
      Object v = e.getExtension(name);
      if (v != null) {
        to.accept(name, text(v));
      }
    }
  }

  private static String text(Object v) {
    if (v instanceof OffsetDateTime t) {
      return EventTime.format(t);
    }
    if (v instanceof byte[] b) {
      return Base64.getEncoder().encodeToString(b);
    }
    return v.toString();
  }

  /**
   * A header value as the CloudEvents HTTP binding wants it: UTF-8, with space, {@code "}, {@code
   * %} and everything outside printable ASCII percent-encoded.
   */
  public static String percentEncode(String s) {
    int i = 0;
    while (i < s.length() && plain(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s; // nearly every value: nothing to encode, nothing to copy
    }
    StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (byte x : s.substring(i).getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (plain((char) c)) {
        b.append((char) c);
      } else {
        b.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return b.toString();
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** Printable ASCII but space, {@code "} and {@code %}: sent as it is. */
  private static boolean plain(char c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '%';
  }

  /** The reverse of {@link #percentEncode}; malformed escapes are kept as they are. */
  public static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
      out.write(bytes, 0, bytes.length);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
