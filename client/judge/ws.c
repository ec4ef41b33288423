/* ws.c -- WebSocket handshake, frame reader and frame writer (see ws.h).
 *
 * Frame layout (RFC 6455 5.2): byte 0 is FIN, three reserved bits and the
 * opcode; byte 1 is the MASK bit and a 7-bit length, where 126 means a
 * 16-bit length follows and 127 a 64-bit one; then the 4-byte mask key
 * when MASK is set; then the payload.  The reader checks each field as
 * soon as its bytes are there, so a bad frame fails before its payload
 * arrives, and only touches the payload (unmasking it) once all of it is
 * in the buffer. */
#include "ws.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "sha1.h"

/* ---- handshake ---- */

static int reject(struct ws_handshake *hs, const char *why)
{
    hs->status = 400;
    hs->error = why;
    return 400;
}

int ws_handshake_check(const struct http_request *req, struct ws_handshake *hs)
{
    const struct http_header *version, *key = NULL;
    unsigned char nonce[18];
    size_t nonce_len;

    memset(hs, 0, sizeof(*hs));
    if (!http_method_is(req, "GET"))
        return reject(hs, "a WebSocket handshake must be a GET");
    if (req->minor_version < 1)
        return reject(hs, "a WebSocket handshake needs HTTP/1.1");
    if (!http_header_has_token(req, "Upgrade", "websocket"))
        return reject(hs, "missing \"Upgrade: websocket\"");
    if (!http_header_has_token(req, "Connection", "Upgrade"))
        return reject(hs, "missing \"Connection: Upgrade\"");

    version = http_find_header(req, "Sec-WebSocket-Version");
    if (version == NULL || version->value_len != 2 ||
        memcmp(version->value, WS_VERSION, 2) != 0) {
        hs->bad_version = 1;
        return reject(hs, "unsupported Sec-WebSocket-Version (need 13)");
    }

    for (size_t i = 0; i < req->num_headers; i++) {
        const struct http_header *h = &req->headers[i];

        if (h->name_len != 17 ||
            strncasecmp(h->name, "Sec-WebSocket-Key", 17) != 0)
            continue;
        if (key != NULL)
            return reject(hs, "more than one Sec-WebSocket-Key");
        key = h;
    }
    if (key == NULL)
        return reject(hs, "missing Sec-WebSocket-Key");
    if (base64_decode(key->value, key->value_len, nonce, sizeof(nonce),
                      &nonce_len) < 0 ||
        nonce_len != 16)
        return reject(hs, "Sec-WebSocket-Key is not 16 bytes in base64");

    ws_accept_key(key->value, key->value_len, hs->accept);
    return 0;
}

void ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1])
{
    struct sha1_ctx c;
    unsigned char digest[SHA1_DIGEST_LEN];

    sha1_init(&c);
    sha1_update(&c, key, key_len);
    sha1_update(&c, WS_GUID, strlen(WS_GUID));
    sha1_final(&c, digest);
    base64_encode(digest, sizeof(digest), out);
}

long ws_write_accept(char *out, size_t cap, const struct ws_handshake *hs)
{
    char tmp[160];
    int n = snprintf(tmp, sizeof(tmp),
                     "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n"
                     "\r\n",
                     hs->accept);

    if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n > cap)
        return -1;
    memcpy(out, tmp, (size_t)n);
    return n;
}

long ws_write_reject(char *out, size_t cap, const struct ws_handshake *hs)
{
    const char *why = hs->error != NULL ? hs->error : "bad handshake";
    size_t body_len = strlen(why) + 1;
    long head = http_write_head(out, cap, 400, "text/plain", body_len, 0,
                                hs->bad_version ? "Sec-WebSocket-Version: "
                                                  "13\r\n"
                                                : NULL);

    if (head < 0 || cap - (size_t)head < body_len)
        return -1;
    memcpy(out + head, why, body_len - 1);
    out[head + (long)body_len - 1] = '\n';
    return head + (long)body_len;
}

/* ---- reader ---- */

/* parse_header() result besides WS_READ_MORE and WS_READ_ERROR. */
#define HEADER_DONE 2

/* A parsed frame header. */
struct frame {
    int fin;
    int opcode;
    const unsigned char *mask; /* NULL when unmasked */
    uint64_t len;
    size_t header_len;
};

static int fail(struct ws_reader *r, int code, const char *fmt, ...)
{
    va_list ap;

    r->failed = 1;
    r->close_code = code;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof(r->error), fmt, ap);
    va_end(ap);
    return WS_READ_ERROR;
}

void ws_reader_init(struct ws_reader *r, enum ws_role role)
{
    memset(r, 0, sizeof(*r));
    r->role = role;
    r->max_message = WS_MAX_MESSAGE_DEFAULT;
    utf8_init(&r->utf8);
}

void ws_reader_free(struct ws_reader *r)
{
    free(r->frag);
    r->frag = NULL;
    r->frag_len = r->frag_cap = 0;
}

size_t ws_reader_bytes_wanted(const struct ws_reader *r)
{
    return r->wanted;
}

int ws_close_code_valid(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

static int opcode_known(int op)
{
    return op == WS_OP_CONTINUATION || op == WS_OP_TEXT || op == WS_OP_BINARY ||
           op == WS_OP_CLOSE || op == WS_OP_PING || op == WS_OP_PONG;
}

/* The first byte: flags and opcode, and how the opcode fits the message
 * in progress. */
static int check_first_byte(struct ws_reader *r, unsigned char b,
                            struct frame *f)
{
    f->fin = b >> 7;
    f->opcode = b & 0x0F;
    if (b & 0x70)
        return fail(r, WS_CLOSE_PROTOCOL_ERROR, "reserved bits 0x%02x set",
                    b & 0x70);
    if (!opcode_known(f->opcode))
        return fail(r, WS_CLOSE_PROTOCOL_ERROR, "unknown opcode 0x%x",
                    f->opcode);
    if (f->opcode & 0x8) {
        if (!f->fin)
            return fail(r, WS_CLOSE_PROTOCOL_ERROR,
                        "fragmented control frame (opcode 0x%x)", f->opcode);
    } else if (f->opcode == WS_OP_CONTINUATION && r->frag_opcode == 0) {
        return fail(r, WS_CLOSE_PROTOCOL_ERROR,
                    "continuation frame with no message in progress");
    } else if (f->opcode != WS_OP_CONTINUATION && r->frag_opcode != 0) {
        return fail(r, WS_CLOSE_PROTOCOL_ERROR,
                    "new data frame inside a fragmented message");
    }
    return 0;
}

/* The second byte: the mask bit for this side, the control frame cap. */
static int check_second_byte(struct ws_reader *r, unsigned char b,
                             const struct frame *f)
{
    int masked = b >> 7;

    if (r->role == WS_ROLE_SERVER && !masked)
        return fail(r, WS_CLOSE_PROTOCOL_ERROR, "unmasked client frame");
    if (r->role == WS_ROLE_CLIENT && masked)
        return fail(r, WS_CLOSE_PROTOCOL_ERROR, "masked server frame");
    if ((f->opcode & 0x8) && (b & 0x7F) > WS_MAX_CONTROL_PAYLOAD)
        return fail(r, WS_CLOSE_PROTOCOL_ERROR, "control frame over %d bytes",
                    WS_MAX_CONTROL_PAYLOAD);
    return 0;
}

/* Parse the header at p[0..avail).  Returns HEADER_DONE with *f set,
 * WS_READ_MORE, or WS_READ_ERROR. */
static int parse_header(struct ws_reader *r, const unsigned char *p,
                        size_t avail, struct frame *f)
{
    size_t need = 2;
    uint64_t len;
    size_t so_far;

    if (avail < 1)
        return WS_READ_MORE;
    if (check_first_byte(r, p[0], f) < 0)
        return WS_READ_ERROR;
    if (avail < 2)
        return WS_READ_MORE;
    if (check_second_byte(r, p[1], f) < 0)
        return WS_READ_ERROR;

    len = p[1] & 0x7F;
    if (len == 126) {
        need = 4;
        if (avail < need)
            return WS_READ_MORE;
        len = (uint64_t)p[2] << 8 | p[3];
        if (len < 126)
            return fail(r, WS_CLOSE_PROTOCOL_ERROR,
                        "16-bit length %u not minimal", (unsigned)len);
    } else if (len == 127) {
        need = 10;
        if (avail < need)
            return WS_READ_MORE;
        len = 0;
        for (int i = 2; i < 10; i++)
            len = len << 8 | p[i];
        if (len >> 63)
            return fail(r, WS_CLOSE_PROTOCOL_ERROR,
                        "64-bit length with the top bit set");
        if (len < 65536)
            return fail(r, WS_CLOSE_PROTOCOL_ERROR,
                        "64-bit length %llu not minimal",
                        (unsigned long long)len);
    }

    so_far = f->opcode == WS_OP_CONTINUATION ? r->frag_len : 0;
    if (!(f->opcode & 0x8) &&
        (so_far > r->max_message || len > r->max_message - so_far))
        return fail(r, WS_CLOSE_MESSAGE_TOO_BIG, "message over %zu bytes",
                    r->max_message);

    f->mask = NULL;
    if (p[1] & 0x80) {
        f->mask = p + need;
        need += 4;
        if (avail < need)
            return WS_READ_MORE;
    }
    f->len = len;
    f->header_len = need;
    return HEADER_DONE;
}

static void unmask(unsigned char *p, size_t n, const unsigned char *mask)
{
    for (size_t i = 0; i < n; i++)
        p[i] ^= mask[i & 3];
}

/* Append a fragment to the reassembly buffer (room up to max_message). */
static int append_fragment(struct ws_reader *r, const unsigned char *p,
                           size_t n)
{
    size_t need = r->frag_len + n;

    if (r->frag == NULL || need > r->frag_cap) {
        size_t cap = r->frag_cap ? r->frag_cap : 256;
        unsigned char *q;

        while (cap < need)
            cap *= 2;
        if (cap > r->max_message && need <= r->max_message)
            cap = r->max_message > 0 ? r->max_message : 1;
        q = realloc(r->frag, cap);
        if (q == NULL)
            return fail(r, WS_CLOSE_INTERNAL_ERROR,
                        "out of memory for a %zu-byte message", need);
        r->frag = q;
        r->frag_cap = cap;
    }
    if (n > 0)
        memcpy(r->frag + r->frag_len, p, n);
    r->frag_len = need;
    return 0;
}

/* A close payload: empty, or a valid code and a UTF-8 reason. */
static int read_close(struct ws_reader *r, struct ws_message *msg)
{
    msg->close_code = WS_CLOSE_NO_STATUS;
    msg->reason = msg->data;
    msg->reason_len = 0;
    if (msg->len == 0)
        return WS_READ_MESSAGE;
    if (msg->len == 1)
        return fail(r, WS_CLOSE_PROTOCOL_ERROR, "close payload of 1 byte");
    msg->close_code = msg->data[0] << 8 | msg->data[1];
    if (!ws_close_code_valid(msg->close_code))
        return fail(r, WS_CLOSE_PROTOCOL_ERROR, "invalid close code %d",
                    msg->close_code);
    msg->reason = msg->data + 2;
    msg->reason_len = msg->len - 2;
    if (!utf8_valid(msg->reason, msg->reason_len))
        return fail(r, WS_CLOSE_INVALID_PAYLOAD,
                    "close reason is not valid UTF-8");
    return WS_READ_MESSAGE;
}

/* A data frame, whole in the buffer: deliver it, or keep it as a fragment
 * (returning WS_READ_MORE so that the caller's loop goes on). */
static int take_data_frame(struct ws_reader *r, const struct frame *f,
                           unsigned char *payload, struct ws_message *msg)
{
    int text;

    if (f->opcode != WS_OP_CONTINUATION && f->fin) {
        if (f->opcode == WS_OP_TEXT && !utf8_valid(payload, f->len))
            return fail(r, WS_CLOSE_INVALID_PAYLOAD,
                        "text message is not valid UTF-8");
        msg->opcode = f->opcode;
        msg->data = payload;
        msg->len = f->len;
        msg->fragments = 1;
        return WS_READ_MESSAGE;
    }

    if (f->opcode != WS_OP_CONTINUATION) {
        r->frag_opcode = f->opcode;
        r->frag_count = 0;
        r->frag_len = 0;
        utf8_init(&r->utf8);
    }
    text = r->frag_opcode == WS_OP_TEXT;
    if (append_fragment(r, payload, f->len) < 0)
        return WS_READ_ERROR;
    r->frag_count++;
    if (text && utf8_feed(&r->utf8, payload, f->len) < 0)
        return fail(r, WS_CLOSE_INVALID_PAYLOAD,
                    "text message is not valid UTF-8");
    if (!f->fin)
        return WS_READ_MORE;

    if (text && !utf8_complete(&r->utf8))
        return fail(r, WS_CLOSE_INVALID_PAYLOAD,
                    "text message ends inside a UTF-8 character");
    msg->opcode = r->frag_opcode;
    msg->data = r->frag;
    msg->len = r->frag_len;
    msg->fragments = r->frag_count;
    r->frag_opcode = 0;
    return WS_READ_MESSAGE;
}

int ws_read(struct ws_reader *r, unsigned char *buf, size_t len,
            size_t *consumed, struct ws_message *msg)
{
    *consumed = 0;
    r->wanted = 0;
    memset(msg, 0, sizeof(*msg));
    if (r->failed)
        return WS_READ_ERROR;

    for (;;) {
        unsigned char *p = buf + *consumed;
        size_t avail = len - *consumed;
        struct frame f = {0, 0, NULL, 0, 0};
        int s = parse_header(r, p, avail, &f);
        unsigned char *payload;

        if (s != HEADER_DONE)
            return s;
        if (f.len > avail - f.header_len) {
            r->wanted = f.header_len + (size_t)f.len;
            return WS_READ_MORE;
        }

        payload = p + f.header_len;
        if (f.mask != NULL) {
            unsigned char key[4];

            /* The key sits right before the payload; copy it first. */
            memcpy(key, f.mask, 4);
            unmask(payload, (size_t)f.len, key);
        }
        *consumed += f.header_len + (size_t)f.len;

        if (f.opcode & 0x8) {
            msg->opcode = f.opcode;
            msg->data = payload;
            msg->len = (size_t)f.len;
            msg->fragments = 1;
            return f.opcode == WS_OP_CLOSE ? read_close(r, msg)
                                           : WS_READ_MESSAGE;
        }
        s = take_data_frame(r, &f, payload, msg);
        if (s != WS_READ_MORE)
            return s;
    }
}

/* ---- writer ---- */

size_t ws_frame_header(unsigned char *out, int fin, int opcode, uint64_t len,
                       const unsigned char *mask)
{
    size_t n = 2;

    out[0] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0F));
    if (len < 126) {
        out[1] = (unsigned char)len;
    } else if (len <= 0xFFFF) {
        out[1] = 126;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
        n = 4;
    } else {
        out[1] = 127;
        for (int i = 0; i < 8; i++)
            out[2 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 10;
    }
    if (mask != NULL) {
        out[1] |= 0x80;
        memcpy(out + n, mask, 4);
        n += 4;
    }
    return n;
}

long ws_write_frame(unsigned char *out, size_t cap, int fin, int opcode,
                    const void *payload, size_t len, const unsigned char *mask)
{
    unsigned char head[WS_MAX_FRAME_HEADER];
    size_t n;

    if ((opcode & 0x8) && (!fin || len > WS_MAX_CONTROL_PAYLOAD))
        return -1;
    n = ws_frame_header(head, fin, opcode, len, mask);
    if (cap < n || cap - n < len)
        return -1;
    memcpy(out, head, n);
    if (len > 0)
        memcpy(out + n, payload, len);
    if (mask != NULL)
        unmask(out + n, len, mask);
    return (long)(n + len);
}

long ws_write_close(unsigned char *out, size_t cap, int code,
                    const char *reason, size_t reason_len,
                    const unsigned char *mask)
{
    unsigned char payload[WS_MAX_CONTROL_PAYLOAD];
    size_t n = 0, keep = 0;

    if (code == 0)
        return ws_write_frame(out, cap, 1, WS_OP_CLOSE, NULL, 0, mask);
    if (!ws_close_code_valid(code))
        return -1;
    payload[0] = (unsigned char)(code >> 8);
    payload[1] = (unsigned char)code;

    /* Whole characters only, so the peer never sees a cut one (1007). */
    while (keep < reason_len) {
        size_t k = utf8_char_len(reason + keep, reason_len - keep);

        if (k == 0 || keep + k > WS_MAX_CONTROL_PAYLOAD - 2)
            break;
        keep += k;
    }
    if (keep > 0)
        memcpy(payload + 2, reason, keep);
    n = 2 + keep;
    return ws_write_frame(out, cap, 1, WS_OP_CLOSE, payload, n, mask);
}
