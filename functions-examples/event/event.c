/*
 * event: a WAGI function in C (wasi-libc) for Kafka triggers. It reads the CloudEvent the
 * dispatcher delivers in binary mode (ce-* headers arrive as HTTP_CE_* variables, the data as the
 * body) and answers with a CloudEvent of its own: ce-id "reply-<id>", source
 * /skiff/examples/event, type dev.skiff.examples.event.reply, subject the incoming type, and the
 * incoming data as its data. With the trigger's --reply-topic set, the dispatcher publishes it.
 * A request that is not a CloudEvent (no ce-id) gets 400.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env_or(const char *name, const char *fallback) {
    const char *value = getenv(name);
    return value && *value ? value : fallback;
}

/* Header values come percent-encoded (CloudEvents' HTTP binding) and are passed on as they are;
   a CR or LF would end the header early, so such a value is refused. */
static int safe(const char *value) {
    return strpbrk(value, "\r\n") == NULL;
}

/* Fixed text needs no formatting: fputs rather than printf, in a function that runs once per
   event. */
static void put(const char *text) {
    fputs(text, stdout);
}

int main(void) {
    const char *id = env_or("HTTP_CE_ID", NULL);
    const char *type = env_or("HTTP_CE_TYPE", "unknown");
    if (!id || !safe(id) || !safe(type)) {
        put("Status: 400\nContent-Type: text/plain\n\nnot a CloudEvent: send ce-id, ce-source, ce-type and ce-specversion headers\n");
        return 0;
    }
    put("Content-Type: ");
    put(env_or("CONTENT_TYPE", "application/octet-stream"));
    put("\nce-specversion: 1.0\nce-id: reply-");
    put(id);
    put("\nce-source: /skiff/examples/event\nce-type: dev.skiff.examples.event.reply\nce-subject: ");
    put(type);
    put("\n\n");
    /* 4 KiB at a time: a 64 KiB buffer here would fill wasm-ld's default 64 KiB stack. */
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        fwrite(buf, 1, n, stdout);
    }
    fflush(stdout);
    return 0;
}
