package dev.skiff.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WagiRequestTest {
  @Test
  void aBuiltRequestsHeadersCannotBeChanged() {
    WagiRequest request =
        WagiRequest.builder().withHeader("ce-id", "1").withHeader("Accept", "a").build();

    assertThrows(UnsupportedOperationException.class, () -> request.headers().put("x", List.of()));
    assertThrows(
        UnsupportedOperationException.class, () -> request.headers().get("ce-id").add("2"));
    assertThrows(UnsupportedOperationException.class, () -> request.headers().remove("Accept"));
  }

  @Test
  void headersAddedAfterBuildingLeaveTheBuiltRequestAsItWas() {
    WagiRequest.Builder builder = WagiRequest.builder().withHeader("Accept", "a");
    WagiRequest first = builder.build();

    WagiRequest second = builder.withHeader("Accept", "b").withHeader("ce-id", "7").build();

    assertEquals(Map.of("Accept", List.of("a")), first.headers());
    assertEquals(Map.of("Accept", List.of("a", "b"), "ce-id", List.of("7")), second.headers());
  }

  @Test
  void repeatedHeadersKeepTheirOrderAndFirstValueIsFoundInAnyCase() {
    WagiRequest request =
        WagiRequest.builder()
            .withHeader("X-Tag", "one")
            .withHeader("Host", "event.default")
            .withHeader("X-Tag", "two")
            .build();

    assertEquals(List.of("X-Tag", "Host"), new ArrayList<>(request.headers().keySet()));
    assertEquals(List.of("one", "two"), request.headers().get("X-Tag"));
    assertEquals("one", request.header("x-tag").orElseThrow());
  }

  @Test
  void aMapOfHeadersGivenToTheRecordIsCopied() {
    Map<String, List<String>> mine = new LinkedHashMap<>();
    mine.put("Accept", new ArrayList<>(List.of("a")));
    WagiRequest request =
        new WagiRequest("GET", "/", "", mine, null, null, null, 80, null, null, null);

    mine.get("Accept").add("b");
    mine.put("ce-id", List.of("1"));

    assertEquals(Map.of("Accept", List.of("a")), request.headers());
  }
}
