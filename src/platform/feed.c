/*
 * feed.c: what the feed importers share.
 *
 * The names of the feed formats, the check of a version with its
 * ecosystem's rules, the record of what was refused, and the cut of a
 * record's text to a title.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "feed.h"
#include "vercmp.h"

static const char *const feed_format_names[] = {
	[FEED_DEBIAN_TRACKER] = "debian-tracker",
	[FEED_OSV] = "osv"
};

/* Parse a format name into *f. Returns 0, or -1 if unknown. */
int
feed_format_parse(const char *s, enum feed_format *f)
{
	size_t	 i;

	for (i = 0; i < sizeof(feed_format_names) /
	    sizeof(feed_format_names[0]); i++)
		if (strcmp(s, feed_format_names[i]) == 0) {
			*f = (enum feed_format)i;
			return 0;
		}
	return -1;
}

/* The name of format f. */
const char *
feed_format_name(enum feed_format f)
{
	return feed_format_names[f];
}

/* Count a refused entry, keeping the reason of the first. */
void
feed_invalid(const struct feed_sink *sink, const char *fmt, ...)
{
	va_list	 ap;

	if (sink->counts->invalid++ == 0) {
		va_start(ap, fmt);
		vsnprintf(sink->counts->first_invalid,
		    sizeof(sink->counts->first_invalid), fmt, ap);
		va_end(ap);
	}
}

/*
 * Whether version is one the ecosystem ("deb" or "rpm") accepts, as for a
 * hand-written signature (docs/protocol.md 4.4). Returns 0, or -1 with
 * why.
 */
int
feed_version_valid(const char *ecosystem, const char *version, char *why,
    size_t whylen)
{
	if (version[0] == '\0' || strlen(version) > 256) {
		snprintf(why, whylen, "expected 1 to 256 bytes");
		return -1;
	}
	if (strcmp(ecosystem, "deb") == 0) {
		if (strpbrk(version, " \t\n\v\f\r") != NULL) {
			snprintf(why, whylen, "it contains white space");
			return -1;
		}
		return vercmp_deb_valid(version, why, whylen) == 0 ? 0 : -1;
	}
	return vercmp_rpm_valid(version, why, whylen) == 0 ? 0 : -1;
}

/*
 * A title of at most len - 1 bytes from text: its first line, cut at a
 * UTF-8 character boundary with "..." when longer.
 */
void
feed_title(char *buf, size_t len, const char *text)
{
	size_t	 n = strcspn(text, "\n");

	if (n < len) {
		memcpy(buf, text, n);
		buf[n] = '\0';
		return;
	}
	n = len - 4;
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, text, n);
	memcpy(buf + n, "...", 4);
}
