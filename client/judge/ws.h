/* ws.h -- WebSocket protocol (RFC 6455): handshake, frame reader, frame
 * writer.  No I/O: the caller owns sockets and buffers.
 *
 * Handshake: the caller parses the upgrade request with http.h, then
 * ws_handshake_check() validates it and computes Sec-WebSocket-Accept;
 * ws_write_accept() writes the 101 answer, ws_write_reject() the 400.
 *
 * Reading: a struct ws_reader per connection turns received bytes into
 * messages.  The caller appends received bytes to its buffer and calls
 * ws_read() with the buffer from its first unconsumed byte; ws_read()
 * parses frames in place (unmasking payloads in the caller's buffer) and
 * reports one event per call:
 *   WS_READ_MESSAGE  a whole text/binary message, or a control frame
 *                    (ping, pong, close) -- control frames may arrive
 *                    between the fragments of a message and are reported
 *                    at once;
 *   WS_READ_MORE     no complete event in the bytes given;
 *   WS_READ_ERROR    the peer broke the protocol: send a close frame with
 *                    r->close_code, then close the connection.
 * In every case *consumed says how many bytes at the start of buf the
 * reader is done with; the caller drops them AFTER using the message
 * (its data may point into them).  A message in one frame points into the
 * caller's buffer; the fragments of a fragmented message are copied into a
 * reassembly buffer the reader owns (allocated lazily, never larger than
 * max_message), and the message points there, valid until the next
 * ws_read() or ws_reader_free().
 *
 * Protocol errors and their close codes:
 *   1002 reserved bits set (no extension is negotiated), unknown opcode,
 *        frame from a client not masked (or from a server masked),
 *        control frame fragmented or over 125 bytes, continuation with no
 *        message in progress, a new text/binary frame while a fragmented
 *        message is in progress, a length not in its shortest encoding or
 *        with the top bit of the 64-bit form set, a close payload of 1 byte
 *        or an invalid close code;
 *   1007 a text message or a close reason that is not valid UTF-8
 *        (checked per fragment as it arrives, and at the end);
 *   1009 a message (all fragments together) over max_message, detected
 *        from the frame header before the payload arrives;
 *   1011 out of memory for the reassembly buffer.
 * After an error the reader stays failed; every later call returns
 * WS_READ_ERROR. */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "utf8.h"

#define WS_GUID       "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_VERSION    "13"
#define WS_KEY_LEN    24 /* base64 of the 16-byte Sec-WebSocket-Key */
#define WS_ACCEPT_LEN 28 /* base64 of a SHA-1 digest */

#define WS_MAX_MESSAGE_DEFAULT (1024 * 1024)
#define WS_MAX_CONTROL_PAYLOAD 125
/* Longest frame header: 2 + 8 (64-bit length) + 4 (mask). */
#define WS_MAX_FRAME_HEADER 14
#define WS_ERROR_LEN        96

/* Opcodes. */
#define WS_OP_CONTINUATION 0x0
#define WS_OP_TEXT         0x1
#define WS_OP_BINARY       0x2
#define WS_OP_CLOSE        0x8
#define WS_OP_PING         0x9
#define WS_OP_PONG         0xA

/* Close codes (RFC 6455 7.4.1).  NO_STATUS, ABNORMAL and TLS are never
 * sent: they describe a close without a code, a connection lost without a
 * close frame, and a TLS failure. */
#define WS_CLOSE_NORMAL              1000
#define WS_CLOSE_GOING_AWAY          1001
#define WS_CLOSE_PROTOCOL_ERROR      1002
#define WS_CLOSE_UNSUPPORTED_DATA    1003
#define WS_CLOSE_NO_STATUS           1005
#define WS_CLOSE_ABNORMAL            1006
#define WS_CLOSE_INVALID_PAYLOAD     1007
#define WS_CLOSE_POLICY_VIOLATION    1008
#define WS_CLOSE_MESSAGE_TOO_BIG     1009
#define WS_CLOSE_MANDATORY_EXTENSION 1010
#define WS_CLOSE_INTERNAL_ERROR      1011
#define WS_CLOSE_TLS_HANDSHAKE       1015

/* ws_read() results. */
#define WS_READ_MESSAGE 1
#define WS_READ_MORE    0
#define WS_READ_ERROR   (-1)

/* Which side reads: a server requires masked frames, a client unmasked. */
enum ws_role { WS_ROLE_SERVER, WS_ROLE_CLIENT };

struct ws_handshake {
    int status;        /* 0 when valid, else 400 (the answer to send) */
    int bad_version;   /* Sec-WebSocket-Version missing or not 13: the 400
                        * also carries "Sec-WebSocket-Version: 13" */
    const char *error; /* static reason, "missing Sec-WebSocket-Key" */
    char accept[WS_ACCEPT_LEN + 1]; /* Sec-WebSocket-Accept when valid */
};

struct ws_message {
    int opcode;          /* WS_OP_TEXT, _BINARY, _PING, _PONG or _CLOSE */
    unsigned char *data; /* payload (unmasked); for CLOSE the whole */
    size_t len;          /* payload, code included */
    int fragments;       /* frames it arrived in (1 when unfragmented) */
    /* WS_OP_CLOSE only: the code (WS_CLOSE_NO_STATUS for an empty close
     * payload) and the UTF-8 reason after it (maybe empty). */
    int close_code;
    const unsigned char *reason;
    size_t reason_len;
};

struct ws_reader {
    /* Set by ws_reader_init; the caller may change max_message before the
     * first ws_read(). */
    enum ws_role role;
    size_t max_message;

    /* After WS_READ_ERROR: the close code to send and a short reason. */
    int close_code;
    char error[WS_ERROR_LEN];

    /* Internal state. */
    int failed;
    int frag_opcode; /* opcode of the message being reassembled, or 0 */
    int frag_count;
    unsigned char *frag; /* reassembly buffer */
    size_t frag_len;
    size_t frag_cap;
    struct utf8_decoder utf8; /* of the text message being reassembled */
    size_t wanted;
};

/* Validate an upgrade request (RFC 6455 4.2.1): method GET, HTTP/1.1,
 * "Upgrade: websocket" (token, case-insensitive), a Connection header
 * listing "Upgrade" (token list, case-insensitive), Sec-WebSocket-Version
 * 13, and one Sec-WebSocket-Key that base64-decodes to 16 bytes.  Fills
 * *hs and returns 0 when valid (hs->accept set), else 400 (hs->error set).
 * Subprotocols and extensions the client offers are ignored: the answer
 * selects none. */
int ws_handshake_check(const struct http_request *req, struct ws_handshake *hs);

/* Sec-WebSocket-Accept for a key: base64(SHA-1(key + WS_GUID)). */
void ws_accept_key(const char *key, size_t key_len,
                   char out[WS_ACCEPT_LEN + 1]);

/* Write the 101 Switching Protocols answer for a valid handshake (or the
 * 400 for a rejected one) into out[0..cap).  Return the length, or -1 if
 * it does not fit.  The 400 says "Connection: close" and carries
 * hs->error as a text/plain body; the caller closes after sending it. */
long ws_write_accept(char *out, size_t cap, const struct ws_handshake *hs);
long ws_write_reject(char *out, size_t cap, const struct ws_handshake *hs);

void ws_reader_init(struct ws_reader *r, enum ws_role role);
void ws_reader_free(struct ws_reader *r);

/* Read the next event from buf[0..len) (see the overview).  Returns
 * WS_READ_MESSAGE with *msg filled, WS_READ_MORE or WS_READ_ERROR; always
 * sets *consumed.  Payload bytes of buf[0..*consumed) are unmasked in
 * place. */
int ws_read(struct ws_reader *r, unsigned char *buf, size_t len,
            size_t *consumed, struct ws_message *msg);

/* After WS_READ_MORE: how many bytes the next frame needs in total,
 * counted from the first byte not consumed, when its header has arrived
 * (else 0).  Lets a caller size its buffer for a large frame. */
size_t ws_reader_bytes_wanted(const struct ws_reader *r);

/* 1 if a close code may appear in a close frame (1000-1003, 1007-1014,
 * 3000-4999), else 0. */
int ws_close_code_valid(int code);

/* Frame header for a payload of len bytes: FIN when fin, the opcode, the
 * length in its shortest form, and the mask key when mask != NULL (client
 * frames; servers pass NULL).  out must hold WS_MAX_FRAME_HEADER bytes.
 * Returns the header length. */
size_t ws_frame_header(unsigned char *out, int fin, int opcode, uint64_t len,
                       const unsigned char *mask);

/* Write a whole frame (header + payload, masked with mask when != NULL)
 * into out[0..cap).  Returns its length, or -1 when it does not fit or a
 * control frame would be fragmented or carry over 125 bytes. */
long ws_write_frame(unsigned char *out, size_t cap, int fin, int opcode,
                    const void *payload, size_t len, const unsigned char *mask);

/* Write a close frame: code (0 for none: an empty payload, the reason
 * ignored) and a reason cut to at most 123 bytes at a UTF-8 character
 * boundary, and before its first invalid UTF-8 byte if any.  Returns the frame
 * length or -1 when it does not fit or code is neither 0 nor valid. */
long ws_write_close(unsigned char *out, size_t cap, int code,
                    const char *reason, size_t reason_len,
                    const unsigned char *mask);

#endif
