package dev.skiff.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.ConfigMap;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Secret;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.validation.ConfigValidator;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.LegacyAnnotations;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.cli.internal.CliException;
import dev.skiff.cli.internal.ControlPlane;
import dev.skiff.cli.internal.Problem;
import dev.skiff.cli.internal.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code skiff apply -f FILE}: every document of a Skiff or Knative manifest, parsed and checked
 * locally (so mistakes are reported with field paths before anything is sent), then created or
 * replaced.
 */
@Command(
    name = "apply",
    description = {
      "Create or replace the resources of a manifest file.",
      "Skiff resources or Knative Services, YAML or JSON, several documents separated by ---.",
      "Everything is checked before anything is sent; services are waited for as by deploy."
    })
final class ApplyCommand extends SkiffCommand {
  @Option(
      names = {"-f", "--filename"},
      required = true,
      paramLabel = "FILE",
      description = "The manifest file; - reads standard input.")
  String file;

  @Mixin WaitOptions wait;

  @Override
  public Integer call() {
    if (wait.waitTimeoutSeconds < 0) {
      throw usage("--wait-timeout must not be negative");
    }
    String source = file.equals("-") ? "standard input" : file;
    List<Resource> resources = parse(read(), source);
    for (Resource r : resources) {
      if (r instanceof Service s) {
        // The control plane sends the same warnings as Warning headers; they are made here from
        // the same rule so the CLI needs no header plumbing.
        LegacyAnnotations.canonicalize(s)
            .warnings()
            .forEach(
                w -> skiff().err().println("Warning: service " + s.metadata().name() + ": " + w));
      }
    }

    ControlPlane api = api();
    List<Applied> applied = new ArrayList<>();
    for (Resource r : resources) { // write everything first, then wait: revisions start in parallel
      if (r instanceof Service s) {
        Service before =
            api.findService(namespaceOf(s), s.metadata().name()).map(Reply::value).orElse(null);
        applied.add(new Applied(r, before, api.putService(s), null));
      } else {
        applied.add(new Applied(r, null, null, api.put(r)));
      }
    }

    ObjectNode doc = Json.mapper().createObjectNode();
    ArrayNode items = doc.putArray("items");
    List<String> lines = new ArrayList<>();
    ServiceRollout rollout = new ServiceRollout(api, clock(), wait, skiff().progress());
    for (Applied a : applied) {
      String id = a.resource.kind().toLowerCase(Locale.ROOT) + "/" + a.resource.metadata().name();
      if (a.service != null) {
        ServiceRollout.Result result = rollout.follow(a.before, a.service, null);
        items.add(result.service().json());
        lines.add(id + " " + verb(a.service) + ": " + ServiceRollout.describe(result));
      } else {
        items.add(a.other.json());
        lines.add(id + " " + verb(a.other));
      }
    }
    printer().print(doc, out -> lines.forEach(out::println));
    return OK;
  }

  /** One written resource: a service (with its state before the write) or another kind. */
  private record Applied(
      Resource resource, Service before, Reply<Service> service, Reply<? extends Resource> other) {}

  private static String verb(Reply<?> written) {
    return written.created() ? "created" : "configured";
  }

  private String read() {
    try {
      byte[] bytes =
          file.equals("-") ? skiff().in().readAllBytes() : Files.readAllBytes(Path.of(file));
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw usage("-f: no such file: " + file);
    } catch (IOException e) {
      throw usage("-f: cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Parses and validates every document, reporting all problems of all documents at once. */
  private List<Resource> parse(String text, String source) {
    List<Resource> parsed;
    try {
      parsed = Manifests.parseAll(text);
    } catch (ValidationException e) {
      throw new CliException(
          new Problem(
              "invalid manifest in " + source,
              e.errors(),
              "fix the fields listed and apply again"));
    }
    List<Resource> out = new ArrayList<>();
    List<FieldError> problems = new ArrayList<>();
    for (Resource r : parsed) {
      Resource placed = placed(r);
      try {
        validate(placed);
      } catch (ValidationException e) {
        String id = r.kind() + "/" + (r.metadata() == null ? "?" : r.metadata().name());
        e.errors()
            .forEach(
                fe -> problems.add(new FieldError(id + " " + fe.field(), fe.message(), fe.hint())));
      }
      out.add(placed);
    }
    if (!problems.isEmpty()) {
      throw new CliException(
          new Problem(
              "invalid manifest in " + source, problems, "fix the fields listed and apply again"));
    }
    return out;
  }

  /** Puts namespaced resources in the manifest's namespace, or else in the -n one. */
  private Resource placed(Resource r) {
    if (r instanceof Node || r.metadata() == null) {
      return r;
    }
    String own = r.metadata().namespace();
    String given = skiff().explicitNamespace();
    if (own != null && !own.isEmpty() && given != null && !own.equals(given)) {
      throw new CliException(
          r.kind()
              + "/"
              + r.metadata().name()
              + " names namespace '"
              + own
              + "' but -n says '"
              + given
              + "'",
          "drop -n, or remove metadata.namespace from the manifest");
    }
    return own != null && !own.isEmpty()
        ? r
        : r.withMetadata(r.metadata().withNamespace(namespace()));
  }

  private static void validate(Resource r) {
    if (r instanceof Service s) {
      ResourceValidator.validate(s);
    } else if (r instanceof Trigger t) {
      ResourceValidator.validate(t);
    } else if (r instanceof Node n) {
      ResourceValidator.validate(n);
    } else if (r instanceof Secret s) {
      ConfigValidator.validate(s);
    } else if (r instanceof ConfigMap c) {
      ConfigValidator.validate(c);
    } else if (r instanceof DomainMapping d) {
      ResourceValidator.validate(d);
    }
  }

  private String namespaceOf(Service s) {
    return s.metadata().namespaceOrDefault();
  }
}
