package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.http.HttpVersion;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web console in Debian's headless Chromium against a real skiffd: sign in with the token, see
 * a deployed service and its request rate move under load, shift traffic with the slider (checked
 * through the API), roll back with the confirmation. Screenshots go to {@code
 * target/console-screenshots/}.
 */
class ConsoleBrowserIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SHOTS = Path.of("target", "console-screenshots");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  RunningSkiffd skiffd;
  WebDriver browser;
  final HttpClient api = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    Prerequisites.requireExecutable(CHROMIUM, "apt-get install chromium");
    Prerequisites.requireExecutable(CHROMEDRIVER, "apt-get install chromium-driver");
    skiffd = RunningSkiffd.start(dir.resolve("data"));
    Cli cli = new Cli(skiffd);
    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    cli.ok("deploy", "hello", "--wasm", wasm.toString());
    cli.ok("deploy", "hello", "--wasm", wasm.toString(), "--env", "GREETING=again");
    Files.createDirectories(SHOTS);
    System.setProperty("SE_OFFLINE", "true");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toString());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .withEnvironment(Map.of("SE_OFFLINE", "true"))
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (skiffd != null) {
      skiffd.close();
    }
  }

  @Test
  void showsLiveRatesShiftsTrafficWithTheSliderAndRollsBack() throws Exception {
    browser.get(skiffd.api() + "/ui/");
    WebElement token = await("the sign-in form", () -> visible(By.id("token")));
    token.sendKeys(skiffd.token(), Keys.ENTER);
    await("the service hello", () -> visible(By.cssSelector("article[data-service=hello]")));
    await("two ready revisions", () -> visible(By.cssSelector("[id='split--default--hello']")));
    screenshot("signed-in");
    // The token lives in this tab's sessionStorage only: not in the URL, a cookie or localStorage.
    var js = (org.openqa.selenium.JavascriptExecutor) browser;
    assertEquals(skiffd.token(), js.executeScript("return sessionStorage.getItem('skiff.token')"));
    assertEquals(0L, js.executeScript("return localStorage.length"));
    assertEquals("", js.executeScript("return document.cookie"));
    assertTrue(!browser.getCurrentUrl().contains(skiffd.token()), browser.getCurrentUrl());
    // Every control has an accessible name: a label for inputs, text for buttons.
    assertEquals(
        0L,
        js.executeScript(
            "return [...document.querySelectorAll('input')].filter(i => i.type !== 'hidden'"
                + " && !document.querySelector('label[for=\"' + i.id + '\"]')"
                + " && !i.getAttribute('aria-label')).length"
                + " + [...document.querySelectorAll('button')]"
                + ".filter(b => !b.textContent.trim()).length"));

    AtomicBoolean loading = new AtomicBoolean(true);
    Thread load = load(loading);
    try {
      double rps =
          await(
              "a request rate above zero for hello-00002",
              () -> {
                double v = rate("hello-00002");
                return v > 0 ? v : null;
              });
      assertTrue(rps > 0);
      // Plots fill up for a few seconds, for the screenshot the README shows.
      await("a few seconds of points", () -> points("hello-00002") >= 15 ? true : null);
      ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
      screenshot("under-load");
    } finally {
      loading.set(false);
      load.join();
    }

    // Keyboard: 100 % to the newest, four steps of 5 % down, then Apply.
    WebElement slider = browser.findElement(By.id("split--default--hello"));
    assertEquals("100", slider.getAttribute("value"));
    slider.sendKeys(Keys.LEFT, Keys.LEFT, Keys.LEFT, Keys.LEFT);
    assertEquals(
        "hello-00002 80%, hello-00001 20%",
        browser.findElement(By.id("split--default--hello-out")).getText());
    browser.findElement(By.cssSelector("article[data-service=hello] button.apply")).click();
    await(
        "the route at 80/20 through the API",
        () -> split().equals(Map.of("hello-00002", 80, "hello-00001", 20)) ? true : null);
    screenshot("split");

    browser.findElement(By.cssSelector("article[data-service=hello] button.rollback")).click();
    WebElement ok = await("the confirmation", () -> visible(By.id("confirm-ok")));
    assertTrue(
        browser.findElement(By.id("confirm-text")).getText().contains("to hello-00001"),
        browser.findElement(By.id("confirm-text")).getText());
    ok.click();
    await(
        "all traffic on hello-00001 through the API",
        () -> split().equals(Map.of("hello-00001", 100)) ? true : null);
    await(
        "the rollback in the events",
        () ->
            browser.findElement(By.id("event-rows")).getText().contains("RolledBack")
                ? true
                : null);
    screenshot("rolled-back");
  }

  /** Requests to hello, one after another, until {@code running} turns false. */
  private Thread load(AtomicBoolean running) {
    Thread t =
        new Thread(
            () -> {
              try (Http http = new Http(HttpVersion.HTTP_1_1)) {
                while (running.get()) {
                  http.get(skiffd.gatewayPort(), "hello.default.localhost", "/");
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            "console-load");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private double rate(String revision) {
    String text =
        browser
            .findElement(By.cssSelector("tr[data-revision='" + revision + "'] td.rps"))
            .getText()
            .trim();
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private int points(String revision) {
    String points =
        browser
            .findElement(By.cssSelector("tr[data-revision='" + revision + "'] polyline"))
            .getAttribute("points");
    return points == null || points.isBlank() ? 0 : points.trim().split(" ").length;
  }

  /** The service's resolved traffic, read through the REST API: revision -> percent (> 0). */
  private Map<String, Integer> split() throws Exception {
    HttpResponse<String> r =
        api.send(
            HttpRequest.newBuilder(
                    URI.create(skiffd.api() + "/v1/namespaces/default/services/hello"))
                .header("Authorization", "Bearer " + skiffd.token())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode traffic = Json.mapper().readTree(r.body()).path("status").path("traffic");
    Map<String, Integer> out = new HashMap<>();
    for (JsonNode t : traffic) {
      if (t.path("percent").asInt() > 0) {
        out.merge(t.path("revisionName").asText(), t.path("percent").asInt(), Integer::sum);
      }
    }
    return out;
  }

  private WebElement visible(By by) {
    List<WebElement> found = browser.findElements(by);
    return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
  }

  private interface Probe<T> {
    T get() throws Exception;
  }

  /** Polls {@code probe} until it answers non-null, failing with a screenshot after a deadline. */
  private <T> T await(String what, Probe<T> probe) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      T v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        screenshot("failed");
        throw new AssertionError("the console never showed " + what + " within " + WAIT);
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
  }

  private void screenshot(String name) throws Exception {
    Path png =
        ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(png, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
