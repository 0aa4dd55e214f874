/*
 * store-settings.c: the platform's own records: the customer that
 * `outpost-platform init` creates, and the settings (key and text value)
 * an admin reads and changes through /api/v1/settings, with the
 * customer_id the activation keys are made for.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "compat.h"
#include "store-sqlite.h"

const char *const store_settings_sql[ST_COUNT] = {
	[ST_CUSTOMER_INSERT] =
	    "INSERT INTO customers (id, name, created_at) VALUES (?1, ?2, ?3)",
	[ST_SETTING_SELECT] = "SELECT value FROM settings WHERE key = ?1",
	[ST_SETTING_UPDATE] =
	    "INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)",
};

/* Insert a customer. Returns 0, or -1. */
int
store_customer_create(struct store *s, const char *id, const char *name,
    int64_t now)
{
	sqlite3_stmt	*st = store_stmt(s, ST_CUSTOMER_INSERT);

	store_bind_text(st, 1, id);
	store_bind_text(st, 2, name);
	sqlite3_bind_int64(st, 3, now);
	return store_exec(s, st, "insert customer");
}

/* A boolean setting into *out. Returns 0, 1 (unset), or -1. */
int
store_setting_get_bool(struct store *s, const char *key, int *out)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SETTING_SELECT);
	int		 rc;

	store_bind_text(st, 1, key);
	if ((rc = store_row(s, st, "select setting")) == 0)
		*out = strcmp(store_col_text(st, 0), "true") == 0;
	else
		*out = 0;
	sqlite3_reset(st);
	return rc;
}

/* A setting's value into buf. Returns 0, 1 (unset), or -1. */
int
store_setting_get(struct store *s, const char *key, char *buf, size_t len)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SETTING_SELECT);
	int		 rc;

	store_bind_text(st, 1, key);
	if ((rc = store_row(s, st, "select setting")) == 0)
		strlcpy(buf, store_col_text(st, 0), len);
	sqlite3_reset(st);
	return rc;
}

/* Store a setting. Returns 0, or -1. */
int
store_setting_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt	*st = store_stmt(s, ST_SETTING_UPDATE);

	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	return store_exec(s, st, "update setting");
}
