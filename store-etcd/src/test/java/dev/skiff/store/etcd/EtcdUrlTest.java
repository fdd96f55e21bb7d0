package dev.skiff.store.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class EtcdUrlTest {
  @Test
  void parsesOneOrSeveralEndpointsIncludingIpv6() {
    assertEquals(
        List.of(URI.create("http://127.0.0.1:2379")), EtcdUrl.parse("etcd://127.0.0.1:2379"));
    assertEquals(
        List.of(URI.create("http://etcd-1:2379"), URI.create("http://[::1]:2380")),
        EtcdUrl.parse("etcd://etcd-1:2379,[::1]:2380/"));
  }

  @Test
  void refusesWhatIsNotHostAndPortSayingWhatToWrite() {
    for (String bad :
        List.of(
            "127.0.0.1:2379",
            "https://127.0.0.1:2379",
            "etcd://",
            "etcd://127.0.0.1",
            "etcd://127.0.0.1:0",
            "etcd://127.0.0.1:2379,",
            "etcd://user@127.0.0.1:2379",
            "etcd://127.0.0.1:2379/path",
            "etcd://127.0.0.1:2379?x=1")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> EtcdUrl.parse(bad), bad);
      assertTrue(e.getMessage().contains("etcd://127.0.0.1:2379"), e.getMessage());
    }
  }
}
