package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Authorization;
import dev.skiff.api.model.Service;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code deploy --allow / --allow-default / --mesh-mode} and describe's Authorization section. */
class AuthorizationCliTest extends CliTestCase {
  private static final String LEDGER = "spiffe://skiff.local/ns/billing/svc/ledger";
  private static final String OPS = "spiffe://skiff.local/ns/ops/svc/*";

  private Authorization stored() {
    return controlPlane.service("default", "hello").spec().authorization();
  }

  private int revisions() {
    return ok("revisions", "hello", "-o", "json").json().get("items").size();
  }

  @Test
  void deployWritesTheAllowListAndModeAndChangingThemAloneMakesNoRevision() {
    ok(
        "deploy",
        "hello",
        "--wasm",
        wasm,
        "--allow",
        LEDGER,
        "--allow",
        OPS,
        "--mesh-mode",
        "permissive");
    assertEquals(new Authorization(List.of(LEDGER, OPS), Authorization.PERMISSIVE), stored());

    CliRunner.Result narrowed = ok("deploy", "hello", "--wasm", wasm, "--allow", LEDGER);
    assertTrue(
        narrowed
            .out()
            .startsWith(
                "Service hello authorization updated (no new revision): revision hello-00001"),
        narrowed.out());
    // --allow replaces the list; the mode it did not mention stays.
    assertEquals(new Authorization(List.of(LEDGER), Authorization.PERMISSIVE), stored());

    // A deploy without the flags keeps the authorization, also when the template changes.
    CliRunner.Result v2 = ok("deploy", "hello", "--wasm", wasm, "--env", "V=2");
    assertTrue(v2.out().startsWith("Service hello deployed: revision hello-00002"), v2.out());
    assertEquals(new Authorization(List.of(LEDGER), Authorization.PERMISSIVE), stored());

    ok(
        "deploy",
        "hello",
        "--wasm",
        wasm,
        "--env",
        "V=2",
        "--allow-default",
        "--mesh-mode",
        "STRICT");
    assertEquals(new Authorization(List.of(), Authorization.STRICT), stored());
    assertEquals(2, revisions());
  }

  @Test
  void applyOfAKnativeServiceTakesTheAuthorizationFromItsAnnotations() {
    String knative =
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: web
          annotations:
            skiff.dev/allow: "%s, %s"
            skiff.dev/mesh-mode: permissive
        spec:
          template:
            spec:
              containers: [{image: registry.local/web:1}]
        """
            .formatted(LEDGER, OPS);
    CliRunner.Result r = cli.runWithStdin(knative, "apply", "-f", "-");
    assertEquals(0, r.code(), r::toString);
    Service web = controlPlane.service("default", "web");
    assertEquals(
        new Authorization(List.of(LEDGER, OPS), Authorization.PERMISSIVE),
        web.spec().authorization());
    assertTrue(web.metadata().annotations().isEmpty(), web.metadata()::toString);
    // Changing only the annotation is an authorization change: no new revision.
    r = cli.runWithStdin(knative.replace("permissive", "strict"), "apply", "-f", "-");
    assertEquals(0, r.code(), r::toString);
    assertEquals(
        Authorization.STRICT, controlPlane.service("default", "web").spec().authorization().mode());
    assertEquals(1, ok("revisions", "web", "-o", "json").json().get("items").size());
  }

  @Test
  void newServiceWithoutFlagsHasNoAuthorizationOfItsOwn() {
    ok("deploy", "hello", "--wasm", wasm);
    assertNull(stored());
    ok("deploy", "hello", "--wasm", wasm, "--allow-default");
    assertNull(stored(), "nothing but defaults is written as no authorization");
  }

  @Test
  void badAllowEntriesAreRefusedByFlagBeforeAnythingIsSent() {
    CliRunner.Result r =
        cli.run(
            "deploy",
            "hello",
            "--wasm",
            wasm,
            "--allow",
            "*",
            "--allow",
            "spiffe://skiff.local/ns/Ops/svc/x");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("--allow[1]: 'spiffe://skiff.local/ns/Ops/svc/x'"), r.err());
    assertTrue(r.err().contains("not a valid namespace"), r.err());
    assertEquals(List.of(), controlPlane.requests, "nothing may be sent");

    CliRunner.Result both =
        cli.run("deploy", "hello", "--wasm", wasm, "--allow", "*", "--allow-default");
    assertEquals(2, both.code(), both::toString);
    assertTrue(both.err().contains("--allow and --allow-default"), both.err());

    CliRunner.Result mode = cli.run("deploy", "hello", "--wasm", wasm, "--mesh-mode", "loose");
    assertEquals(2, mode.code(), mode::toString);
    assertTrue(mode.err().contains("--mesh-mode"), mode.err());
    assertEquals(List.of(), controlPlane.requests, "nothing may be sent");
  }

  @Test
  void describeShowsTheModeAndTheEffectiveCallers() {
    ok("deploy", "hello", "--wasm", wasm);
    String byDefault = ok("describe", "hello").out();
    assertTrue(
        byDefault.contains(
            """

            Authorization:
              Mode:           STRICT (mTLS from mesh identities only)
              CALLER                                  WHY
              spiffe://skiff.local/skiff/gateway      Skiff's gateway (always)
              spiffe://skiff.local/skiff/activator    Skiff's activator (always)
              spiffe://skiff.local/skiff/eventing     Skiff's eventing (always)
              spiffe://skiff.local/ns/default/svc/*   default: every workload of namespace default
            """),
        byDefault);

    ok(
        "deploy",
        "hello",
        "--wasm",
        wasm,
        "--allow",
        LEDGER,
        "--allow",
        "*",
        "--mesh-mode",
        "permissive");
    String allowed = ok("describe", "hello").out();
    assertTrue(allowed.contains("Mode:           PERMISSIVE (mTLS, and plaintext"), allowed);
    assertTrue(allowed.contains(LEDGER + "   allowed\n"), allowed);
    assertTrue(allowed.lines().anyMatch(l -> l.matches("  \\*\\s+allowed: every caller")), allowed);
    assertTrue(!allowed.contains("/ns/default/svc/*"), allowed);

    Service json = ok("describe", "hello", "-o", "json").json(Service.class);
    assertEquals(List.of(LEDGER, "*"), json.spec().authorization().allow());
  }

  @Test
  void describeWithATokenThatMayNotReadTheMeshShowsAPlaceholderTrustDomain() {
    ok("deploy", "hello", "--wasm", wasm);
    String token =
        ok("token", "create", "team", "--namespace", "default", "-o", "json")
            .json()
            .path("token")
            .asText();
    CliRunner.Result r = CliRunner.against(controlPlane.url(), token).run("describe", "hello");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().contains("spiffe://{trust-domain}/skiff/gateway"), r.out());
    assertTrue(r.out().contains("spiffe://{trust-domain}/ns/default/svc/*"), r.out());
  }
}
