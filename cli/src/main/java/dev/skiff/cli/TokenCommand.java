package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.internal.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skiff token create|list|delete}: scoped API tokens for people and CI (admin only). */
@Command(
    name = "token",
    description = "Manage API tokens for people and CI (needs the admin token).",
    subcommands = {
      TokenCommand.Create.class,
      TokenCommand.ListTokens.class,
      TokenCommand.Delete.class
    })
final class TokenCommand {
  @Command(
      name = "create",
      description =
          "Create a token and print it (shown only this once). Default: read and write in one"
              + " namespace (--namespace, else -n); --read-only: read everything; --admin:"
              + " everything; --node: a node agent's bootstrap token.")
  static final class Create extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "A name for the token.")
    String name;

    @Option(names = "--read-only", description = "May read everything, write nothing.")
    boolean readOnly;

    @Option(names = "--admin", description = "May do everything an admin may.")
    boolean admin;

    @Option(
        names = "--node",
        description =
            "A node agent's bootstrap token: may read, and get mesh certificates for workloads"
                + " and Skiff's components.")
    boolean node;

    @Override
    public Integer call() {
      checkName("token name", name);
      if ((readOnly ? 1 : 0) + (admin ? 1 : 0) + (node ? 1 : 0) > 1) {
        throw usage("--read-only, --admin and --node exclude each other");
      }
      String role = readOnly ? "read-only" : admin ? "admin" : node ? "node" : "namespace";
      String ns = role.equals("namespace") ? namespace() : null;
      JsonNode t = api().createToken(name, role, ns);
      printer()
          .print(
              t,
              out -> {
                out.println(t.path("token").asText());
                skiff()
                    .err()
                    .println(
                        "Token "
                            + name
                            + " ("
                            + role
                            + (ns == null ? "" : " " + ns)
                            + ") created. It is shown only now: store it (e.g. as SKIFF_TOKEN).");
              });
      return OK;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List tokens (never their secrets).")
  static final class ListTokens extends SkiffCommand {
    @Override
    public Integer call() {
      JsonNode answer = api().tokens();
      printer()
          .print(
              answer,
              out -> {
                Table t = new Table("NAME", "ROLE", "NAMESPACE", "CREATED");
                for (JsonNode tok : answer.path("items")) {
                  t.row(
                      tok.path("name").asText(),
                      tok.path("role").asText(),
                      tok.path("namespace").asText("-"),
                      tok.path("createdAt").asText());
                }
                out.print(t.isEmpty() ? "No tokens.\n" : t.render());
              });
      return OK;
    }
  }

  @Command(name = "delete", aliases = "rm", description = "Delete a token: it stops working.")
  static final class Delete extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The token's name.")
    String name;

    @Override
    public Integer call() {
      checkName("token name", name);
      JsonNode answer = api().deleteToken(name);
      printer().print(answer, out -> out.println("Token " + name + " deleted."));
      return OK;
    }
  }
}
