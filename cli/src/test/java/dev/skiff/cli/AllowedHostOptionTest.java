package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code skiff deploy --allowed-host}: into the template's allowedHosts, errors named by flag. */
class AllowedHostOptionTest {
  private static TemplateOptions wasm(List<String> hosts) {
    TemplateOptions o = new TemplateOptions();
    o.workload = new TemplateOptions.Workload();
    o.workload.wasm = Path.of("fn.wasm");
    o.allowedHosts = hosts;
    return o;
  }

  @Test
  void hostsGoIntoTheTemplate() {
    assertEquals(
        List.of("api.example.com", "https://10.0.0.7:8443"),
        wasm(List.of("api.example.com", "https://10.0.0.7:8443"))
            .template("sha256:" + "a".repeat(64))
            .allowedHosts());
  }

  @Test
  void aBadHostIsNamedByItsFlag() {
    List<String> problems = wasm(List.of("ftp://x.com")).problems();

    assertEquals(1, problems.size(), problems.toString());
    assertEquals(
        "--allowed-host: has scheme 'ftp'; only http and https (write host, host:port or"
            + " http(s)://host[:port], e.g. api.example.com)",
        problems.get(0));
  }
}
