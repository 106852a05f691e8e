/* app_bundle.c: the build step that serves the page's JavaScript as one
 * file. Run by CMake (app/CMakeLists.txt) before app_embed:
 *
 *   app_bundle OUT.js ROOT ENTRY
 *
 * reads ROOT/ENTRY (app.js) and every module of ours it imports, statically
 * or with import(), and writes them into OUT.js, one ES module that
 * app_embed serves in ENTRY's place (/app.js): the first screen then waits
 * for one script instead of three rounds of module fetches
 * (docs/PERFORMANCE.md, "The handheld app"). Each module becomes a
 * function whose scope holds its code and which returns its exports;
 * modules run once, dependencies first, as the browser would run them.
 * Only the forms app/www uses are taken, one a line, and anything else
 * that looks like an import or export is refused (exit 1), so a new form
 * fails the build rather than the page:
 *   import * as NAME from './x.js';      import { A, B } from './x.js';
 *   import NAME from './x.js';           (a default export)
 *   export function / export async function NAME   export default EXPR
 *   import('./x.js')                     (bundled: the module, resolved)
 *   import('../vendor/...')              (left for the browser, its path
 *                                         made relative to OUT.js)
 *   import.meta.url                      (the module's own URL)
 * ENTRY and OUT.js are at ROOT's top: their URLs are the same folder.
 * The bundle's first statement is performance.mark('rounds:script'): when
 * the script began to run, a step of bench/bench_app_screen.mjs's
 * breakdown.
 * No network, no tool outside the compiler.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream, strdup */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MODS 64
#define MAX_EXPORTS 64
#define PATH_CAP 512

typedef struct mod {
    char path[PATH_CAP]; /* below ROOT, "js/api.js" */
    char *src;
    int state; /* 0 new, 1 being emitted, 2 emitted */
} mod;

static const char *g_root;
static mod g_mods[MAX_MODS];
static size_t g_nmods;
static FILE *g_out; /* where line_of writes: the module's own text */
static FILE *g_top; /* the bundle: each module once its imports are in */

static int fail(const char *path, int line, const char *what)
{
    fprintf(stderr, "app_bundle: %s:%d: %s\n", path, line, what);
    return -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    size_t cap = 65536, len = 0, n;
    char *buf = malloc(cap + 1);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *b = realloc(buf, 2 * cap + 1);
            if (b == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* spec (./x.js, ../x.js) relative to the module at from, into out (a path
 * below ROOT). -1 when it leaves ROOT. */
static int resolve(const char *from, const char *spec, size_t slen, char *out)
{
    char buf[PATH_CAP];
    const char *slash = strrchr(from, '/');
    size_t dl = slash ? (size_t)(slash - from) + 1 : 0;
    if (dl + slen >= sizeof buf)
        return -1;
    memcpy(buf, from, dl);
    memcpy(buf + dl, spec, slen);
    buf[dl + slen] = '\0';
    /* Normalise . and .. segments. */
    char *seg[64];
    size_t n = 0;
    for (char *s = strtok(buf, "/"); s; s = strtok(NULL, "/")) {
        if (strcmp(s, ".") == 0)
            continue;
        if (strcmp(s, "..") == 0) {
            if (n == 0)
                return -1;
            n--;
            continue;
        }
        if (n == 64)
            return -1;
        seg[n++] = s;
    }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (strlen(out) + strlen(seg[i]) + 2 >= PATH_CAP)
            return -1;
        if (i)
            strcat(out, "/");
        strcat(out, seg[i]);
    }
    return n ? 0 : -1;
}

static int index_of(const char *path)
{
    for (size_t i = 0; i < g_nmods; i++)
        if (strcmp(g_mods[i].path, path) == 0)
            return (int)i;
    if (g_nmods == MAX_MODS)
        return -1;
    mod *m = &g_mods[g_nmods];
    snprintf(m->path, sizeof m->path, "%s", path);
    char full[2 * PATH_CAP];
    snprintf(full, sizeof full, "%s/%s", g_root, path);
    if ((m->src = slurp(full)) == NULL)
        return -1;
    return (int)g_nmods++;
}

static int emit(int idx);

/* The module a quoted spec at p names (p at the quote), emitted first;
 * its index, or -1. *end gets the first byte after the closing quote. */
static int dep(const mod *m, const char *p, const char **end, int line)
{
    char q = *p;
    const char *e = strchr(p + 1, q);
    if ((q != '\'' && q != '"') || e == NULL ||
        (strncmp(p + 1, "./", 2) != 0 && strncmp(p + 1, "../", 3) != 0))
        return fail(m->path, line, "not a relative module path");
    char path[PATH_CAP];
    if (resolve(m->path, p + 1, (size_t)(e - p - 1), path) != 0)
        return fail(m->path, line, "a path outside the root");
    *end = e + 1;
    int i = index_of(path);
    if (i < 0)
        return fail(m->path, line, "cannot read the module");
    return emit(i) == 0 ? i : -1;
}

static int is_id(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '$';
}

/* One line of module m: rewritten into g_out, its exports added. */
static int line_of(mod *m, char *l, int ln, char exports[][64], size_t *nexp)
{
    const char *p;
    if (strncmp(l, "import ", 7) == 0) {
        /* A static import: the module first, then its bindings. */
        const char *from = strstr(l, " from ");
        const char *end;
        if (from == NULL)
            return fail(m->path, ln, "an import without from");
        int d = dep(m, from + 6, &end, ln);
        if (d < 0)
            return -1;
        if (strcmp(end, ";") != 0)
            return fail(m->path, ln, "an import not alone on its line");
        const char *what = l + 7;
        int wl = (int)(from - what);
        if (strncmp(what, "* as ", 5) == 0)
            fprintf(g_out, "const %.*s = __m%d;\n", wl - 5, what + 5, d);
        else if (what[0] == '{')
            fprintf(g_out, "const %.*s = __m%d;\n", wl, what, d);
        else if (is_id(what[0]))
            fprintf(g_out, "const %.*s = __m%d.default;\n", wl, what, d);
        else
            return fail(m->path, ln, "an import of an unknown form");
        return 0;
    }
    if (strncmp(l, "export ", 7) == 0) {
        const char *name = NULL;
        if (strncmp(l, "export function ", 16) == 0)
            name = l + 16;
        else if (strncmp(l, "export async function ", 22) == 0)
            name = l + 22;
        else if (strncmp(l, "export default ", 15) == 0) {
            if (*nexp == MAX_EXPORTS)
                return fail(m->path, ln, "too many exports");
            strcpy(exports[(*nexp)++], "default: __default");
            fprintf(g_out, "const __default = %s\n", l + 15);
            return 0;
        }
        if (name == NULL)
            return fail(m->path, ln, "an export of an unknown form");
        size_t n = 0;
        while (is_id(name[n]))
            n++;
        if (n == 0 || n >= 64 || *nexp == MAX_EXPORTS)
            return fail(m->path, ln, "an export without a name");
        snprintf(exports[(*nexp)++], 64, "%.*s", (int)n, name);
        fprintf(g_out, "%s\n", l + 7);
        return 0;
    }
    /* Dynamic imports and import.meta anywhere in the line. */
    for (p = l; *p;) {
        const char *imp = strstr(p, "import");
        if (imp == NULL || (imp > l && (is_id(imp[-1]) || imp[-1] == '.'))) {
            if (imp == NULL)
                break;
            fwrite(p, 1, (size_t)(imp + 6 - p), g_out);
            p = imp + 6;
            continue;
        }
        fwrite(p, 1, (size_t)(imp - p), g_out);
        if (strncmp(imp, "import.meta.url", 15) == 0) {
            fprintf(g_out, "new URL('./%s', import.meta.url).href", m->path);
            p = imp + 15;
        } else if (strncmp(imp, "import('", 8) == 0) {
            char path[PATH_CAP];
            const char *e = strchr(imp + 8, '\'');
            if (e == NULL || e[1] != ')' ||
                resolve(m->path, imp + 8, (size_t)(e - imp - 8), path) != 0)
                return fail(m->path, ln, "import() of an odd path");
            if (strncmp(path, "vendor/", 7) == 0) {
                /* Not ours: the browser loads it, from OUT.js's folder. */
                fprintf(g_out, "import('./%s')", path);
            } else {
                const char *end;
                int d = dep(m, imp + 7, &end, ln);
                if (d < 0)
                    return -1;
                fprintf(g_out, "Promise.resolve(__m%d)", d);
            }
            p = e + 2;
        } else if (is_id(imp[6])) {
            fwrite(imp, 1, 6, g_out); /* importScripts, imported, ... */
            p = imp + 6;
        } else {
            return fail(m->path, ln, "an import of an unknown form");
        }
    }
    fprintf(g_out, "%s\n", p);
    return 0;
}

/* Emits module idx after every module it imports. */
static int emit(int idx)
{
    mod *m = &g_mods[idx];
    if (m->state == 2)
        return 0;
    if (m->state == 1)
        return fail(m->path, 0, "an import cycle");
    m->state = 1;
    /* The dependencies are emitted while the lines are read, so this
     * module's text goes to a buffer first. */
    char *text;
    size_t tlen;
    FILE *mine = open_memstream(&text, &tlen);
    if (mine == NULL)
        return fail(m->path, 0, "out of memory");
    FILE *outer = g_out;
    static char exports[MAX_MODS][MAX_EXPORTS][64];
    size_t nexp = 0;
    int rc = 0, ln = 0;
    char *src = strdup(m->src);
    char *end = src ? src + strlen(src) : NULL;
    if (src == NULL)
        rc = -1;
    /* Lines end at \n; empty ones are kept. */
    for (char *l = src; rc == 0 && l < end; ln++) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        g_out = mine;
        rc = line_of(m, l, ln + 1, exports[idx], &nexp);
        g_out = outer;
        l = nl ? nl + 1 : end;
    }
    free(src);
    fclose(mine);
    if (rc == 0) {
        fprintf(g_top, "// ---- %s\nconst __m%d = (() => {\n%s", m->path, idx,
                text);
        fprintf(g_top, "return Object.freeze({");
        for (size_t i = 0; i < nexp; i++)
            fprintf(g_top, "%s%s", i ? ", " : "", exports[idx][i]);
        fprintf(g_top, "});\n})();\n");
        m->state = 2;
    }
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 4 || strchr(argv[3], '/') != NULL) {
        fprintf(stderr, "usage: app_bundle OUT.js ROOT ENTRY\n");
        return 1;
    }
    g_root = argv[2];
    char *text;
    size_t tlen;
    FILE *body = open_memstream(&text, &tlen);
    if (body == NULL)
        return 1;
    g_out = g_top = body;
    int e = index_of(argv[3]);
    int rc = e < 0 ? -1 : emit(e);
    fclose(body);
    FILE *out = rc == 0 ? fopen(argv[1], "w") : NULL;
    if (out) {
        fprintf(out,
                "// Generated by app_bundle from app/www/%s and the modules "
                "it imports:\n// do not edit (app/app_bundle.c).\n"
                "performance.mark('rounds:script');\n%s",
                argv[3], text);
        if (fclose(out) != 0)
            rc = -1;
    } else {
        rc = -1;
    }
    free(text);
    for (size_t i = 0; i < g_nmods; i++)
        free(g_mods[i].src);
    if (rc)
        remove(argv[1]);
    return rc ? 1 : 0;
}
