package dev.skiff.controlplane;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test against a real control plane of its own: {@link #api} is started in {@link #dir} before
 * each test and closed after it (a test may close it and start another in the same directory).
 */
abstract class ApiTestCase {
  @TempDir Path dir;
  ApiFixture api;

  @BeforeEach
  final void startApi() throws Exception {
    api = new ApiFixture(dir);
  }

  @AfterEach
  final void stopApi() throws Exception {
    api.close();
  }
}
