/*
 * scan-submit.c: post outpost-scan's results to the platform.
 *
 * A command-line tool, so the libcurl easy interface (blocking) is the
 * right tool here; peer and host are always verified.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "compat.h"
#include "fileio.h"
#include "jsonutil.h"
#include "scan-submit.h"

#define SUBMIT_PATH		"/api/v1/scans"
#define SUBMIT_MAX_ANSWER	(1024 * 1024)
#define SUBMIT_MAX_TOKEN	4096
#define SUBMIT_TIMEOUT		30L	/* seconds per request */

/* The submission channel. */
struct scan_submit {
	CURL		*curl;
	char		*url;
	char		*auth;		/* "Authorization: Bearer ..." */
	char		*cacert;
};

/* An answer being received. */
struct submit_buf {
	char	*data;
	size_t	 len;
	int	 too_large;
};

/* Read the admin token: one line of printable bytes. Returns it, or NULL. */
static char *
submit_read_token(const char *path, char *err, size_t errlen)
{
	char	*text;
	size_t	 len, i;
	int	 rc;

	if ((rc = fileio_read_all(path, SUBMIT_MAX_TOKEN, &text, &len)) < 0) {
		snprintf(err, errlen, "token file %s: %s", path,
		    rc == -EFBIG ? "larger than 4096 bytes" : strerror(-rc));
		return NULL;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' ' || text[len - 1] == '\t'))
		text[--len] = '\0';
	if (len == 0) {
		snprintf(err, errlen, "token file %s is empty", path);
		free(text);
		return NULL;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x21 ||
		    (unsigned char)text[i] > 0x7e) {
			snprintf(err, errlen, "token file %s: byte %zu is not "
			    "a printable character; expected the admin token "
			    "on one line", path, i);
			free(text);
			return NULL;
		}
	return text;
}

/* Prepare submissions. Returns the handle, or NULL with err. */
struct scan_submit *
scan_submit_new(const char *url, const char *token_file, const char *cacert,
    char *err, size_t errlen)
{
	struct scan_submit	*sub;
	char			*token;
	size_t			 n;

	if (strncmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "--submit %s: expected an https:// URL",
		    url);
		return NULL;
	}
	if ((token = submit_read_token(token_file, err, errlen)) == NULL)
		return NULL;
	if ((sub = calloc(1, sizeof(*sub))) == NULL)
		goto nomem;
	n = strlen(url);
	while (n > 8 && url[n - 1] == '/')
		n--;
	if (n >= strlen(SUBMIT_PATH) && strncmp(url + n - strlen(SUBMIT_PATH),
	    SUBMIT_PATH, strlen(SUBMIT_PATH)) == 0) {
		if (asprintf(&sub->url, "%.*s", (int)n, url) == -1)
			sub->url = NULL;
	} else if (asprintf(&sub->url, "%.*s%s", (int)n, url,
	    SUBMIT_PATH) == -1)
		sub->url = NULL;
	if (sub->url == NULL || asprintf(&sub->auth,
	    "Authorization: Bearer %s", token) == -1 ||
	    (cacert != NULL && (sub->cacert = strdup(cacert)) == NULL))
		goto nomem;
	explicit_bzero(token, strlen(token));
	free(token);
	token = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (sub->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "cannot set up libcurl");
		scan_submit_free(sub);
		return NULL;
	}
	return sub;
nomem:
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	snprintf(err, errlen, "out of memory");
	scan_submit_free(sub);
	return NULL;
}

/* Collect the answer, up to SUBMIT_MAX_ANSWER bytes. */
static size_t
submit_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct submit_buf	*b = arg;
	char			*grown;
	size_t			 len = size * n;

	if (b->len + len > SUBMIT_MAX_ANSWER) {
		b->too_large = 1;
		return 0;
	}
	if ((grown = realloc(b->data, b->len + len + 1)) == NULL)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Describe a stored scan for people. */
static void
submit_describe(struct scan_submission *out)
{
	const char	*agent;
	int64_t		 id = 0;
	int		 mismatch = 0, conflict = 0;

	json_get_int64(out->answer, "scan_id", &id);
	json_get_bool(out->answer, "address_mismatch", &mismatch);
	json_get_bool(out->answer, "correlation_conflict", &conflict);
	agent = json_get_string(out->answer, "agent_id");
	if (conflict)
		snprintf(out->message, sizeof(out->message), "scan %lld "
		    "stored as a correlation id conflict (the ports answered "
		    "with different ids), merged into no agent", (long long)id);
	else if (agent != NULL)
		snprintf(out->message, sizeof(out->message), "scan %lld "
		    "stored, merged into agent %s%s", (long long)id, agent,
		    mismatch ? " (address mismatch: the scanned address is "
		    "not one the agent reported)" : "");
	else
		snprintf(out->message, sizeof(out->message), "scan %lld "
		    "stored as an unmerged asset", (long long)id);
}

/* Post one body. Returns 0 if stored, or -1. */
int
scan_submit_post(struct scan_submit *sub, struct json_object *body,
    struct scan_submission *out)
{
	struct curl_slist	*headers = NULL;
	struct submit_buf	 b = { NULL, 0, 0 };
	struct json_object	*answer = NULL;
	char			 cerr[CURL_ERROR_SIZE] = "", perr[128];
	const char		*text, *code, *msg;
	CURLcode		 rc;

	memset(out, 0, sizeof(*out));
	text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, sub->auth);
	curl_easy_reset(sub->curl);
	curl_easy_setopt(sub->curl, CURLOPT_URL, sub->url);
	curl_easy_setopt(sub->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(sub->curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(sub->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
	curl_easy_setopt(sub->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(sub->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (sub->cacert != NULL)
		curl_easy_setopt(sub->curl, CURLOPT_CAINFO, sub->cacert);
	curl_easy_setopt(sub->curl, CURLOPT_TIMEOUT, SUBMIT_TIMEOUT);
	curl_easy_setopt(sub->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(sub->curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(sub->curl, CURLOPT_WRITEFUNCTION, submit_write_cb);
	curl_easy_setopt(sub->curl, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(sub->curl);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		out->status = -1;
		snprintf(out->message, sizeof(out->message), "%s: %s", sub->url,
		    b.too_large ? "the answer is larger than 1 MiB" :
		    cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
		free(b.data);
		return -1;
	}
	curl_easy_getinfo(sub->curl, CURLINFO_RESPONSE_CODE, &out->status);
	if (b.data != NULL)
		answer = json_parse_object(b.data, b.len, perr, sizeof(perr));
	if (out->status == 201 && answer != NULL) {
		out->is_ok = 1;
		out->answer = answer;
		submit_describe(out);
		free(b.data);
		return 0;
	}
	code = json_get_string(answer, "error");
	msg = json_get_string(answer, "message");
	if (out->status == 201)
		snprintf(out->message, sizeof(out->message), "%s: HTTP 201 "
		    "with a bad body: %s", sub->url, b.data == NULL ?
		    "empty" : perr);
	else
		snprintf(out->message, sizeof(out->message), "%s: HTTP %ld%s%s"
		    "%s%s%s%s", sub->url, out->status, code ? " " : "",
		    code ? code : "", json_get_string(answer, "field") ?
		    " (" : "", json_get_string(answer, "field") ?
		    json_get_string(answer, "field") : "",
		    json_get_string(answer, "field") ? ")" : "",
		    msg ? ": " : "");
	if (msg != NULL)
		strlcat(out->message, msg, sizeof(out->message));
	json_object_put(answer);
	free(b.data);
	return -1;
}

/* Free what a submission holds. */
void
scan_submission_clear(struct scan_submission *out)
{
	json_object_put(out->answer);
	out->answer = NULL;
}

/* Free the handle. */
void
scan_submit_free(struct scan_submit *sub)
{
	if (sub == NULL)
		return;
	if (sub->curl != NULL) {
		curl_easy_cleanup(sub->curl);
		curl_global_cleanup();
	}
	if (sub->auth != NULL) {
		explicit_bzero(sub->auth, strlen(sub->auth));
		free(sub->auth);
	}
	free(sub->url);
	free(sub->cacert);
	free(sub);
}
