// The few libsecret calls the store key needs, made through dlopen'd function pointers.
//
// Why dlopen and not `-lsecret-1`: linking would make libsecret-1-dev a build requirement (the README's quick start
// needs only libsqlite3-dev and libncurses-dev) and libsecret-1.so.0 a run-time one (servers and containers often
// lack it). Loaded on demand, a machine without it simply has no keyring, and oauthtop falls back to its key file.
// The declarations below are libsecret's and GLib's public ABI (libsecret/secret-schema.h, glib/gerror.h), stable
// since libsecret 0.18 and GLib 2.0.

#include "secret_shim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    int type;  // SecretSchemaAttributeType: 0 = SECRET_SCHEMA_ATTRIBUTE_STRING
} SecretSchemaAttribute;

typedef struct {
    const char *name;
    int flags;  // SecretSchemaFlags: 0 = SECRET_SCHEMA_NONE
    SecretSchemaAttribute attributes[32];
    int reserved;
    void *reserved1;
    void *reserved2;
    void *reserved3;
    void *reserved4;
    void *reserved5;
    void *reserved6;
    void *reserved7;
} SecretSchema;

typedef struct {
    unsigned int domain;  // GQuark
    int code;
    char *message;
} GError;

typedef char *(*lookup_fn)(const SecretSchema *, void *cancellable, GError **, ...);
typedef int (*store_fn)(const SecretSchema *, const char *collection, const char *label, const char *password,
                        void *cancellable, GError **, ...);
typedef int (*clear_fn)(const SecretSchema *, void *cancellable, GError **, ...);
typedef void (*password_free_fn)(char *);
typedef void (*error_free_fn)(GError *);

static struct {
    lookup_fn lookup;
    store_fn store;
    clear_fn clear;
    password_free_fn password_free;
    error_free_fn error_free;
    char missing[256];
} library;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    // RTLD_NODELETE: GLib starts threads that must never see their code unloaded.
    void *secret = dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (secret == NULL) {
        snprintf(library.missing, sizeof library.missing, "libsecret-1.so.0 is not installed");
        return;
    }
    void *glib = dlopen("libglib-2.0.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    library.lookup = (lookup_fn)dlsym(secret, "secret_password_lookup_sync");
    library.store = (store_fn)dlsym(secret, "secret_password_store_sync");
    library.clear = (clear_fn)dlsym(secret, "secret_password_clear_sync");
    library.password_free = (password_free_fn)dlsym(secret, "secret_password_free");
    library.error_free = glib ? (error_free_fn)dlsym(glib, "g_error_free") : NULL;
    if (!library.lookup || !library.store || !library.clear || !library.password_free || !library.error_free) {
        snprintf(library.missing, sizeof library.missing, "libsecret-1.so.0 or libglib-2.0.so.0 lacks a function");
        library.lookup = NULL;
    }
}

static const SecretSchema schema = {
    .name = "org.oauthtop.StoreKey",
    .flags = 0,
    .attributes = {{"state_dir", 0}, {NULL, 0}},
};

static char *copy(const char *text) {
    return strdup(text ? text : "");
}

/// Whether the library is usable; otherwise `*error` says why.
static int ready(char **error) {
    pthread_once(&load_once, load);
    if (library.lookup == NULL) {
        if (error) *error = copy(library.missing);
        return 0;
    }
    return 1;
}

/// Hands GLib's error message over as a malloc'd string and frees the GError.
static int failed(GError *gerror, const char *what, char **error) {
    if (error) {
        const char *message = gerror && gerror->message ? gerror->message : "no reason given";
        size_t length = strlen(what) + strlen(message) + 3;
        *error = malloc(length);
        if (*error) snprintf(*error, length, "%s: %s", what, message);
    }
    if (gerror) library.error_free(gerror);
    return OAUTHTOP_SECRET_FAILED;
}

int oauthtop_secret_lookup(const char *state_dir, char **secret, char **error) {
    *secret = NULL;
    if (!ready(error)) return OAUTHTOP_SECRET_NO_LIBRARY;
    GError *gerror = NULL;
    char *found = library.lookup(&schema, NULL, &gerror, "state_dir", state_dir, NULL);
    if (gerror != NULL) {
        if (found) library.password_free(found);
        return failed(gerror, "looking up the key in the Secret Service", error);
    }
    if (found == NULL) return OAUTHTOP_SECRET_NOT_FOUND;
    *secret = copy(found);
    library.password_free(found);  // zeroes libsecret's copy
    return OAUTHTOP_SECRET_OK;
}

int oauthtop_secret_store(const char *state_dir, const char *label, const char *secret, char **error) {
    if (!ready(error)) return OAUTHTOP_SECRET_NO_LIBRARY;
    GError *gerror = NULL;
    // Collection NULL: the default collection (the "login" keyring on GNOME), as secret-tool does.
    int stored = library.store(&schema, NULL, label, secret, NULL, &gerror, "state_dir", state_dir, NULL);
    if (gerror != NULL || !stored) return failed(gerror, "storing the key in the Secret Service", error);
    return OAUTHTOP_SECRET_OK;
}

int oauthtop_secret_clear(const char *state_dir, char **error) {
    if (!ready(error)) return OAUTHTOP_SECRET_NO_LIBRARY;
    GError *gerror = NULL;
    int removed = library.clear(&schema, NULL, &gerror, "state_dir", state_dir, NULL);
    if (gerror != NULL) return failed(gerror, "removing the key from the Secret Service", error);
    return removed ? OAUTHTOP_SECRET_OK : OAUTHTOP_SECRET_NOT_FOUND;
}

void oauthtop_secret_free(char *text) {
    if (text == NULL) return;
    explicit_bzero(text, strlen(text));
    free(text);
}
