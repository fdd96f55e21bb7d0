package dev.skiff.eventing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RecordEventsTest {
  private static ConsumerRecord<byte[], byte[]> record(String value) {
    return new ConsumerRecord<>("orders", 2, 7, null, value.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void percentEncodesHeaderValuesAsTheHttpBindingSays() {
    assertEquals("a%20b%22c%25d%C3%A9", RecordEvents.percentEncode("a b\"c%dé"));
    assertEquals("a b\"c%dé", RecordEvents.percentDecode("a%20b%22c%25d%C3%A9"));
    assertEquals("100%", RecordEvents.percentDecode("100%"));
  }

  @Test
  void aRecordWithABadCloudEventHeaderIsDeliveredAsAPlainRecord() {
    ConsumerRecord<byte[], byte[]> r = record("x");
    r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_id", "1".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_source", "/s".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_type", "t".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_Bad-Name", "v".getBytes(StandardCharsets.UTF_8));
    RecordEvents.Mapped m = RecordEvents.map(r, "default", "trig");
    assertNotNull(m.malformed());
    assertEquals("partition:2/offset:7", m.event().getId());
  }

  @Test
  void headersBecomeExtensionsWithinLimits() {
    ConsumerRecord<byte[], byte[]> r = record("x");
    for (int i = 0; i < RecordEvents.MAX_HEADERS + 10; i++) {
      r.headers().add("h" + i, "v".getBytes(StandardCharsets.UTF_8));
    }
    r.headers().add("big", new byte[RecordEvents.MAX_HEADER_VALUE + 1]);
    r.headers().add("binary", new byte[] {(byte) 0xff});
    RecordEvents.Mapped m = RecordEvents.map(r, "default", "trig");
    assertNull(m.malformed());
    Map<String, String> attrs = RecordEvents.attributes(m.event());
    assertEquals(
        RecordEvents.MAX_HEADERS,
        attrs.keySet().stream().filter(k -> k.startsWith("kafkaheader")).count());
    assertEquals("/skiff/default/triggers/trig#orders", attrs.get("source"));
    assertEquals("partition:2#7", attrs.get("subject"));
  }

  @Test
  void valuesWithNothingToEncodeArePassedOnAsTheyAre() {
    String v = "partition:2/offset:7";
    assertSame(v, RecordEvents.percentEncode(v));
    assertEquals("%0A%7F%E2%82%AC~", RecordEvents.percentEncode("\n\u007f\u20ac~"));
    assertEquals("ok%20", RecordEvents.percentEncode("ok "));
  }

  @Test
  void httpHeadersCarryEveryAttributeInOrderPercentEncodedAndTheContentType() {
    ConsumerRecord<byte[], byte[]> r = record("x");
    r.headers().add("content-type", "text/plain".getBytes(StandardCharsets.UTF_8));
    r.headers().add("Trace Id", "a b".getBytes(StandardCharsets.UTF_8));
    RecordEvents.Mapped m = RecordEvents.map(r, "default", "trig");
    List<Map.Entry<String, String>> expected = new ArrayList<>();
    RecordEvents.attributes(m.event())
        .forEach((k, v) -> expected.add(Map.entry("ce-" + k, RecordEvents.percentEncode(v))));
    expected.add(Map.entry("Content-Type", "text/plain"));
    List<Map.Entry<String, String>> headers = RecordEvents.httpHeaders(m.event());
    assertEquals(expected, headers);
    assertTrue(headers.contains(Map.entry("ce-kafkaheadertraceid", "a%20b")));
    assertTrue(headers.contains(Map.entry("ce-id", "partition:2/offset:7")));
  }

  @Test
  void attributesAreTheOnesSetOnTheEventInTheOrderTheSdkNamesThem() {
    ConsumerRecord<byte[], byte[]> r = record("x");
    r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_id", "1".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_source", "/s".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_type", "t".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_subject", "sub".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_dataschema", "http://schema/1".getBytes(StandardCharsets.UTF_8));
    r.headers().add("ce_myext", "v".getBytes(StandardCharsets.UTF_8));
    RecordEvents.Mapped m = RecordEvents.map(r, "default", "trig");
    assertNull(m.malformed());
    List<String> expected = new ArrayList<>();
    for (String name : m.event().getAttributeNames()) {
      if (!name.equals("datacontenttype")) {
        expected.add(name);
      }
    }
    expected.addAll(m.event().getExtensionNames());

    assertEquals(expected, new ArrayList<>(RecordEvents.attributes(m.event()).keySet()));
  }
}
