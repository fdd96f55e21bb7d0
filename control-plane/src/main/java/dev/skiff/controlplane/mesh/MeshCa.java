package dev.skiff.controlplane.mesh;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.validation.Durations;
import dev.skiff.controlplane.CertificateRequestException;
import dev.skiff.controlplane.ConflictException;
import dev.skiff.controlplane.internal.mesh.CaState;
import dev.skiff.controlplane.internal.mesh.CsrReader;
import dev.skiff.controlplane.internal.mesh.Generation;
import dev.skiff.controlplane.internal.mesh.Pem;
import dev.skiff.controlplane.internal.mesh.Signer;
import dev.skiff.controlplane.internal.mesh.StoredCa;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The mesh's certificate authority: a root and an intermediate (ECDSA P-256), made at the first
 * {@link #start()} and kept in the store, that sign short-lived leaf certificates for SPIFFE IDs
 * from PKCS#10 requests. It never sees a requester's private key.
 *
 * <p>Root rotation ({@link #rotateRoot()}) adds a new root and intermediate to the bundle at once
 * and switches issuance to them after {@link Builder#withRootSwitchDelay} (time for every holder to
 * fetch the two-root bundle); the old root leaves the bundle by itself once every leaf it signed
 * has expired, or at once with {@link #finishRotation()}. docs/mesh.md has the sequence.
 *
 * <p>Threads: every method may be called from any thread; signing runs on a worker thread, state
 * changes one after another.
 */
public final class MeshCa {
  private static final Duration BACKDATE = Duration.ofMinutes(1);

  /** An intermediate with less than this left is replaced before it signs again. */
  static final Duration RENEW_INTERMEDIATE = Duration.ofDays(30);

  private final Vertx vertx;
  private final Store store;
  private final String trustDomain;
  private final Clock clock;
  private final Duration defaultTtl;
  private final Duration maxTtl;
  private final Duration minTtl;
  private final Duration rootLifetime;
  private final Duration intermediateLifetime;
  private final Duration switchDelay;
  private volatile CaState state;
  private volatile long modRevision;
  private Future<Void> tail = Future.succeededFuture();

  private MeshCa(Builder b) {
    this.vertx = b.vertx;
    this.store = b.store;
    this.trustDomain = b.trustDomain;
    this.clock = b.clock;
    this.defaultTtl = b.defaultTtl;
    this.maxTtl = b.maxTtl;
    this.minTtl = b.minTtl;
    this.rootLifetime = b.rootLifetime;
    this.intermediateLifetime = b.intermediateLifetime;
    this.switchDelay = b.switchDelay;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads the CA from the store, or makes and stores a new root and intermediate when there is
   * none. Fails when the stored CA is for another trust domain.
   */
  public Future<MeshCa> start() {
    return serially(
        () ->
            store
                .get(StoredCa.KEY)
                .compose(
                    found -> {
                      if (found.isPresent()) {
                        return vertx
                            .executeBlocking(() -> StoredCa.read(found.get().value()), false)
                            .compose(s -> loaded(s, found.get()));
                      }
                      Instant now = clock.instant();
                      return vertx
                          .executeBlocking(
                              () -> new CaState(trustDomain, List.of(newGeneration(now, now))),
                              false)
                          .compose(s -> save(s, Store.ABSENT));
                    })
                .map(v -> this));
  }

  private Future<Void> loaded(CaState s, Entry e) {
    if (!s.trustDomain().equals(trustDomain)) {
      return Future.failedFuture(
          new ConflictException(
              "the mesh CA in the store is for trust domain '"
                  + s.trustDomain()
                  + "', not '"
                  + trustDomain
                  + "'",
              "start with --trust-domain "
                  + s.trustDomain()
                  + " (identities of another trust domain need a new store)"));
    }
    this.state = s;
    this.modRevision = e.modRevision();
    return Future.succeededFuture();
  }

  /** The trust domain in every SPIFFE ID this CA issues. */
  public String trustDomain() {
    return trustDomain;
  }

  /**
   * Signs the public key of {@code csrPem} for {@code id}, valid for {@code ttl} (null: the
   * default). The identity is {@code id} alone: a request asking for another name fails with {@link
   * CertificateRequestException} (422), as do keys other than ECDSA P-256 and a lifetime out of
   * bounds. Whoever calls this has authenticated the requester and decided {@code id}.
   */
  public Future<IssuedCertificate> issue(String csrPem, SpiffeId id, Duration ttl) {
    CaState s = started();
    if (!id.trustDomain().equals(trustDomain)) {
      return Future.failedFuture(
          new CertificateRequestException(
              "spiffeId",
              id + " is not in this mesh's trust domain '" + trustDomain + "'",
              "ask for an identity in spiffe://" + trustDomain + "/"));
    }
    Duration lifetime = ttl == null ? defaultTtl : ttl;
    if (lifetime.compareTo(minTtl) < 0 || lifetime.compareTo(maxTtl) > 0) {
      return Future.failedFuture(
          new CertificateRequestException(
              "ttl",
              Durations.format(lifetime)
                  + " is out of bounds: a mesh certificate lives "
                  + Durations.format(minTtl)
                  + " to "
                  + Durations.format(maxTtl),
              "ask for a ttl in that range, or none for " + Durations.format(defaultTtl)));
    }
    Instant now = clock.instant();
    return renewedIfDue(s, now)
        .compose(current -> sign(current, csrPem, id, now, lifetime))
        .compose(signed -> record(id, signed));
  }

  private Future<Signed> sign(
      CaState s, String csrPem, SpiffeId id, Instant now, Duration lifetime) {
    return vertx.executeBlocking(
        () -> {
          PublicKey key = CsrReader.publicKey(csrPem, id);
          Generation g = s.issuing(now);
          Instant notAfter = min(now.plus(lifetime), g.intermediate().getNotAfter());
          X509Certificate leaf =
              Signer.leaf(
                  key, id, g.intermediate(), g.intermediateKey(), now.minus(BACKDATE), notAfter);
          return new Signed(g, leaf);
        },
        false);
  }

  private record Signed(Generation generation, X509Certificate leaf) {}

  /**
   * The state to issue from: with a new intermediate under the same root when the one that signs
   * now has less than {@link #RENEW_INTERMEDIATE} left (and its root outlives it), so leaves are
   * never cut short by their intermediate. Leaves of the old intermediate keep validating: they
   * chain to the same root.
   */
  private Future<CaState> renewedIfDue(CaState s, Instant now) {
    if (!intermediateDue(s.issuing(now), now)) {
      return Future.succeededFuture(s);
    }
    return serially(
        () -> {
          CaState current = state;
          Generation g = current.issuing(now);
          if (!intermediateDue(g, now)) {
            return Future.succeededFuture(current); // renewed by a request just before
          }
          return vertx
              .executeBlocking(
                  () -> {
                    KeyPair keys = Signer.newKeyPair();
                    X509Certificate next =
                        Signer.intermediate(
                            keys.getPublic(),
                            g.root(),
                            g.rootKey(),
                            trustDomain,
                            now.minus(BACKDATE),
                            min(now.plus(intermediateLifetime), g.root().getNotAfter()));
                    return current.replacing(g.withIntermediate(next, keys.getPrivate()));
                  },
                  false)
              .compose(next -> save(next, modRevision).map(next));
        });
  }

  private static boolean intermediateDue(Generation g, Instant now) {
    Instant until = g.intermediate().getNotAfter().toInstant();
    return until.isBefore(now.plus(RENEW_INTERMEDIATE))
        && g.root().getNotAfter().toInstant().isAfter(until);
  }

  private Future<IssuedCertificate> record(SpiffeId id, Signed signed) {
    X509Certificate leaf = signed.leaf();
    Instant notAfter = leaf.getNotAfter().toInstant();
    String root = signed.generation().fingerprint();
    String serial = leaf.getSerialNumber().toString(16);
    return serially(
            () -> {
              // Only a later expiry than any before under this root changes the state.
              CaState next = state.signedUntil(root, notAfter);
              return next.equals(state) ? Future.<Void>succeededFuture() : save(next, modRevision);
            })
        .compose(
            v ->
                store.put(
                    StoredCa.issuedKey(root, id.path()),
                    StoredCa.write(new StoredCa.IssuedRecord(id.uri(), serial, notAfter, root)),
                    Store.ANY))
        .map(
            e ->
                new IssuedCertificate(
                    id.uri(),
                    Pem.certificates(List.of(leaf, signed.generation().intermediate())),
                    trustBundle(),
                    leaf.getNotBefore().toInstant(),
                    notAfter,
                    serial));
  }

  /** The roots a peer's chain may end in now, as PEM: one, or two during a rotation. */
  public String trustBundle() {
    return Pem.certificates(started().bundle(clock.instant()));
  }

  /**
   * Starts a root rotation: a new root and intermediate join the bundle now and sign new leaves
   * after the switch delay. Fails with {@link ConflictException} while the previous rotation's old
   * root is still in the bundle.
   */
  public Future<MeshStatus> rotateRoot() {
    return serially(
            () -> {
              Instant now = clock.instant();
              CaState s = started().pruned(now);
              if (s.generations().size() > 1) {
                return Future.failedFuture(
                    new ConflictException(
                        "a root rotation is under way: the old root stays in the bundle until"
                            + " its leaves expire ("
                            + s.generations().get(0).leavesUntil()
                            + ")",
                        "wait until then, or drop it now with skiff mesh rotate-root --finish"
                            + " (POST /v1/mesh/rotate-root?finish=true) once every holder"
                            + " renewed"));
              }
              return vertx
                  .executeBlocking(() -> s.adding(newGeneration(now, now.plus(switchDelay))), false)
                  .compose(next -> save(next, modRevision));
            })
        .compose(v -> status());
  }

  /**
   * Ends a rotation now: the new root issues from now on and the old root leaves the bundle, so
   * leaves it signed stop validating. Fails with {@link ConflictException} when none is under way.
   */
  public Future<MeshStatus> finishRotation() {
    return serially(
            () -> {
              CaState s = started();
              if (s.generations().size() < 2) {
                return Future.failedFuture(
                    new ConflictException(
                        "no root rotation is under way", "start one with skiff mesh rotate-root"));
              }
              return save(s.finished(clock.instant()), modRevision);
            })
        .compose(v -> status());
  }

  /** The trust domain, the roots and the last certificate of each identity. */
  public Future<MeshStatus> status() {
    Instant now = clock.instant();
    CaState s = started();
    List<Generation> trusted = s.trusted(now);
    Generation issuing = s.issuing(now);
    List<MeshStatus.Root> roots = new ArrayList<>();
    for (Generation g : trusted) {
      String st = g == issuing ? "active" : g.issuesFrom().isAfter(now) ? "next" : "retiring";
      roots.add(
          new MeshStatus.Root(
              g.fingerprint(),
              g.root().getSubjectX500Principal().getName(),
              g.root().getNotAfter().toInstant(),
              g.intermediate().getNotAfter().toInstant(),
              st,
              g.issuesFrom(),
              st.equals("retiring") ? g.leavesUntil() : null));
    }
    return store
        .list(StoredCa.ISSUED)
        .map(
            entries -> {
              List<MeshStatus.Identity> ids = new ArrayList<>();
              for (Entry e : entries) {
                StoredCa.IssuedRecord r = StoredCa.readIssued(e.value());
                if (trusted.stream().anyMatch(g -> g.fingerprint().equals(r.root()))) {
                  ids.add(
                      new MeshStatus.Identity(r.spiffeId(), r.serial(), r.notAfter(), r.root()));
                }
              }
              return new MeshStatus(trustDomain, roots, ids);
            });
  }

  private Generation newGeneration(Instant now, Instant issuesFrom) {
    KeyPair rootKeys = Signer.newKeyPair();
    X509Certificate root =
        Signer.root(rootKeys, trustDomain, now.minus(BACKDATE), now.plus(rootLifetime));
    KeyPair intKeys = Signer.newKeyPair();
    X509Certificate intermediate =
        Signer.intermediate(
            intKeys.getPublic(),
            root,
            rootKeys.getPrivate(),
            trustDomain,
            now.minus(BACKDATE),
            min(now.plus(intermediateLifetime), root.getNotAfter()));
    return new Generation(
        root, rootKeys.getPrivate(), intermediate, intKeys.getPrivate(), now, issuesFrom, null);
  }

  private Future<Void> save(CaState s, long expected) {
    return store
        .put(StoredCa.KEY, StoredCa.write(s), expected)
        .map(
            e -> {
              this.state = s;
              this.modRevision = e.modRevision();
              return null;
            });
  }

  private CaState started() {
    CaState s = state;
    if (s == null) {
      throw new IllegalStateException("the mesh CA is not started: call start() first");
    }
    return s;
  }

  /** Runs state changes one after another, each seeing the state the previous one left. */
  private synchronized <T> Future<T> serially(Supplier<Future<T>> work) {
    Future<T> next =
        tail.transform(
            ignored -> {
              try {
                return work.get();
              } catch (RuntimeException e) {
                return Future.failedFuture(e);
              }
            });
    tail = next.<Void>mapEmpty().otherwiseEmpty();
    return next;
  }

  private static Instant min(Instant a, java.util.Date b) {
    Instant bi = b.toInstant();
    return a.isBefore(bi) ? a : bi;
  }

  /** Configures a {@link MeshCa}; Vert.x and the store are required. */
  public static final class Builder {
    private Vertx vertx;
    private Store store;
    private String trustDomain = "skiff.local";
    private Clock clock = Clock.systemUTC();
    private Duration defaultTtl = Duration.ofHours(24);
    private Duration maxTtl = Duration.ofDays(7);
    private Duration minTtl = Duration.ofMinutes(1);
    private Duration rootLifetime = Duration.ofDays(3650);
    private Duration intermediateLifetime = Duration.ofDays(365);
    private Duration switchDelay = Duration.ofMinutes(1);

    private Builder() {}

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    public Builder withStore(Store s) {
      this.store = s;
      return this;
    }

    /** The trust domain of every identity; default {@code skiff.local}. */
    public Builder withTrustDomain(String td) {
      SpiffeId.checkTrustDomain(td);
      this.trustDomain = td;
      return this;
    }

    /** The clock for validity periods and the rotation's steps; default UTC system time. */
    public Builder withClock(Clock c) {
      this.clock = Objects.requireNonNull(c);
      return this;
    }

    /** A leaf's lifetime when the request names none; default 24 h. */
    public Builder withDefaultTtl(Duration d) {
      this.defaultTtl = Objects.requireNonNull(d);
      return this;
    }

    /** The longest lifetime a request may ask for; default 7 days. */
    public Builder withMaxTtl(Duration d) {
      this.maxTtl = Objects.requireNonNull(d);
      return this;
    }

    /**
     * The shortest lifetime a request may ask for; default 1 minute. Lower only to compress the
     * mesh's day into seconds in a test (a leaf renews at 70 % of its lifetime).
     */
    public Builder withMinTtl(Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("the min ttl must be positive, got " + d);
      }
      this.minTtl = d;
      return this;
    }

    /**
     * How long after {@link MeshCa#rotateRoot()} the new root starts to sign leaves: time for every
     * holder of the bundle to fetch the one with both roots; default 1 minute.
     */
    public Builder withRootSwitchDelay(Duration d) {
      this.switchDelay = Objects.requireNonNull(d);
      return this;
    }

    public MeshCa build() {
      Objects.requireNonNull(vertx, "withVertx(..) is required");
      Objects.requireNonNull(store, "withStore(..) is required");
      if (defaultTtl.compareTo(minTtl) < 0 || defaultTtl.compareTo(maxTtl) > 0) {
        throw new IllegalArgumentException(
            "the default ttl must lie between " + minTtl + " and the max ttl " + maxTtl);
      }
      return new MeshCa(this);
    }
  }
}
