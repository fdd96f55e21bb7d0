package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.validation.Durations;
import dev.skiff.cli.internal.CliException;
import dev.skiff.cli.internal.KeyAndCsr;
import dev.skiff.cli.internal.Table;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skiff mesh ca|issue|status|rotate-root}: the mesh's identities (docs/mesh.md). */
@Command(
    name = "mesh",
    description = "The mesh's certificate authority: trust bundle, identities, root rotation.",
    subcommands = {
      MeshCommand.Ca.class,
      MeshCommand.Issue.class,
      MeshCommand.Status.class,
      MeshCommand.RotateRoot.class
    })
final class MeshCommand {
  @Command(name = "ca", description = "Print the trust bundle (PEM): the roots peers chain to.")
  static final class Ca extends SkiffCommand {
    @Override
    public Integer call() {
      String pem = api().meshTrustBundle();
      printer()
          .print(Json.mapper().createObjectNode().put("trustBundle", pem), out -> out.print(pem));
      return OK;
    }
  }

  @Command(
      name = "issue",
      description =
          "Make a key here and get a certificate for a workload identity"
              + " (spiffe://{trust-domain}/ns/NS/svc/NAME): writes cert.pem (leaf and"
              + " intermediate), key.pem (mode 0600) and ca.pem into --out. Needs an admin token.")
  static final class Issue extends SkiffCommand {
    @Option(
        names = "--service",
        required = true,
        paramLabel = "NAME",
        description = "The service whose identity to take (namespace: -n/--namespace).")
    String service;

    @Option(
        names = "--ttl",
        paramLabel = "DURATION",
        description =
            "How long the certificate lives, e.g. 1h (default the CA's, 24h; max 7 days).")
    String ttl;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "DIR",
        description = "Directory for cert.pem, key.pem and ca.pem (made if missing).")
    Path out;

    @Override
    public Integer call() {
      String ns = namespace();
      checkName("service name", service);
      if (ttl != null) {
        try {
          Durations.parse(ttl);
        } catch (IllegalArgumentException e) {
          throw usage("--ttl: " + e.getMessage());
        }
      }
      KeyAndCsr generated = KeyAndCsr.generate();
      JsonNode answer = api().issueMeshCertificate(generated.csrPem(), ns, service, ttl);
      write(answer, generated.privateKeyPem());
      ObjectNode result = Json.mapper().createObjectNode();
      result.put("spiffeId", answer.path("spiffeId").asText());
      result.put("notAfter", answer.path("notAfter").asText());
      result.put("serial", answer.path("serial").asText());
      result.put("certificate", out.resolve("cert.pem").toString());
      result.put("key", out.resolve("key.pem").toString());
      result.put("trustBundle", out.resolve("ca.pem").toString());
      printer()
          .print(
              result,
              o ->
                  o.println(
                      "Issued "
                          + result.path("spiffeId").asText()
                          + " until "
                          + result.path("notAfter").asText()
                          + ": "
                          + out.resolve("cert.pem")
                          + ", "
                          + out.resolve("key.pem")
                          + ", "
                          + out.resolve("ca.pem")));
      return OK;
    }

    private void write(JsonNode answer, String keyPem) {
      try {
        Files.createDirectories(out);
        Path tmp = out.resolve(".key.pem.tmp");
        Files.deleteIfExists(tmp);
        // Created 0600 before a byte of the key is in it; then moved over any older key.
        Files.createFile(
            tmp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, keyPem, StandardCharsets.UTF_8);
        Files.move(
            tmp,
            out.resolve("key.pem"),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(out.resolve("cert.pem"), answer.path("certificateChain").asText());
        Files.writeString(out.resolve("ca.pem"), answer.path("trustBundle").asText());
      } catch (IOException | UnsupportedOperationException e) {
        throw new CliException(
            "cannot write the certificate files into " + out + ": " + e.getMessage(),
            "give --out a directory you may write to on a POSIX file system");
      }
    }
  }

  @Command(
      name = "status",
      description = "Trust domain, roots in the bundle and the last certificate of each identity.")
  static final class Status extends SkiffCommand {
    @Override
    public Integer call() {
      JsonNode s = api().meshStatus();
      printer().print(s, out -> out.print(render(s)));
      return OK;
    }
  }

  @Command(
      name = "rotate-root",
      description =
          "Start a root rotation: a new root joins the trust bundle now and signs new certificates"
              + " after a short delay; the old root leaves the bundle once its certificates"
              + " expired. --finish drops the old root at once.")
  static final class RotateRoot extends SkiffCommand {
    @Option(
        names = "--finish",
        description =
            "End the rotation now: the old root leaves the bundle and certificates it signed stop"
                + " validating. Use it once every holder renewed.")
    boolean finish;

    @Override
    public Integer call() {
      JsonNode s = api().rotateMeshRoot(finish);
      printer()
          .print(
              s,
              out -> {
                out.println(
                    finish
                        ? "Rotation finished: the old root left the trust bundle."
                        : "Rotation started: the new root is in the trust bundle.");
                out.print(render(s));
              });
      return OK;
    }
  }

  static String render(JsonNode s) {
    StringBuilder b = new StringBuilder();
    b.append("Trust domain: ").append(s.path("trustDomain").asText()).append("\n\n");
    Table roots = new Table("ROOT (SHA-256)", "STATE", "EXPIRES", "INTERMEDIATE EXPIRES", "NOTE");
    for (JsonNode r : s.path("roots")) {
      String state = r.path("state").asText();
      String note =
          switch (state) {
            case "next" -> "signs from " + r.path("issuesFrom").asText();
            case "retiring" ->
                r.hasNonNull("leavesUntil")
                    ? "leaves the bundle after " + r.path("leavesUntil").asText()
                    : "leaves the bundle now";
            default -> "";
          };
      roots.row(
          shortFingerprint(r.path("fingerprint").asText()),
          state,
          r.path("notAfter").asText(),
          r.path("intermediateNotAfter").asText(),
          note);
    }
    b.append(roots.render()).append('\n');
    Table ids = new Table("IDENTITY", "EXPIRES", "SERIAL", "ROOT");
    for (JsonNode i : s.path("identities")) {
      ids.row(
          i.path("spiffeId").asText(),
          i.path("notAfter").asText(),
          i.path("serial").asText(),
          shortFingerprint(i.path("root").asText()));
    }
    b.append(ids.isEmpty() ? "No certificates issued yet.\n" : ids.render());
    return b.toString();
  }

  private static String shortFingerprint(String hex) {
    return hex.length() > 16 ? hex.substring(0, 16) : hex;
  }
}
