package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.Authorization;
import dev.skiff.api.model.Service;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A service's authorization: its validation, and how Skiff and Knative manifests carry it. */
class AuthorizationTest {
  private static final String GATEWAY = "spiffe://skiff.local/skiff/gateway";

  private static Service withAuthorization(String authorization) {
    return (Service)
        Manifests.parse(
            "kind: Service\nmetadata: {name: a}\nspec: {template: {image: busybox}, authorization: "
                + authorization
                + "}\n");
  }

  private static List<FieldError> problems(Service s) {
    return assertThrows(ValidationException.class, () -> ResourceValidator.validate(s)).errors();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "spiffe://skiff.local/ns/shop/svc/cart",
        "spiffe://skiff.local/ns/shop/svc/*",
        "spiffe://skiff.local/skiff/gateway",
        "spiffe://skiff.local/skiff/*",
        "spiffe://other.example/ns/a/svc/b",
        "*"
      })
  void acceptsSpiffeIdsWildcardsAndStar(String entry) {
    ResourceValidator.validate(withAuthorization("{allow: ['" + entry + "'], mode: STRICT}"));
  }

  /** Each row: the second allow entry (the first is valid), and what the message must say. */
  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "https://skiff.local/ns/a/svc/b|is not a SPIFFE ID",
        "spiffe://skiff.local/ns/Shop/svc/cart|not a valid namespace",
        "spiffe://skiff.local/ns/shop/svc/cart-|not a valid service",
        "spiffe://skiff.local/ns/*/svc/cart|not a valid namespace",
        "spiffe://skiff.local/ns/shop/*|not a Skiff identity path",
        "spiffe://skiff.local/skiff/kubelet|not a Skiff component",
        "spiffe://Skiff.Local/ns/a/svc/b|not a trust domain",
        "spiffe://skiff.local|no path",
        "**|is not a SPIFFE ID",
        "''|is empty",
      })
  void namesTheWrongAllowEntryWithTheShapeItShouldHave(String entry, String says) {
    var errors =
        problems(withAuthorization("{allow: ['" + GATEWAY + "', '" + entry + "'], mode: STRICT}"));
    assertEquals(1, errors.size(), errors::toString);
    FieldError e = errors.get(0);
    assertEquals("spec.authorization.allow[1]", e.field());
    assertTrue(e.message().contains(says), e::toString);
    assertTrue(e.hint().contains("spiffe://{trust-domain}/ns/{namespace}/svc/{service}"), e.hint());
    assertTrue(e.hint().contains("{gateway|activator|eventing}"), e.hint());
  }

  @Test
  void namesAWrongModeAndSaysWhatTheModesAre() {
    var errors = problems(withAuthorization("{mode: permissive}"));
    assertEquals(
        List.of("spec.authorization.mode"), errors.stream().map(FieldError::field).toList());
    assertTrue(errors.get(0).message().contains("STRICT or PERMISSIVE"), errors::toString);
  }

  @Test
  void refusesANullEntryOrAnAllowThatIsNoListByField() {
    var nullEntry =
        assertThrows(ValidationException.class, () -> withAuthorization("{allow: [null]}"));
    assertEquals("spec.authorization", nullEntry.errors().get(0).field());
    assertTrue(nullEntry.errors().get(0).message().contains("null entry"), nullEntry::getMessage);
    var notAList =
        assertThrows(
            ValidationException.class,
            () -> withAuthorization("{allow: 'spiffe://skiff.local/skiff/gateway'}"));
    assertEquals("spec.authorization.allow", notAList.errors().get(0).field());
  }

  @Test
  void refusesMoreThanSixtyFourEntries() {
    String many =
        IntStream.range(0, 65)
            .mapToObj(i -> "'spiffe://skiff.local/ns/n" + i + "/svc/*'")
            .collect(Collectors.joining(", ", "[", "]"));
    var errors = problems(withAuthorization("{allow: " + many + "}"));
    assertEquals(
        List.of("spec.authorization.allow"), errors.stream().map(FieldError::field).toList());
    assertTrue(errors.get(0).message().contains("at most 64"), errors::toString);
  }

  @Test
  void refusesAnEntryLongerThan2048CharactersWithoutEchoingIt() {
    String longName = "spiffe://" + "a".repeat(2100) + "/skiff/gateway";
    var errors = problems(withAuthorization("{allow: ['" + longName + "']}"));
    assertEquals("spec.authorization.allow[0]", errors.get(0).field());
    assertTrue(errors.get(0).message().contains("at most 2048"), errors::toString);
    assertTrue(errors.get(0).message().length() < 200, errors::toString);
  }

  @Test
  void refusesARepeatedEntryNamingTheFirst() {
    var errors = problems(withAuthorization("{allow: ['*', '" + GATEWAY + "', '*']}"));
    assertEquals("spec.authorization.allow[2]", errors.get(0).field());
    assertTrue(errors.get(0).message().contains("allow[0]"), errors::toString);
  }

  @Test
  void refusesTheKnativeAnnotationsOnASkiffServiceAndSaysWhereTheSettingGoes() {
    Service s =
        (Service)
            Manifests.parse(
                """
                kind: Service
                metadata: {name: a, annotations: {skiff.dev/allow: '*'}}
                spec: {template: {image: busybox, annotations: {skiff.dev/mesh-mode: strict}}}
                """);
    var errors = problems(s);
    assertEquals(
        List.of(
            "spec.template.annotations[skiff.dev/mesh-mode]",
            "metadata.annotations[skiff.dev/allow]"),
        errors.stream().map(FieldError::field).toList());
    assertTrue(errors.get(1).hint().contains("spec.authorization.allow"), errors::toString);
  }

  @Test
  void skiffYamlCarriesAuthorizationUnderSpecAndRoundTrips() {
    Service s =
        (Service)
            Manifests.parse(
                """
                apiVersion: skiff.dev/v1
                kind: Service
                metadata: {name: cart, namespace: shop}
                spec:
                  template: {image: busybox}
                  authorization:
                    allow: ["spiffe://skiff.local/ns/billing/svc/ledger", "spiffe://skiff.local/ns/ops/svc/*"]
                    mode: PERMISSIVE
                """);
    ResourceValidator.validate(s);
    Authorization a = s.spec().authorization();
    assertEquals(
        List.of("spiffe://skiff.local/ns/billing/svc/ledger", "spiffe://skiff.local/ns/ops/svc/*"),
        a.allow());
    assertEquals(Authorization.PERMISSIVE, a.modeOrDefault());
    assertEquals(s, Manifests.parse(Json.writeYaml(s)));
    assertEquals(s, Manifests.parse(Json.write(s)));
    assertTrue(Json.write(s).contains("\"authorization\":{\"allow\":["), Json.write(s));
  }

  @Test
  void aServiceWithoutAuthorizationWritesNoneAndMeansStrictWithTheDefaultCallers() {
    Service s =
        (Service)
            Manifests.parse(
                "kind: Service\nmetadata: {name: a}\nspec: {template: {image: busybox}}\n");
    assertNull(s.spec().authorization());
    assertTrue(!Json.write(s).contains("authorization"), Json.write(s));
    Authorization empty = new Authorization(null, null);
    assertEquals(List.of(), empty.allow());
    assertEquals(Authorization.STRICT, empty.modeOrDefault());
    assertEquals(s.spec(), s.spec().withAuthorization(null));
    assertEquals(empty, s.spec().withAuthorization(empty).withTraffic(List.of()).authorization());
  }

  @Test
  void knativeServiceCarriesAuthorizationAsMetadataAnnotations() {
    Service s =
        (Service)
            Manifests.parse(
                """
                apiVersion: serving.knative.dev/v1
                kind: Service
                metadata:
                  name: cart
                  annotations:
                    team: shop
                    skiff.dev/allow: "spiffe://skiff.local/ns/billing/svc/ledger, spiffe://skiff.local/skiff/*"
                    skiff.dev/mesh-mode: permissive
                spec:
                  template:
                    spec:
                      containers: [{image: registry/cart:1}]
                """);
    ResourceValidator.validate(s);
    assertEquals(
        new Authorization(
            List.of("spiffe://skiff.local/ns/billing/svc/ledger", "spiffe://skiff.local/skiff/*"),
            Authorization.PERMISSIVE),
        s.spec().authorization());
    // The setting moved into the spec; the annotations that carried it are gone, the rest stay.
    assertEquals(java.util.Map.of("team", "shop"), s.metadata().annotations());
    assertEquals(s, Manifests.parse(Json.writeYaml(s)));
  }

  @Test
  void knativeServiceWithOnlyAModeKeepsTheDefaultCallers() {
    Service s =
        (Service)
            Manifests.parse(
                """
                apiVersion: serving.knative.dev/v1
                kind: Service
                metadata: {name: cart, annotations: {skiff.dev/mesh-mode: STRICT}}
                spec: {template: {spec: {containers: [{image: registry/cart:1}]}}}
                """);
    assertEquals(new Authorization(List.of(), Authorization.STRICT), s.spec().authorization());
  }

  @Test
  void knativeAnnotationErrorsNameTheAnnotationAndTheEntry() {
    var e =
        assertThrows(
            ValidationException.class,
            () ->
                Manifests.parse(
                    """
                    apiVersion: serving.knative.dev/v1
                    kind: Service
                    metadata:
                      name: cart
                      annotations: {skiff.dev/allow: "*,,spiffe://skiff.local/ns/A/svc/b", skiff.dev/mesh-mode: loose}
                    spec:
                      template:
                        metadata: {annotations: {skiff.dev/allow: "*"}}
                        spec: {containers: [{image: registry/cart:1}]}
                    """));
    assertEquals(
        List.of(
            "spec.template.metadata.annotations[skiff.dev/allow]",
            "metadata.annotations[skiff.dev/allow][1]",
            "metadata.annotations[skiff.dev/allow][2]",
            "metadata.annotations[skiff.dev/mesh-mode]"),
        e.errors().stream().map(FieldError::field).toList());
  }
}
