/*
 * hello-server: the container example. A static HTTP/1.1 server that listens on $PORT (default
 * 8080, Knative's runtime contract), answers every request with "Hello from a container" and the
 * revision it runs as ($K_REVISION), keeps connections alive, and exits on SIGTERM.
 *
 * It also plays the roles of Knative's samples, so their manifests run unchanged:
 *   - helloworld-go: with $TARGET set, it answers "Hello $TARGET!";
 *   - autoscale-go: ?sleep=MS holds the request that long before answering;
 *   - probes: GET /healthz answers 200 until GET /unready (then 503), GET /livez answers 200
 *     until GET /break (then 500), so tests can fail one instance's readiness or liveness.
 * Every answer names the instance in X-Instance ($HOSTNAME).
 *
 * With $CALL_URL set (http://{service}.{namespace}/path), it is the container that calls a
 * function: each request (probe paths aside) is answered with what a plain GET of that URL
 * answered, status and body, fetched with an ordinary socket client that knows nothing of the mesh
 * (getaddrinfo through the container's resolv.conf, then HTTP/1.1 over TCP).
 *
 * Build: gcc -static -O2 -pthread -o hello-server hello-server.c
 * (the linker warns that getaddrinfo in a static program wants glibc's shared libraries at run
 * time, for NSS modules; with none in the image it still resolves through /etc/resolv.conf, which
 * is all CALL_URL needs: server's ContainerCallsIT runs it.)
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *revision;
static const char *target;
static const char *instance;
static const char *call_url;
static volatile int unready;
static volatile int broken;

static void on_term(int sig) {
  (void)sig;
  _exit(0);
}

/* Writes all of buf; returns 0, or -1 when the peer went away. */
static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Case-insensitive search for a header's value in a header block; NULL when absent. */
static const char *header(const char *head, const char *name) {
  size_t len = strlen(name);
  for (const char *p = strstr(head, "\r\n"); p != NULL; p = strstr(p + 2, "\r\n")) {
    if (strncasecmp(p + 2, name, len) == 0 && p[2 + len] == ':') {
      const char *v = p + 3 + len;
      while (*v == ' ') v++;
      return v;
    }
  }
  return NULL;
}

/*
 * GETs call_url (http://host[:port]/path) and puts its status and (truncated) body into *status and
 * text; on failure a 502 saying why. Returns the body's length.
 */
static int call_out(int *status, char *text, size_t size) {
  char host[256], port[8] = "80";
  const char *rest = call_url + strlen("http://");
  size_t hl = strcspn(rest, ":/");
  if (strncmp(call_url, "http://", 7) != 0 || hl == 0 || hl >= sizeof(host)) {
    *status = 500;
    return snprintf(text, size, "CALL_URL must be http://host[:port]/path, not %s\n", call_url);
  }
  memcpy(host, rest, hl);
  host[hl] = '\0';
  rest += hl;
  if (*rest == ':') {
    size_t pl = strcspn(rest + 1, "/");
    if (pl == 0 || pl >= sizeof(port)) pl = 0;
    memcpy(port, rest + 1, pl);
    port[pl] = '\0';
    rest += 1 + strcspn(rest + 1, "/");
  }
  const char *path = *rest == '/' ? rest : "/";

  struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
  int gai = getaddrinfo(host, port, &hints, &ai);
  if (gai != 0) {
    *status = 502;
    return snprintf(text, size, "cannot resolve %s: %s\n", host, gai_strerror(gai));
  }
  int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
  if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    int err = errno;
    freeaddrinfo(ai);
    if (fd >= 0) close(fd);
    *status = 502;
    return snprintf(text, size, "cannot connect to %s: %s\n", host, strerror(err));
  }
  freeaddrinfo(ai);
  char request[1024];
  int rl = snprintf(request, sizeof(request),
                    "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
  char reply[4096];
  size_t got = 0;
  if (rl > 0 && (size_t)rl < sizeof(request) && write_all(fd, request, (size_t)rl) == 0) {
    for (;;) {
      ssize_t n = recv(fd, reply + got, sizeof(reply) - 1 - got, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += (size_t)n;
      if (got == sizeof(reply) - 1) break;
    }
  }
  close(fd);
  reply[got] = '\0';
  char *body = strstr(reply, "\r\n\r\n");
  if (strncmp(reply, "HTTP/1.", 7) != 0 || body == NULL) {
    *status = 502;
    return snprintf(text, size, "no HTTP answer from %s\n", host);
  }
  *status = atoi(reply + 9);
  return snprintf(text, size, "%s", body + 4);
}

static void *serve(void *arg) {
  int fd = (int)(long)arg;
  char buf[16384];
  size_t have = 0;
  for (;;) {
    char *end;
    while ((end = memmem(buf, have, "\r\n\r\n", 4)) == NULL) {
      if (have == sizeof(buf) - 1) goto done; /* headers too large */
      ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) goto done;
      have += (size_t)n;
    }
    size_t head_len = (size_t)(end - buf) + 4;
    buf[head_len - 2] = '\0'; /* terminate the header block for the lookups below */

    long body = 0;
    const char *cl = header(buf, "Content-Length");
    if (cl != NULL) body = strtol(cl, NULL, 10);
    const char *conn = header(buf, "Connection");
    int close_after = (conn != NULL && strncasecmp(conn, "close", 5) == 0)
                      || strstr(buf, " HTTP/1.0\r\n") != NULL;

    /* The request target: "GET /path?query HTTP/1.1". */
    char target_path[256] = "/";
    const char *sp = strchr(buf, ' ');
    if (sp != NULL) {
      size_t n = strcspn(sp + 1, " ");
      if (n >= sizeof(target_path)) n = sizeof(target_path) - 1;
      memcpy(target_path, sp + 1, n);
      target_path[n] = '\0';
    }
    const char *sleep_arg = strstr(target_path, "sleep=");
    if (sleep_arg != NULL) {
      long ms = strtol(sleep_arg + 6, NULL, 10);
      if (ms > 0 && ms <= 60000) usleep((useconds_t)ms * 1000);
    }
    int status = 200;
    char text[512];
    int text_len;
    if (strcmp(target_path, "/healthz") == 0) {
      status = unready ? 503 : 200;
      text_len = snprintf(text, sizeof(text), "%s\n", unready ? "unready" : "ok");
    } else if (strcmp(target_path, "/livez") == 0) {
      status = broken ? 500 : 200;
      text_len = snprintf(text, sizeof(text), "%s\n", broken ? "broken" : "ok");
    } else if (strcmp(target_path, "/unready") == 0) {
      unready = 1;
      text_len = snprintf(text, sizeof(text), "instance %s now fails /healthz\n", instance);
    } else if (strcmp(target_path, "/break") == 0) {
      broken = 1;
      text_len = snprintf(text, sizeof(text), "instance %s now fails /livez\n", instance);
    } else if (call_url != NULL) {
      text_len = call_out(&status, text, sizeof(text));
      if (text_len >= (int)sizeof(text)) text_len = (int)sizeof(text) - 1;
    } else if (target != NULL) {
      text_len = snprintf(text, sizeof(text), "Hello %s!\n", target);
    } else {
      text_len = snprintf(text, sizeof(text), "Hello from a container (revision %s)\n", revision);
    }
    char response[1024];
    int response_len = snprintf(response, sizeof(response),
                                 "HTTP/1.1 %d %s\r\n"
                                 "Content-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Length: %d\r\n"
                                 "X-Instance: %s\r\n"
                                 "%s"
                                 "\r\n%s",
                                 status, status == 200 ? "OK" : "Unavailable", text_len, instance,
                                 close_after ? "Connection: close\r\n" : "", text);

    /* Drop this request (and its body) from the buffer, keeping any pipelined bytes. */
    size_t consumed = head_len;
    while (body > 0) {
      size_t in_buf = have - consumed;
      if (in_buf > 0) {
        size_t take = in_buf < (size_t)body ? in_buf : (size_t)body;
        consumed += take;
        body -= (long)take;
        continue;
      }
      ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) goto done;
      have = (size_t)n;
      consumed = 0;
    }
    memmove(buf, buf + consumed, have - consumed);
    have -= consumed;

    if (write_all(fd, response, (size_t)response_len) != 0 || close_after) goto done;
  }
done:
  close(fd);
  return NULL;
}

int main(void) {
  const char *port_env = getenv("PORT");
  int port = port_env != NULL && *port_env != '\0' ? atoi(port_env) : 8080;
  revision = getenv("K_REVISION");
  if (revision == NULL || *revision == '\0') revision = "unknown";
  target = getenv("TARGET");
  if (target != NULL && *target == '\0') target = NULL;
  instance = getenv("HOSTNAME");
  if (instance == NULL || *instance == '\0') instance = "unknown";
  call_url = getenv("CALL_URL");
  if (call_url != NULL && *call_url == '\0') call_url = NULL;
  signal(SIGTERM, on_term);
  signal(SIGPIPE, SIG_IGN);

  int s = socket(AF_INET6, SOCK_STREAM, 0);
  int v6 = s >= 0;
  if (!v6) s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) {
    perror("socket");
    return 1;
  }
  int one = 1, zero = 0;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int bound;
  if (v6) {
    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)); /* also take IPv4 */
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
                             .sin6_addr = in6addr_any};
    bound = bind(s, (struct sockaddr *)&a, sizeof(a));
  } else {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr = {htonl(INADDR_ANY)}};
    bound = bind(s, (struct sockaddr *)&a, sizeof(a));
  }
  if (bound != 0 || listen(s, 1024) != 0) {
    perror("listen");
    return 1;
  }
  fprintf(stderr, "hello-server: revision %s listening on port %d\n", revision, port);
  fflush(stderr);

  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      perror("accept");
      return 1;
    }
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    if (pthread_create(&t, &attr, serve, (void *)(long)c) != 0) close(c);
    pthread_attr_destroy(&attr);
  }
}
