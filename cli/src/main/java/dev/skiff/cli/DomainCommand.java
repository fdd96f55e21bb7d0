package dev.skiff.cli;

import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingSpec;
import dev.skiff.api.model.DomainMappingStatus;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.validation.DomainNames;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff domain map|list|describe|delete|cert}: custom host names for services, served over
 * HTTPS with a certificate by ACME ({@code --tls auto}) or from files ({@code --cert/--key}).
 */
@Command(
    name = "domain",
    description = "Map custom domains to services, with certificates by ACME or from files.",
    subcommands = {
      DomainCommand.Map.class,
      DomainCommand.ListDomains.class,
      DomainCommand.Describe.class,
      DomainCommand.Delete.class,
      DomainCommand.Cert.class
    })
final class DomainCommand {
  private DomainCommand() {}

  @Command(
      name = "map",
      description = {
        "Map DOMAIN to SERVICE (its whole traffic split, or one --tag).",
        "--tls auto gets a certificate from skiffd's ACME server; --cert/--key upload one;",
        "--tls none serves plain HTTP only. HTTP to a domain with a certificate gets a 308",
        "to HTTPS unless --no-redirect."
      })
  static final class Map extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "e.g. api.example.com")
    String domain;

    @Parameters(index = "1", paramLabel = "SERVICE", description = "The service to route to.")
    String service;

    @Option(names = "--tag", description = "Route to this traffic tag of the service only.")
    String tag;

    @Option(
        names = "--tls",
        paramLabel = "auto|none",
        description = "auto: a certificate by ACME (default without --cert); none: HTTP only.")
    String tls;

    @Option(names = "--cert", paramLabel = "FILE", description = "PEM certificate chain.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "PEM private key of --cert.")
    Path key;

    // A Boolean without a default: picocli's negatable booleans with a true default invert
    // the meaning of the negated form.
    @Option(
        names = "--redirect",
        negatable = true,
        description = "308 from HTTP to HTTPS once a certificate is served (default on).")
    Boolean redirect;

    @Option(
        names = "--hsts",
        paramLabel = "SECONDS",
        description = "Send Strict-Transport-Security with this max-age over HTTPS (default off).")
    Long hsts;

    @Override
    public Integer call() {
      if ((cert == null) != (key == null)) {
        throw usage("give --cert FILE and --key FILE together");
      }
      if (cert != null && tls != null) {
        throw usage("--cert/--key upload a certificate; leave out --tls " + tls);
      }
      String mode = cert != null ? DomainMappingSpec.TLS_FILES : tls == null ? "auto" : tls;
      if (!mode.equals("auto") && !mode.equals("none") && !mode.equals("files")) {
        throw usage("--tls must be auto or none, got '" + tls + "'");
      }
      String chainPem = cert == null ? null : read(cert, "--cert");
      String keyPem = key == null ? null : read(key, "--key");
      DomainMapping d =
          DomainMapping.of(
              ObjectMeta.of(namespace(), domain),
              new DomainMappingSpec(service, tag, mode, redirect, hsts));
      try {
        ResourceValidator.validate(d);
      } catch (ValidationException e) {
        throw usage(
            String.join(
                "\n", e.errors().stream().map(x -> x.field() + ": " + x.message()).toList()));
      }
      Reply<DomainMapping> written = api().putDomainMapping(d);
      if (chainPem != null) {
        written = api().putDomainCertificate(namespace(), domain, chainPem, keyPem);
      }
      Reply<DomainMapping> shown = written;
      printer()
          .print(
              shown.json(),
              out ->
                  out.println(
                      "Domain "
                          + domain
                          + " maps to "
                          + service
                          + (tag == null ? "" : " tag " + tag)
                          + " (tls "
                          + mode
                          + ", certificate "
                          + state(shown.value())
                          + ")."));
      return OK;
    }

    private String read(Path file, String flag) {
      try {
        return Files.readString(file, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw usage(flag + ": cannot read " + file + ": " + e.getMessage());
      }
    }
  }

  @Command(
      name = "cert",
      description = {
        "Upload a certificate not tied to one mapping, e.g. a wildcard *.example.com for the",
        "services' own hosts under skiffd --domain (admin token)."
      })
  static final class Cert extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "e.g. *.example.com")
    String name;

    @Option(names = "--cert", required = true, paramLabel = "FILE", description = "PEM chain.")
    Path cert;

    @Option(names = "--key", required = true, paramLabel = "FILE", description = "PEM key.")
    Path key;

    @Override
    public Integer call() {
      String problem = DomainNames.problem(name, true);
      if (problem != null) {
        throw usage("NAME " + problem + "; " + DomainNames.HINT + ", or *.example.com");
      }
      String chainPem;
      String keyPem;
      try {
        chainPem = Files.readString(cert, StandardCharsets.US_ASCII);
        keyPem = Files.readString(key, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw usage("cannot read --cert/--key: " + e.getMessage());
      }
      var answer = api().putClusterCertificate(name, chainPem, keyPem);
      printer()
          .print(
              answer,
              out ->
                  out.println(
                      "Certificate for "
                          + name
                          + " stored, valid until "
                          + answer.path("notAfter").asText()
                          + "."));
      return OK;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List domain mappings.")
  static final class ListDomains extends SkiffCommand {
    @Option(names = "--all-namespaces", description = "Every namespace's mappings.")
    boolean all;

    @Override
    public Integer call() {
      Reply<List<DomainMapping>> answer = api().domainMappings(all ? null : namespace());
      printer()
          .print(
              answer.json(),
              out -> {
                Table t =
                    new Table("DOMAIN", "NAMESPACE", "SERVICE", "TLS", "CERTIFICATE", "EXPIRES");
                for (DomainMapping d : answer.value()) {
                  DomainMappingStatus s = d.status();
                  t.row(
                      d.domain(),
                      d.metadata().namespaceOrDefault(),
                      d.spec().service() + (d.spec().tag() == null ? "" : "@" + d.spec().tag()),
                      d.spec().tlsOrDefault(),
                      state(d),
                      s == null || s.notAfter() == null ? "-" : s.notAfter().toString());
                }
                out.print(t.isEmpty() ? "No domain mappings.\n" : t.render());
              });
      return OK;
    }
  }

  @Command(name = "describe", description = "Show a mapping and its certificate's state.")
  static final class Describe extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Override
    public Integer call() {
      Reply<DomainMapping> d = api().domainMapping(namespace(), domain);
      printer().print(d.json(), out -> describe(out, d.value()));
      return OK;
    }

    private static void describe(PrintStream out, DomainMapping d) {
      DomainMappingSpec s = d.spec();
      DomainMappingStatus st = d.status();
      out.println("Domain:       " + d.domain());
      out.println("Namespace:    " + d.metadata().namespaceOrDefault());
      out.println(
          "Service:      " + s.service() + (s.tag() == null ? "" : " (tag " + s.tag() + ")"));
      out.println("TLS:          " + s.tlsOrDefault());
      out.println("Redirect:     " + (s.redirectOrDefault() ? "HTTP -> HTTPS (308)" : "off"));
      out.println(
          "HSTS:         "
              + (s.hstsMaxAgeSeconds() == null ? "off" : "max-age=" + s.hstsMaxAgeSeconds()));
      out.println("Certificate:  " + state(d));
      if (st != null) {
        if (st.reason() != null) {
          out.println("Reason:       " + st.reason());
        }
        if (st.notAfter() != null) {
          out.println("Expires:      " + st.notAfter());
        }
        if (st.renewAt() != null) {
          out.println(
              (DomainMappingStatus.FAILED.equals(st.certificate())
                      ? "Retry at:     "
                      : "Renew at:     ")
                  + st.renewAt());
        }
        if (st.failures() != null && st.failures() > 0) {
          out.println("Failures:     " + st.failures());
        }
      }
    }
  }

  @Command(
      name = "delete",
      aliases = "rm",
      description = "Unmap a domain (and drop its certificate).")
  static final class Delete extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN")
    String domain;

    @Override
    public Integer call() {
      var answer = api().deleteDomainMapping(namespace(), domain);
      printer().print(answer, out -> out.println("Domain " + domain + " unmapped."));
      return OK;
    }
  }

  static String state(DomainMapping d) {
    if (DomainMappingSpec.TLS_NONE.equals(d.spec().tlsOrDefault())) {
      return "none";
    }
    return d.status() == null || d.status().certificate() == null
        ? "pending"
        : d.status().certificate();
  }
}
