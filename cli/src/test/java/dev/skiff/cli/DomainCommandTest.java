package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code skiff domain ...} and {@code skiff apply} of a Knative DomainMapping, for real. */
class DomainCommandTest extends CliTestCase {

  @Test
  void mapListDescribeDelete() {
    CliRunner.Result mapped =
        ok("domain", "map", "shop.example.com", "hello", "--tls", "none", "--no-redirect");
    assertEquals(
        "Domain shop.example.com maps to hello (tls none, certificate none).\n", mapped.out());

    String list = ok("domain", "list").out();
    assertTrue(list.contains("shop.example.com") && list.contains("hello"), list);
    String describe = ok("domain", "describe", "shop.example.com").out();
    assertTrue(describe.contains("Redirect:     off"), describe);
    assertTrue(describe.contains("Certificate:  none"), describe);

    assertEquals(
        "Domain shop.example.com unmapped.\n", ok("domain", "delete", "shop.example.com").out());
    assertEquals(1, cli.run("domain", "describe", "shop.example.com").code());
  }

  @Test
  void autoMappingStartsPendingAndAnotherNamespaceCannotClaimIt() {
    CliRunner.Result mapped = ok("domain", "map", "api.example.com", "hello");
    assertTrue(mapped.out().contains("(tls auto, certificate pending)"), mapped.out());

    CliRunner.Result taken = cli.run("domain", "map", "api.example.com", "other", "-n", "team-b");

    assertEquals(1, taken.code(), taken::toString);
    assertTrue(taken.err().contains("already mapped to service hello in namespace default"));
  }

  @Test
  void badArgumentsAreUsageErrorsNamingWhatIsWrong() throws IOException {
    Path cert = Files.writeString(dir.resolve("c.pem"), "x");
    CliRunner.Result half =
        cli.run("domain", "map", "a.example.com", "hello", "--cert", cert.toString());
    CliRunner.Result name = cli.run("domain", "map", "nodot", "hello");

    assertEquals(2, half.code());
    assertTrue(half.err().contains("--cert FILE and --key FILE together"), half.err());
    assertEquals(2, name.code());
    assertTrue(name.err().contains("metadata.name"), name.err());
  }

  @Test
  void applyTakesAKnativeDomainMapping() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("dm.yaml"),
            """
            apiVersion: serving.knative.dev/v1beta1
            kind: DomainMapping
            metadata:
              name: knative.example.com
            spec:
              ref:
                apiVersion: serving.knative.dev/v1
                kind: Service
                name: hello
            """);

    ok("apply", "-f", file.toString(), "--no-wait");

    assertTrue(
        ok("domain", "describe", "knative.example.com").out().contains("TLS:          auto"));
  }
}
