/*
 * update-fetch.c: the download of one agent release from the platform:
 * its signed manifest, checked at once, then its files in Range requests
 * spooled under state_dir/versions, resumable (update-fetch.h).
 *
 * GET /agent/v1/releases/VERSION?os=OS&arch=ARCH answers the release's
 * manifest (the raw text of release.json) and signature. Both are checked
 * before anything is downloaded: a signature that does not verify with
 * the release key, a manifest for another version, OS or architecture,
 * or an older version than the running one (unless pinned) ends the fetch
 * there. The manifest is kept in the staging directory; a staging
 * directory holding another manifest (a new build of the same version)
 * is emptied first. Each file is then fetched with Range requests of
 * UPDATE_CHUNK bytes from the length it has on disk, written with
 * pwrite() and fsync()ed, mode 0600 (nothing there is executable). Last,
 * every file is hashed and compared with the manifest (update-verify.c).
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "api-client.h"
#include "checkin.h"
#include "compat.h"
#include "fileio.h"
#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "release.h"
#include "update-fetch.h"
#include "update-state.h"
#include "update-verify.h"

/* One download in progress. */
struct update_fetch {
	struct update_fetch_request	 req;
	char				 version[RELEASE_VERSION_MAX + 1];
	char				 os[RELEASE_NAME_MAX + 1];
	char				 arch[RELEASE_NAME_MAX + 1];
	char				 running[RELEASE_VERSION_MAX + 1];
	char				 dir[PATH_MAX];	/* staging */
	struct release_manifest		 m;
	int				 has_manifest;
	int				 file;		/* index in m */
	uint64_t			 offset;	/* of that file */
	uint64_t			 asked;		/* bytes asked for */
	uint64_t			 done;		/* bytes on disk */
	uint64_t			 total;
	struct http_call		*call;
	update_fetch_cb			 cb;
	void				*arg;
};

static void	update_fetch_next(struct update_fetch *);

/* End the fetch: tell the caller and free it. */
static void
update_fetch_end(struct update_fetch *f, enum error_code code,
    const char *message)
{
	update_fetch_cb	 cb = f->cb;
	void		*arg = f->arg;

	f->call = NULL;
	if (code == ERR_NONE)
		cb(arg, code, message, &f->m, f->dir);
	else
		cb(arg, code, message, NULL, NULL);
	free(f);
}

/* Remove the files in dir, and dir itself unless keep_dir (logged). */
void
update_dir_remove(const char *dir, int keep_dir)
{
	struct dirent	*de;
	DIR		*d;
	char		 path[PATH_MAX];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == -1)
			log_warn("update: cannot remove %s", path);
	}
	closedir(d);
	if (!keep_dir && rmdir(dir) == -1)
		log_warn("update: cannot remove %s", dir);
}

/*
 * Keep the checked manifest and signature in the staging directory,
 * emptying it first when it held another manifest. Returns 0, or -1 with
 * err.
 */
static int
update_fetch_stage(struct update_fetch *f, const char *text, size_t len,
    const char *sig, char *err, size_t errlen)
{
	char	 path[PATH_MAX], *old;
	size_t	 oldlen;
	int	 rc;

	if (mkdir(f->req.versions_dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", f->req.versions_dir,
		    strerror(errno));
		return -1;
	}
	if (mkdir(f->dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", f->dir, strerror(errno));
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/%s", f->dir,
	    RELEASE_MANIFEST_NAME) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", f->dir);
		return -1;
	}
	if (fileio_read_all(path, RELEASE_MANIFEST_MAX, &old, &oldlen) == 0) {
		if (oldlen != len || memcmp(old, text, len) != 0) {
			log_info("update: the platform has a new build of "
			    "version %s; starting its download afresh",
			    f->version);
			update_dir_remove(f->dir, 1);
		}
		free(old);
	}
	if ((rc = fileio_write_atomic(path, text, len, 0600)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/%s", f->dir,
	    RELEASE_SIGNATURE_NAME) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", f->dir);
		return -1;
	}
	if ((rc = fileio_write_atomic(path, sig, strlen(sig), 0600)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Check the manifest answer: signature, version, OS, architecture, and
 * the order of versions. Returns ERR_NONE, or the code with err.
 */
static enum error_code
update_fetch_check(struct update_fetch *f, struct json_object *answer,
    char *err, size_t errlen)
{
	const char	*text, *sig;
	enum error_code	 code;
	int		 cmp;

	text = json_get_string(answer, "manifest");
	sig = json_get_string(answer, "signature");
	if (text == NULL || sig == NULL) {
		snprintf(err, errlen, "the platform's answer has no manifest "
		    "or signature");
		return ERR_RELEASE_INVALID;
	}
	code = update_verify_manifest(f->req.key, text, strlen(text), sig,
	    &f->m, err, errlen);
	if (code != ERR_NONE)
		return code;
	if (strcmp(f->m.version, f->version) != 0 ||
	    strcmp(f->m.os, f->os) != 0 || strcmp(f->m.arch, f->arch) != 0) {
		snprintf(err, errlen, "offered as version %s for %s/%s, its "
		    "signed manifest is version %s for %s/%s", f->version,
		    f->os, f->arch, f->m.version, f->m.os, f->m.arch);
		return ERR_RELEASE_INVALID;
	}
	cmp = release_version_cmp(f->m.version, f->running);
	if (cmp == 0) {
		snprintf(err, errlen, "version %s is the running one",
		    f->m.version);
		return ERR_RELEASE_INVALID;
	}
	if (cmp < 0 && !f->req.allow_older) {
		snprintf(err, errlen, "version %s is older than the running "
		    "%s and the profile does not pin it", f->m.version,
		    f->running);
		return ERR_RELEASE_DOWNGRADE;
	}
	if (update_fetch_stage(f, text, strlen(text), sig, err, errlen) == -1)
		return ERR_RELEASE_DOWNLOAD;
	return ERR_NONE;
}

/* The answer of the manifest request. */
static void
update_fetch_manifest_cb(const struct api_client_reply *r, void *arg)
{
	struct update_fetch	*f = arg;
	enum error_code		 code;
	char			 err[UPDATE_ERR_MAX];
	int			 i;

	f->call = NULL;
	if (r->status == 404) {
		snprintf(err, sizeof(err), "the platform has no release %s for "
		    "%s/%s", f->version, f->os, f->arch);
		update_fetch_end(f, ERR_RELEASE_DOWNLOAD, err);
		return;
	}
	if (r->error != ERR_NONE) {
		snprintf(err, sizeof(err), "release %s manifest: %s %s",
		    f->version, error_id(r->error), r->detail);
		update_fetch_end(f, ERR_RELEASE_DOWNLOAD, err);
		return;
	}
	if ((code = update_fetch_check(f, r->json, err, sizeof(err))) !=
	    ERR_NONE) {
		update_fetch_end(f, code, err);
		return;
	}
	f->has_manifest = 1;
	f->total = 0;
	for (i = 0; i < f->m.nfiles; i++)
		f->total += f->m.files[i].size;
	f->file = 0;
	update_fetch_next(f);
}

/*
 * The path of file i of the manifest while it downloads. Returns 0, or
 * -1 when it does not fit (the staging directory is a short path under
 * state_dir: a state_dir near PATH_MAX fails here).
 */
static int
update_fetch_part(const struct update_fetch *f, int i, char *path,
    size_t len)
{
	return snprintf(path, len, "%s/%s%s", f->dir, f->m.files[i].name,
	    UPDATE_PART_SUFFIX) < (int)len ? 0 : -1;
}

/*
 * Write len bytes at offset of the current file and sync them. Returns
 * 0, or -1 with err.
 */
static int
update_fetch_write(struct update_fetch *f, const char *data, size_t len,
    uint64_t offset, char *err, size_t errlen)
{
	char	 path[PATH_MAX];
	ssize_t	 n;
	size_t	 off = 0;
	int	 fd;

	if (update_fetch_part(f, f->file, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "%s: path too long", f->dir);
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (off < len) {
		n = pwrite(fd, data + off, len - off, (off_t)(offset + off));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path, n == 0 ?
			    "short write" : strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The answer of a range request of the current file. */
static void
update_fetch_range_cb(const struct api_client_reply *r, void *arg)
{
	struct update_fetch	*f = arg;
	const struct release_file *rf = &f->m.files[f->file];
	char			 err[UPDATE_ERR_MAX];

	f->call = NULL;
	if (r->error != ERR_NONE) {
		snprintf(err, sizeof(err), "release %s file %s at byte %llu: "
		    "%s %s", f->version, rf->name,
		    (unsigned long long)f->offset, error_id(r->error),
		    r->detail);
		update_fetch_end(f, ERR_RELEASE_DOWNLOAD, err);
		return;
	}
	/* The answer is a 206 (answer.c): of the length asked for. */
	if (r->http->body_len != f->asked) {
		snprintf(err, sizeof(err), "release %s file %s: HTTP %ld with "
		    "%zu bytes for %llu bytes at %llu", f->version, rf->name,
		    r->status, r->http->body_len,
		    (unsigned long long)f->asked,
		    (unsigned long long)f->offset);
		update_fetch_end(f, ERR_RELEASE_DOWNLOAD, err);
		return;
	}
	if (update_fetch_write(f, r->http->body, r->http->body_len, f->offset,
	    err, sizeof(err)) == -1) {
		update_fetch_end(f, ERR_RELEASE_DOWNLOAD, err);
		return;
	}
	update_fetch_next(f);
}

/* Check the downloaded files. */
static void
update_fetch_verify(struct update_fetch *f)
{
	struct release_manifest	 m;
	enum error_code		 code;
	char			 err[UPDATE_ERR_MAX];

	code = update_verify_dir(f->req.key, f->dir, UPDATE_PART_SUFFIX,
	    f->version, f->os, f->arch, &m, err, sizeof(err));
	if (code == ERR_RELEASE_FILE) {
		/* Never kept: the next attempt starts from nothing. */
		update_dir_remove(f->dir, 0);
	}
	update_fetch_end(f, code, code == ERR_NONE ? NULL : err);
}

/*
 * Ask for the next missing range, or go to the next file, or verify when
 * every file is there.
 */
static void
update_fetch_next(struct update_fetch *f)
{
	struct api_client	*client;
	const struct release_file *rf;
	struct stat		 sb;
	char			 path[PATH_MAX], url[512], err[UPDATE_ERR_MAX];
	int			 i;

	f->done = 0;
	for (i = 0; i < f->m.nfiles; i++) {
		if (update_fetch_part(f, i, path, sizeof(path)) == 0 &&
		    stat(path, &sb) == 0)
			f->done += (uint64_t)sb.st_size <= f->m.files[i].size ?
			    (uint64_t)sb.st_size : 0;
	}
	for (; f->file < f->m.nfiles; f->file++) {
		rf = &f->m.files[f->file];
		if (update_fetch_part(f, f->file, path, sizeof(path)) == -1) {
			update_fetch_end(f, ERR_RELEASE_DOWNLOAD, "the staging "
			    "directory's path is too long");
			return;
		}
		f->offset = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
		if (f->offset > rf->size) {
			/* Longer than it should be: start it again. */
			if (truncate(path, 0) == -1) {
				snprintf(err, sizeof(err), "%s: %s", path,
				    strerror(errno));
				update_fetch_end(f, ERR_RELEASE_DOWNLOAD, err);
				return;
			}
			f->offset = 0;
		}
		if (f->offset < rf->size)
			break;
		/* An empty file is made here: no request for 0 bytes. */
		if (rf->size == 0 && update_fetch_write(f, "", 0, 0, err,
		    sizeof(err)) == -1) {
			update_fetch_end(f, ERR_RELEASE_DOWNLOAD, err);
			return;
		}
	}
	if (f->file == f->m.nfiles) {
		update_fetch_verify(f);
		return;
	}
	if ((client = checkin_client(f->req.checkin)) == NULL) {
		update_fetch_end(f, ERR_RELEASE_DOWNLOAD, "the agent is not "
		    "activated");
		return;
	}
	rf = &f->m.files[f->file];
	f->asked = rf->size - f->offset;
	if (f->asked > UPDATE_CHUNK)
		f->asked = UPDATE_CHUNK;
	snprintf(url, sizeof(url), "/agent/v1/releases/%s/files/%s?os=%s&"
	    "arch=%s", f->version, rf->name, f->os, f->arch);
	f->call = api_client_get_range(client, url, f->offset,
	    f->offset + f->asked - 1, update_fetch_range_cb, f);
	if (f->call == NULL)
		update_fetch_end(f, ERR_RELEASE_DOWNLOAD, "cannot start the "
		    "request");
}

/* Fire the first request from the loop. */
static struct update_fetch *
update_fetch_first(struct update_fetch *f)
{
	struct api_client	*client;
	char			 url[512];

	if ((client = checkin_client(f->req.checkin)) == NULL) {
		free(f);
		return NULL;
	}
	snprintf(url, sizeof(url), "/agent/v1/releases/%s?os=%s&arch=%s",
	    f->version, f->os, f->arch);
	f->call = api_client_call(client, "GET", url, NULL, NULL,
	    update_fetch_manifest_cb, f);
	if (f->call == NULL) {
		free(f);
		return NULL;
	}
	return f;
}

/* Start fetching. Returns the fetch, or NULL. */
struct update_fetch *
update_fetch_start(const struct update_fetch_request *req,
    update_fetch_cb cb, void *arg)
{
	struct update_fetch	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->req = *req;
	strlcpy(f->version, req->version, sizeof(f->version));
	strlcpy(f->os, req->os, sizeof(f->os));
	strlcpy(f->arch, req->arch, sizeof(f->arch));
	strlcpy(f->running, req->running, sizeof(f->running));
	f->req.version = f->version;
	f->req.os = f->os;
	f->req.arch = f->arch;
	f->req.running = f->running;
	snprintf(f->dir, sizeof(f->dir), "%s/%s%s", req->versions_dir,
	    UPDATE_STAGING_PREFIX, f->version);
	f->cb = cb;
	f->arg = arg;
	return update_fetch_first(f);
}

/* Bytes on disk and in all. */
void
update_fetch_progress(const struct update_fetch *f, uint64_t *bytes,
    uint64_t *total)
{
	*bytes = f->done;
	*total = f->total;
}

/* Stop and free. */
void
update_fetch_cancel(struct update_fetch *f)
{
	if (f == NULL)
		return;
	if (f->call != NULL)
		http_cancel(f->call);
	free(f);
}

/* Free a fetch whose request is gone already. */
void
update_fetch_abandon(struct update_fetch *f)
{
	free(f);
}
