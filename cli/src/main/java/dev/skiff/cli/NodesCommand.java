package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.internal.Ages;
import dev.skiff.cli.internal.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff nodes}: the nodes that joined the control plane (list, describe), cordon, uncordon
 * and drain, and their bootstrap tokens.
 */
@Command(
    name = "nodes",
    description =
        "List nodes, describe one, cordon, uncordon or drain it; manage bootstrap tokens.",
    subcommands = {
      NodesCommand.Describe.class,
      NodesCommand.Cordon.class,
      NodesCommand.Uncordon.class,
      NodesCommand.Drain.class,
      NodesCommand.Token.class
    })
final class NodesCommand extends SkiffCommand {
  @Override
  public Integer call() {
    JsonNode answer = api().nodes();
    Instant now = clock().instant();
    printer()
        .print(
            answer,
            out -> {
              Table t =
                  new Table(
                      "NAME",
                      "READY",
                      "CORDONED",
                      "CPU",
                      "MEMORY",
                      "ALLOCATED",
                      "INSTANCES",
                      "AGE");
              for (JsonNode n : answer.path("items")) {
                t.row(
                    n.path("name").asText(),
                    ready(n),
                    n.path("draining").asBoolean()
                        ? "draining"
                        : n.path("cordoned").asBoolean() ? "yes" : "no",
                    cpu(n.path("capacity").path("cpuMillis").asLong()),
                    memory(n.path("capacity").path("memoryBytes").asLong()),
                    cpu(n.path("allocated").path("cpuMillis").asLong())
                        + ", "
                        + memory(n.path("allocated").path("memoryBytes").asLong()),
                    n.path("instanceCount").asInt(),
                    age(n, now));
              }
              out.print(
                  t.isEmpty()
                      ? "No nodes. Start one with skiffd --roles node (docs/cluster.md).\n"
                      : t.render());
            });
    return OK;
  }

  static String ready(JsonNode n) {
    if (n.path("ready").asBoolean()) {
      return "Ready";
    }
    String reason = n.path("reason").asText("");
    return reason.isEmpty() ? "NotReady" : "NotReady (" + reason + ")";
  }

  static String cpu(long millis) {
    return millis % 1000 == 0 ? Long.toString(millis / 1000) : millis + "m";
  }

  static String memory(long bytes) {
    long gi = 1L << 30;
    long mi = 1L << 20;
    if (bytes >= gi && bytes % (gi / 10) == 0) {
      return String.format("%.1fGi", bytes / (double) gi).replace(".0Gi", "Gi");
    }
    if (bytes >= gi) {
      return String.format("%.1fGi", bytes / (double) gi);
    }
    return (bytes / mi) + "Mi";
  }

  private static String age(JsonNode n, Instant now) {
    String created = n.path("createdAt").asText("");
    return created.isEmpty() ? "-" : Ages.since(Instant.parse(created), now);
  }

  @Command(name = "describe", description = "One node: its lease, capacity and instances.")
  static final class Describe extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The node's name.")
    String name;

    @Override
    public Integer call() {
      checkName("node name", name);
      JsonNode n = api().node(name);
      Instant now = clock().instant();
      printer().print(n, out -> describe(n, now, out));
      return OK;
    }

    private static void describe(JsonNode n, Instant now, PrintStream out) {
      out.println("Name:           " + n.path("name").asText());
      out.println("Ready:          " + ready(n));
      if (!n.path("message").asText("").isEmpty()) {
        out.println("Message:        " + n.path("message").asText());
      }
      out.println(
          "Scheduling:     "
              + (n.path("draining").asBoolean()
                  ? "draining (cordoned, instances go elsewhere)"
                  : n.path("cordoned").asBoolean() ? "cordoned" : "schedulable"));
      out.println("Address:        " + n.path("address").asText("-"));
      StringBuilder kinds = new StringBuilder();
      n.path("runtimes").forEach(r -> kinds.append(kinds.isEmpty() ? "" : ", ").append(r.asText()));
      out.println("Runs:           " + (kinds.isEmpty() ? "-" : kinds));
      out.println(
          "Capacity:       cpu "
              + cpu(n.path("capacity").path("cpuMillis").asLong())
              + ", memory "
              + memory(n.path("capacity").path("memoryBytes").asLong()));
      out.println(
          "Allocated:      cpu "
              + cpu(n.path("allocated").path("cpuMillis").asLong())
              + ", memory "
              + memory(n.path("allocated").path("memoryBytes").asLong()));
      String beat = n.path("lastHeartbeat").asText("");
      out.println(
          "Last heartbeat: "
              + (beat.isEmpty()
                  ? "never"
                  : beat + " (" + Ages.since(Instant.parse(beat), now) + " ago)"));
      String created = n.path("createdAt").asText("");
      out.println(
          "Age:            " + (created.isEmpty() ? "-" : Ages.since(Instant.parse(created), now)));
      Table t = new Table("INSTANCE", "NAMESPACE", "REVISION", "KIND", "CPU", "MEMORY");
      for (JsonNode a : n.path("assignments")) {
        t.row(
            a.path("instance").asText(),
            a.path("namespace").asText(),
            a.path("revision").asText(),
            a.path("kind").asText(),
            cpu(a.path("cpuMillis").asLong()),
            memory(a.path("memoryBytes").asLong()));
      }
      out.println("Assigned:" + (t.isEmpty() ? "       none" : ""));
      if (!t.isEmpty()) {
        out.print(t.render());
      }
    }
  }

  /** Shared by cordon, uncordon and drain: one POST, then the node as it is now. */
  abstract static class Action extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The node's name.")
    String name;

    abstract String action();

    abstract String done();

    @Override
    public Integer call() {
      checkName("node name", name);
      JsonNode n = api().nodeAction(name, action());
      printer().print(n, out -> out.println("Node " + name + " " + done() + "."));
      return OK;
    }
  }

  @Command(name = "cordon", description = "Place no new instances on a node; those there stay.")
  static final class Cordon extends Action {
    @Override
    String action() {
      return "cordon";
    }

    @Override
    String done() {
      return "cordoned: no new instances go there";
    }
  }

  @Command(name = "uncordon", description = "Let new instances be placed on a node again.")
  static final class Uncordon extends Action {
    @Override
    String action() {
      return "uncordon";
    }

    @Override
    String done() {
      return "uncordoned: instances may be placed there again";
    }
  }

  @Command(
      name = "drain",
      description = "Cordon a node and move its instances elsewhere (undo with uncordon).")
  static final class Drain extends Action {
    @Override
    String action() {
      return "drain";
    }

    @Override
    String done() {
      return "draining: cordoned, and its instances are placed elsewhere";
    }
  }

  @Command(
      name = "token",
      description =
          "Bootstrap tokens that let a node agent or an edge join (needs the admin token).",
      subcommands = {Token.Create.class, Token.ListTokens.class, Token.Delete.class})
  static final class Token {
    @Command(
        name = "create",
        description =
            "Make a bootstrap token (shown only this once) and print it with the CA bundle the"
                + " agent checks the node port against; --out DIR writes both as files for"
                + " skiffd --roles node --bootstrap-token DIR/bootstrap-token"
                + " --control-plane-ca DIR/ca.pem.")
    static final class Create extends SkiffCommand {
      @Option(
          names = "--for",
          paramLabel = "node|edge",
          description =
              "What may join with the token: node (skiffd --roles node) or edge (skiffd --roles"
                  + " gateway,activator); default: either.")
      String joinsAs;

      @Option(names = "--node", description = "Only a node of this name may use the token.")
      String node;

      @Option(
          names = "--ttl",
          description = "How long the token works, e.g. 1h; default: until deleted.")
      String ttl;

      @Option(
          names = "--out",
          paramLabel = "DIR",
          description = "Write bootstrap-token and ca.pem here.")
      Path out;

      @Override
      public Integer call() {
        if (joinsAs != null && !joinsAs.equals("node") && !joinsAs.equals("edge")) {
          throw usage("--for " + joinsAs + ": give node or edge (or leave it out for either)");
        }
        if (node != null) {
          checkName("node name", node);
        }
        if (node != null && "edge".equals(joinsAs)) {
          throw usage("--node binds a token to one node: an edge token cannot have it");
        }
        JsonNode t = api().createNodeToken(joinsAs, node, ttl);
        if (out != null) {
          write(out, t);
        }
        printer()
            .print(
                t,
                o -> {
                  if (out == null) {
                    o.println(t.path("token").asText());
                    o.print(t.path("caBundle").asText());
                  }
                  skiff()
                      .err()
                      .println(
                          "Bootstrap token "
                              + t.path("id").asText()
                              + (node != null
                                  ? " (node " + node + " only)"
                                  : joinsAs == null
                                      ? " (nodes and edges)"
                                      : " (" + joinsAs + "s only)")
                              + " created"
                              + (out == null
                                  ? ". It is shown only now: the first line is the token, then the"
                                      + " CA bundle (PEM)."
                                  : " in "
                                      + out.resolve("bootstrap-token")
                                      + ", CA in "
                                      + out.resolve("ca.pem")
                                      + "."));
                });
        return OK;
      }

      private void write(Path dir, JsonNode t) {
        try {
          Files.createDirectories(dir);
          Path token = dir.resolve("bootstrap-token");
          Files.deleteIfExists(token);
          Files.createFile(
              token,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(token, t.path("token").asText() + "\n", StandardCharsets.UTF_8);
          Files.writeString(
              dir.resolve("ca.pem"), t.path("caBundle").asText(), StandardCharsets.UTF_8);
        } catch (IOException | UnsupportedOperationException e) {
          throw usage("--out " + dir + ": cannot write the token files: " + e.getMessage());
        }
      }
    }

    @Command(
        name = "list",
        aliases = "ls",
        description = "List bootstrap tokens (never their secrets).")
    static final class ListTokens extends SkiffCommand {
      @Override
      public Integer call() {
        JsonNode answer = api().nodeTokens();
        printer()
            .print(
                answer,
                out -> {
                  Table t = new Table("ID", "FOR", "NODE", "CREATED", "EXPIRES");
                  for (JsonNode tok : answer.path("items")) {
                    t.row(
                        tok.path("id").asText(),
                        tok.path("for").asText("any"),
                        tok.path("node").asText("any"),
                        tok.path("createdAt").asText(),
                        tok.path("expiresAt").asText("never"));
                  }
                  out.print(t.isEmpty() ? "No bootstrap tokens.\n" : t.render());
                });
        return OK;
      }
    }

    @Command(
        name = "delete",
        aliases = "rm",
        description = "Delete a bootstrap token: no node joins with it.")
    static final class Delete extends SkiffCommand {
      @Parameters(
          index = "0",
          paramLabel = "ID",
          description = "The token's id (skiff nodes token list).")
      String id;

      @Override
      public Integer call() {
        checkName("token id", id);
        JsonNode answer = api().deleteNodeToken(id);
        printer().print(answer, out -> out.println("Bootstrap token " + id + " deleted."));
        return OK;
      }
    }
  }
}
