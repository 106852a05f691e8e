/* web.h: what the project's two web servers share (`rounds app` on the
 * handheld, app/; roundsd's office dashboard, dash/): the raw query's
 * parameters, the HTTP status of an RND_E* code, the field a library
 * message names, and the error object every JSON API answers with:
 *
 *   {"ok":false,"error":{"code":"EFIELD","field":"tag","message":"..."}}
 *
 * Bytes in, bytes out: no sockets, no HTTP library. The query decoder
 * takes untrusted bytes and is fuzzed (tests/fuzz/fuzz_app_api.c and
 * fuzz_dash.c reach it).
 */
#ifndef RND_WEB_H
#define RND_WEB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The value of parameter name in a raw query ("a=1&b=x%20y"), %-decoded
 * ('+' is a space), into out (cap bytes). 0; -1 when absent, malformed
 * (a bad %-escape, a NUL) or longer than cap - 1. The first occurrence
 * counts. */
int web_query_get(const char *query, const char *name, char *out, size_t cap);

/* The HTTP status of an RND_E* code: 400 for bad input, 401 EAUTH, 404,
 * 409 (exists, wrong state), 413, 423 ELOCKOUT, 503 ELOCKED (store busy),
 * else 500. */
int web_status_for(int rc);

/* The field a library message names ("...field 'tag'..." -> "tag") into
 * out (cap bytes); 0 when it names one, -1 otherwise. */
int web_field_of(const char *message, char *out, size_t cap);

/* Writes the error object above to f, then "\n". field may be NULL (then
 * taken from message when it names one, else left out); extra_key (may be
 * NULL) adds one whole-number member to "error" ("tries_left"). */
void web_error_json(FILE *f, const char *code, const char *field,
                    const char *message, const char *extra_key,
                    int64_t extra_val);

/* ---- tokens, types, cookies -------------------------------------------- */

/* Hex digits of a token: 32 random bytes (session, CSRF, launch secret). */
#define WEB_TOKEN_HEX 64

/* A fresh token from the OS's randomness (getrandom) into out, or a copy
 * of fixed when fixed is not NULL (tests). 0; RND_EINVAL when fixed is not
 * WEB_TOKEN_HEX lowercase hex digits; RND_ECRYPTO without randomness. */
int web_token_new(const char *fixed, char out[WEB_TOKEN_HEX + 1]);

/* 1 when s is WEB_TOKEN_HEX lowercase hex digits. */
int web_is_token(const char *s);

/* 1 when s[0..n) equals the token t, in a time that does not depend on
 * where they differ. */
int web_token_eq(const char *s, size_t n, const char *t);

/* The value of cookie name in a Cookie header ("a=1; b=2") into out (cap
 * bytes): 0; -1 when absent or longer than cap - 1. The first counts. */
int web_cookie_get(const char *cookie, const char *name, char *out, size_t cap);

/* The Content-Type of a file served by its path's extension (".js" ->
 * "text/javascript; charset=utf-8"); "application/octet-stream" for an
 * unknown one. Static. */
const char *web_mime_type(const char *path);

/* 1 when a Content-Type header is application/json (parameters allowed). */
int web_is_json_type(const char *content_type);

#endif
