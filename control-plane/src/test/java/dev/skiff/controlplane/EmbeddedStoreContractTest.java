package dev.skiff.controlplane;

import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract against the embedded store in a temp directory. */
class EmbeddedStoreContractTest extends StoreContractTest {
  @TempDir Path dir;

  @Override
  protected Store openStore() throws Exception {
    return await(EmbeddedStore.builder().withDataDir(dir).build().open());
  }

  @Override
  protected Store reopen(Store closed) throws Exception {
    return openStore();
  }

  @Override
  protected void compact(Store s) throws Exception {
    await(((EmbeddedStore) s).compact());
  }
}
