#ifndef OAUTHTOP_SECRET_SHIM_H
#define OAUTHTOP_SECRET_SHIM_H

/// The desktop keyring (Secret Service, through libsecret) for the token store's key, one item per state folder:
/// schema "org.oauthtop.StoreKey", attribute `state_dir` = the absolute state folder.
///
/// libsecret is loaded with dlopen at the first call, never linked: building oauthtop needs no libsecret-1-dev, and
/// the binary runs where libsecret is absent (it then keeps the key in a file; see Sources/AtRest).
///
/// Every function returns one of the statuses below. Strings handed back (`*secret`, `*error`) are malloc'd:
/// release them with oauthtop_secret_free, which zeroes them first. An error message never contains the secret.

enum {
    OAUTHTOP_SECRET_OK = 0,
    /// The keyring answered: no item for this state folder.
    OAUTHTOP_SECRET_NOT_FOUND = 1,
    /// libsecret (or GLib) is not installed: no keyring on this machine.
    OAUTHTOP_SECRET_NO_LIBRARY = 2,
    /// libsecret is there but the call failed (no Secret Service on the bus, locked keyring, ...): see `*error`.
    OAUTHTOP_SECRET_FAILED = 3,
};

int oauthtop_secret_lookup(const char *state_dir, char **secret, char **error);
int oauthtop_secret_store(const char *state_dir, const char *label, const char *secret, char **error);
int oauthtop_secret_clear(const char *state_dir, char **error);
void oauthtop_secret_free(char *text);

#endif
