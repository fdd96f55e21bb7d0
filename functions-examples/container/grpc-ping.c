/*
 * grpc-ping: the role of Knative's grpc-ping sample, as a static C server over HTTP/2 cleartext
 * (prior knowledge; Debian's libnghttp2 does the framing and HPACK).
 *
 *   service ping.PingService {
 *     rpc Ping(Request) returns (Response);                      // unary
 *     rpc PingStream(stream Request) returns (stream Response);  // one answer per message
 *   }
 *   message Request  { string msg = 1; }
 *   message Response { string msg = 1; }
 *
 * Each answer is "<msg> - pong from <K_REVISION>". Any other method gets grpc-status 12
 * (UNIMPLEMENTED); a request message that is not a Request gets 3 (INVALID_ARGUMENT). Listens on
 * $PORT (default 8080) on all interfaces, one thread, poll(2) over every connection; exits on
 * SIGTERM. Every answer names the instance in the header x-instance ($HOSTNAME) and, when the
 * call had a deadline, echoes the grpc-timeout it arrived with in x-grpc-timeout.
 *
 * Health, for grpc probes (the gRPC Health Checking Protocol):
 *
 *   service grpc.health.v1.Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
 *   message HealthCheckRequest  { string service = 1; }
 *   message HealthCheckResponse { ServingStatus status = 1; }  // SERVING = 1, NOT_SERVING = 2
 *
 * knows the services "" (the server as a whole) and "ping.PingService", both SERVING; any other
 * name gets grpc-status 5 (NOT_FOUND), as grpc-go's health server answers. So a test can fail one
 * instance's probe, the unary ping.PingService/Fail(Request{msg: <service>}) makes that service
 * NOT_SERVING in the instance that answers it ('"<service>" NOT_SERVING in <instance>'), and the
 * env var NOT_SERVING=<service> makes one service start so ("" cannot be named there).
 *
 * Build: gcc -static -O2 -o grpc-ping grpc-ping.c -lnghttp2
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 256
#define MAX_MESSAGE (4u << 20) /* gRPC's default limit */

enum method { UNKNOWN, PING, PING_STREAM, HEALTH_CHECK, FAIL };

struct buf {
  uint8_t *data;
  size_t len, off, cap;
};

struct stream {
  int32_t id;
  enum method method;
  struct buf in, out;
  int request_ended, failed;
  int status;          /* grpc-status when not 0 */
  const char *message; /* its grpc-message */
  char timeout[16];    /* the request's grpc-timeout, "" when none */
  struct stream *next;
};

struct conn {
  int fd;
  nghttp2_session *session;
  struct stream *streams;
};

static volatile sig_atomic_t stopping;
static const char *revision = "unknown";
static const char *instance = "unknown";

/* The health of each service this server knows: HealthCheckResponse.ServingStatus values. */
#define SERVING 1
#define NOT_SERVING 2
static struct {
  const char *name;
  int status;
} health[] = {{"", SERVING}, {"ping.PingService", SERVING}};
#define HEALTH_SERVICES (sizeof health / sizeof health[0])

static int find_service(const uint8_t *name, size_t len) {
  for (size_t i = 0; i < HEALTH_SERVICES; i++)
    if (strlen(health[i].name) == len && memcmp(health[i].name, name, len) == 0) return (int)i;
  return -1;
}

static void on_term(int sig) {
  (void)sig;
  stopping = 1;
}

static int append(struct buf *b, const uint8_t *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    uint8_t *d = realloc(b->data, cap);
    if (!d) return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

/* Drops the consumed front of the buffer. */
static void compact(struct buf *b) {
  if (b->off == 0) return;
  memmove(b->data, b->data + b->off, b->len - b->off);
  b->len -= b->off;
  b->off = 0;
}

static int read_varint(const uint8_t *p, size_t n, size_t *at, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *at < n; shift += 7) {
    uint8_t byte = p[(*at)++];
    *v |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return 0;
  }
  return -1;
}

/* Finds field 1 (string) of a Request; other fields are skipped. 0 on success. */
static int parse_request(const uint8_t *p, size_t n, const uint8_t **msg, size_t *msg_len) {
  size_t at = 0;
  *msg = (const uint8_t *)"";
  *msg_len = 0;
  while (at < n) {
    uint64_t key, len;
    if (read_varint(p, n, &at, &key)) return -1;
    switch (key & 7) {
      case 0:
        if (read_varint(p, n, &at, &len)) return -1;
        break;
      case 1:
        if (n - at < 8) return -1;
        at += 8;
        break;
      case 2:
        if (read_varint(p, n, &at, &len) || len > n - at) return -1;
        if ((key >> 3) == 1) {
          *msg = p + at;
          *msg_len = (size_t)len;
        }
        at += (size_t)len;
        break;
      case 5:
        if (n - at < 4) return -1;
        at += 4;
        break;
      default:
        return -1;
    }
  }
  return 0;
}

/* Appends one framed message of field 1 (string or varint) to the stream's output. */
static int frame(struct stream *st, uint8_t key, uint64_t value_or_len) {
  uint8_t head[5 + 1 + 10];
  size_t h = 5;
  head[h++] = key;
  for (uint64_t v = value_or_len;; v >>= 7) {
    head[h++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    if (v <= 0x7f) break;
  }
  uint32_t body = (uint32_t)(h - 5 + (key == 0x0a ? value_or_len : 0));
  head[0] = 0; /* not compressed */
  head[1] = (uint8_t)(body >> 24);
  head[2] = (uint8_t)(body >> 16);
  head[3] = (uint8_t)(body >> 8);
  head[4] = (uint8_t)body;
  return append(&st->out, head, h);
}

/* HealthCheckResponse{status} for the service named in a HealthCheckRequest, or NOT_FOUND. */
static int check_health(struct stream *st, const uint8_t *name, size_t len) {
  int i = find_service(name, len);
  if (i < 0) {
    st->status = 5;
    st->message = "unknown service";
    return 0;
  }
  return frame(st, 0x08, (uint64_t)health[i].status);
}

/* Makes the named service NOT_SERVING here and says so in a Response. */
static int fail_service(struct stream *st, const uint8_t *name, size_t len) {
  int i = find_service(name, len);
  if (i < 0) {
    st->status = 5;
    st->message = "unknown service";
    return 0;
  }
  health[i].status = NOT_SERVING;
  fprintf(stderr, "grpc-ping: service \"%s\" is now NOT_SERVING\n", health[i].name);
  char text[512];
  int n = snprintf(text, sizeof text, "\"%s\" NOT_SERVING in %s", health[i].name, instance);
  if (n < 0) return -1;
  size_t t = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  return frame(st, 0x0a, t) || append(&st->out, (const uint8_t *)text, t);
}

/* Appends one framed Response{msg: "<msg> - pong from <revision>"} to the stream's output. */
static int answer(struct stream *st, const uint8_t *msg, size_t msg_len) {
  const char *suffix = " - pong from ";
  size_t text = msg_len + strlen(suffix) + strlen(revision);
  return frame(st, 0x0a, text) || append(&st->out, msg, msg_len) ||
         append(&st->out, (const uint8_t *)suffix, strlen(suffix)) ||
         append(&st->out, (const uint8_t *)revision, strlen(revision));
}

#define NV(n, v)                                                                      \
  {                                                                                   \
    (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE \
  }

static ssize_t read_out(nghttp2_session *s, int32_t id, uint8_t *out, size_t length,
                        uint32_t *flags, nghttp2_data_source *src, void *user) {
  (void)user;
  struct stream *st = src->ptr;
  size_t left = st->out.len - st->out.off;
  if (left > 0) {
    size_t n = left < length ? left : length;
    memcpy(out, st->out.data + st->out.off, n);
    st->out.off += n;
    if (st->out.off == st->out.len) st->out.off = st->out.len = 0;
    return (ssize_t)n;
  }
  if (!st->request_ended && !st->failed && !st->status) return NGHTTP2_ERR_DEFERRED;
  *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
  if (st->failed) {
    nghttp2_nv failed[] = {NV("grpc-status", "3"),
                           NV("grpc-message", "the request is not the method's request message")};
    nghttp2_submit_trailer(s, id, failed, 2);
  } else if (st->status) {
    char code[12];
    snprintf(code, sizeof code, "%d", st->status);
    nghttp2_nv error[] = {NV("grpc-status", code), NV("grpc-message", st->message)};
    nghttp2_submit_trailer(s, id, error, 2);
  } else {
    nghttp2_nv ok[] = {NV("grpc-status", "0")};
    nghttp2_submit_trailer(s, id, ok, 1);
  }
  return 0;
}

static void handle_messages(nghttp2_session *s, struct stream *st) {
  int produced = 0;
  while (!st->failed && !st->status && st->in.len - st->in.off >= 5) {
    const uint8_t *p = st->in.data + st->in.off;
    uint32_t n = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    if (p[0] != 0 || n > MAX_MESSAGE) {
      st->failed = 1; /* compressed or oversized: this server speaks neither */
      break;
    }
    if (st->in.len - st->in.off - 5 < n) break;
    const uint8_t *msg;
    size_t msg_len;
    /* Request, HealthCheckRequest: both one string in field 1 */
    if (parse_request(p + 5, n, &msg, &msg_len) ||
        (st->method == HEALTH_CHECK ? check_health(st, msg, msg_len)
         : st->method == FAIL       ? fail_service(st, msg, msg_len)
                                    : answer(st, msg, msg_len))) {
      st->failed = 1;
      break;
    }
    st->in.off += 5 + n;
    produced = 1;
  }
  compact(&st->in);
  if (produced || st->failed || st->status) nghttp2_session_resume_data(s, st->id);
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *user) {
  struct conn *c = user;
  if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  struct stream *st = calloc(1, sizeof *st);
  if (!st) return NGHTTP2_ERR_CALLBACK_FAILURE;
  st->id = f->hd.stream_id;
  st->next = c->streams;
  c->streams = st;
  nghttp2_session_set_stream_user_data(s, st->id, st);
  return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user) {
  (void)flags;
  (void)user;
  if (f->hd.type != NGHTTP2_HEADERS) return 0;
  struct stream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
  if (!st) return 0;
  if (namelen == 12 && memcmp(name, "grpc-timeout", 12) == 0 && valuelen < sizeof st->timeout) {
    memcpy(st->timeout, value, valuelen);
    st->timeout[valuelen] = 0;
    return 0;
  }
  if (namelen != 5 || memcmp(name, ":path", 5) != 0) return 0;
  static const struct {
    const char *path;
    enum method method;
  } methods[] = {{"/ping.PingService/Ping", PING},
                 {"/ping.PingService/PingStream", PING_STREAM},
                 {"/ping.PingService/Fail", FAIL},
                 {"/grpc.health.v1.Health/Check", HEALTH_CHECK}};
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (valuelen == strlen(methods[i].path) && memcmp(value, methods[i].path, valuelen) == 0)
      st->method = methods[i].method;
  return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user) {
  (void)user;
  struct stream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
  if (!st) return 0;
  if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
    if (st->method == UNKNOWN) {
      nghttp2_nv only[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                           NV("x-instance", instance), NV("grpc-status", "12"),
                           NV("grpc-message", "unknown method")};
      return nghttp2_submit_response(s, st->id, only, 5, NULL);
    }
    nghttp2_nv head[] = {NV(":status", "200"), NV("content-type", "application/grpc"),
                         NV("x-instance", instance), NV("x-grpc-timeout", st->timeout)};
    nghttp2_data_provider body = {.source.ptr = st, .read_callback = read_out};
    if (nghttp2_submit_response(s, st->id, head, st->timeout[0] ? 4 : 3, &body))
      return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) &&
      (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    st->request_ended = 1;
    if (st->method != UNKNOWN) nghttp2_session_resume_data(s, st->id);
  }
  return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                   size_t len, void *user) {
  (void)flags;
  (void)user;
  struct stream *st = nghttp2_session_get_stream_user_data(s, id);
  if (!st || st->method == UNKNOWN || st->failed) return 0;
  if (append(&st->in, data, len)) {
    st->failed = 1;
  }
  handle_messages(s, st);
  return 0;
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t code, void *user) {
  (void)s;
  (void)code;
  struct conn *c = user;
  for (struct stream **p = &c->streams; *p; p = &(*p)->next) {
    if ((*p)->id == id) {
      struct stream *st = *p;
      *p = st->next;
      free(st->in.data);
      free(st->out.data);
      free(st);
      break;
    }
  }
  return 0;
}

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags,
                       void *user) {
  (void)s;
  (void)flags;
  struct conn *c = user;
  ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? NGHTTP2_ERR_WOULDBLOCK
                                                             : NGHTTP2_ERR_CALLBACK_FAILURE;
  return n;
}

static struct conn *open_conn(int fd, nghttp2_session_callbacks *cb) {
  struct conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->fd = fd;
  if (nghttp2_session_server_new(&c->session, cb, c)) {
    free(c);
    return NULL;
  }
  nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100}};
  nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, settings, 1);
  return c;
}

static void close_conn(struct conn *c) {
  nghttp2_session_del(c->session);
  while (c->streams) {
    struct stream *st = c->streams;
    c->streams = st->next;
    free(st->in.data);
    free(st->out.data);
    free(st);
  }
  close(c->fd);
  free(c);
}

/* Reads what arrived and sends what is due; -1 when the connection is done. */
static int pump(struct conn *c, short revents) {
  if (revents & POLLIN) {
    uint8_t buf[16384];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n == 0) return -1;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
    if (n > 0 && nghttp2_session_mem_recv(c->session, buf, (size_t)n) < 0) return -1;
  }
  if (revents & (POLLERR | POLLHUP) && !(revents & POLLIN)) return -1;
  if (nghttp2_session_send(c->session)) return -1;
  if (!nghttp2_session_want_read(c->session) && !nghttp2_session_want_write(c->session))
    return -1;
  return 0;
}

int main(void) {
  const char *port_env = getenv("PORT");
  const char *rev = getenv("K_REVISION");
  if (rev && *rev) revision = rev;
  const char *host = getenv("HOSTNAME");
  if (host && *host) instance = host;
  const char *down = getenv("NOT_SERVING");
  if (down && *down) {
    int i = find_service((const uint8_t *)down, strlen(down));
    if (i < 0) {
      fprintf(stderr, "grpc-ping: NOT_SERVING=%s names no service; known: ping.PingService\n",
              down);
      return 2;
    }
    health[i].status = NOT_SERVING;
  }
  int port = port_env && *port_env ? atoi(port_env) : 8080;
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "grpc-ping: PORT=%s is not a port number (1-65535)\n", port_env);
    return 2;
  }
  struct sigaction sa = {.sa_handler = on_term};
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 128)) {
    fprintf(stderr, "grpc-ping: cannot listen on port %d: %s\n", port, strerror(errno));
    return 1;
  }
  fprintf(stderr, "grpc-ping: serving ping.PingService over h2c on port %d\n", port);

  nghttp2_session_callbacks *cb;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_send_callback(cb, on_send);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);

  struct conn *conns[MAX_CONNS] = {0};
  struct pollfd fds[MAX_CONNS + 1];
  while (!stopping) {
    int n = 0;
    fds[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
    for (int i = 0; i < MAX_CONNS; i++) {
      if (!conns[i]) continue;
      short ev = POLLIN;
      if (nghttp2_session_want_write(conns[i]->session)) ev |= POLLOUT;
      fds[n++] = (struct pollfd){.fd = conns[i]->fd, .events = ev};
    }
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      perror("grpc-ping: poll");
      return 1;
    }
    int k = 1;
    for (int i = 0; i < MAX_CONNS; i++) {
      if (!conns[i]) continue;
      short re = fds[k++].revents;
      if (re && pump(conns[i], re)) {
        close_conn(conns[i]);
        conns[i] = NULL;
      }
    }
    if (fds[0].revents & POLLIN) {
      int fd;
      while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int slot = -1;
        for (int i = 0; i < MAX_CONNS && slot < 0; i++)
          if (!conns[i]) slot = i;
        struct conn *c = slot < 0 ? NULL : open_conn(fd, cb);
        if (!c) {
          close(fd);
          continue;
        }
        conns[slot] = c;
        if (pump(c, 0)) {
          close_conn(c);
          conns[slot] = NULL;
        }
      }
    }
  }
  fprintf(stderr, "grpc-ping: stopping\n");
  return 0;
}
