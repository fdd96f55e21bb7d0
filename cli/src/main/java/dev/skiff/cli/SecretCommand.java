package dev.skiff.cli;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Secret;
import dev.skiff.api.validation.ConfigValidator;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff secret create|list|describe|delete}. Values go to the control plane, which stores
 * them encrypted; nothing here ever prints one: answers carry keys and sizes only.
 */
@Command(
    name = "secret",
    description = "Manage secrets functions read as env (values are never shown).",
    subcommands = {
      SecretCommand.Create.class,
      SecretCommand.ListSecrets.class,
      SecretCommand.Describe.class,
      SecretCommand.Delete.class
    })
final class SecretCommand {
  @Command(
      name = "create",
      description = {
        "Create or replace a secret from literals and files.",
        "Functions read it with deploy --env-secret VAR=NAME:KEY, or a manifest's",
        "valueFrom.secretKeyRef / envFrom.secretRef."
      })
  static final class Create extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The secret's name.")
    String name;

    @Option(
        names = "--from-literal",
        paramLabel = "KEY=VALUE",
        description = "A key and its value (repeatable).")
    List<String> literals = new ArrayList<>();

    @Option(
        names = "--from-file",
        paramLabel = "[KEY=]PATH",
        description = "A key and the file holding its value; the key defaults to the file name.")
    List<String> files = new ArrayList<>();

    @Override
    public Integer call() {
      checkName("secret name", name);
      if (literals.isEmpty() && files.isEmpty()) {
        throw usage("give at least one --from-literal KEY=VALUE or --from-file KEY=PATH");
      }
      Map<String, String> stringData = new LinkedHashMap<>();
      Map<String, String> data = new LinkedHashMap<>();
      for (String l : literals) {
        int eq = l.indexOf('=');
        if (eq <= 0) {
          throw usage("--from-literal needs KEY=VALUE, got a value without a key");
        }
        put(stringData, data, l.substring(0, eq), () -> l.substring(eq + 1), null);
      }
      for (String f : files) {
        int eq = f.indexOf('=');
        Path path = Path.of(eq < 0 ? f : f.substring(eq + 1));
        String key = eq < 0 ? String.valueOf(path.getFileName()) : f.substring(0, eq);
        put(stringData, data, key, null, path);
      }
      Secret s =
          new Secret(null, null, ObjectMeta.of(namespace(), name), null, data, stringData, null);
      try {
        ConfigValidator.validate(s);
      } catch (ValidationException e) {
        throw usage(
            String.join(
                "\n", e.errors().stream().map(x -> x.field() + ": " + x.message()).toList()));
      }
      Reply<Secret> written = api().putSecret(s);
      printer()
          .print(
              written.json(),
              out ->
                  out.println(
                      "Secret "
                          + name
                          + (written.created() ? " created" : " replaced")
                          + " with "
                          + written.value().sizes().size()
                          + " key(s): "
                          + String.join(", ", written.value().sizes().keySet())));
      return OK;
    }

    private void put(
        Map<String, String> stringData,
        Map<String, String> data,
        String key,
        java.util.function.Supplier<String> literal,
        Path file) {
      if (stringData.containsKey(key) || data.containsKey(key)) {
        throw usage("key " + key + " is given twice");
      }
      if (literal != null) {
        stringData.put(key, literal.get());
        return;
      }
      try {
        data.put(key, Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
      } catch (NoSuchFileException e) {
        throw usage("--from-file: no such file: " + file);
      } catch (IOException e) {
        throw usage("--from-file: cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  @Command(name = "list", aliases = "ls", description = "List secrets with their keys.")
  static final class ListSecrets extends SkiffCommand {
    @Override
    public Integer call() {
      Reply<List<Secret>> answer = api().secrets(namespace());
      printer()
          .print(
              answer.json(),
              out -> {
                Table t = new Table("NAME", "TYPE", "KEYS");
                for (Secret s : answer.value()) {
                  t.row(s.metadata().name(), s.type(), String.join(",", s.sizes().keySet()));
                }
                out.print(t.isEmpty() ? "No secrets.\n" : t.render());
              });
      return OK;
    }
  }

  @Command(name = "describe", description = "Show a secret's keys and value sizes.")
  static final class Describe extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The secret's name.")
    String name;

    @Override
    public Integer call() {
      checkName("secret name", name);
      Reply<Secret> s = api().secret(namespace(), name);
      printer().print(s.json(), out -> describe(out, s.value()));
      return OK;
    }

    private static void describe(PrintStream out, Secret s) {
      out.println("Name:       " + s.metadata().name());
      out.println("Namespace:  " + s.metadata().namespaceOrDefault());
      out.println("Type:       " + s.type());
      out.println("Data:");
      s.sizes().forEach((k, size) -> out.println("  " + k + ": " + size + " bytes"));
    }
  }

  @Command(name = "delete", aliases = "rm", description = "Delete a secret.")
  static final class Delete extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The secret's name.")
    String name;

    @Override
    public Integer call() {
      checkName("secret name", name);
      var answer = api().deleteSecret(namespace(), name);
      printer().print(answer, out -> out.println("Secret " + name + " deleted."));
      return OK;
    }
  }
}
