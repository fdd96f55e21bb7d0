package dev.skiff.oci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChallengeTest {
  @Test
  void parsesBearerChallengeWithQuotedCommas() {
    Challenge c =
        Challenge.parse(
            "Bearer realm=\"https://auth.docker.io/token\","
                + "service=\"registry.docker.io\",scope=\"repository:library/alpine:pull,push\"");
    assertEquals("Bearer", c.scheme());
    assertEquals(
        Map.of(
            "realm",
            "https://auth.docker.io/token",
            "service",
            "registry.docker.io",
            "scope",
            "repository:library/alpine:pull,push"),
        c.params());
  }

  @Test
  void parsesBasicAndUnquotedParams() {
    Challenge c = Challenge.parse("Basic realm=skiff, charset=UTF-8");
    assertEquals("Basic", c.scheme());
    assertEquals(Map.of("realm", "skiff", "charset", "UTF-8"), c.params());
    assertEquals("", Challenge.parse(null).scheme());
  }
}
