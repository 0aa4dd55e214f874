/*
 * vercmp.h: package version comparison, the Debian way (dpkg) and the
 * rpm way (rpmvercmp and epoch:version-release).
 *
 * Every comparison returns -1 (a is older), 0 (equal) or 1 (a is newer),
 * and is total: any two strings compare, and the order is antisymmetric
 * and reflexive. Validate versions that come from outside with the
 * *_valid functions first; how invalid strings sort is said below.
 */
#ifndef OUTPOST_VERCMP_H
#define OUTPOST_VERCMP_H

#include <stddef.h>

/*
 * Compare two Debian versions ([epoch:]upstream[-revision]) exactly as
 * dpkg --compare-versions does: epochs numerically, then upstream and
 * revision with dpkg's letters/non-letters/digits rules, where '~' sorts
 * before everything, even the end of the string; a missing revision is
 * "". Leading and trailing blanks are ignored, and "" is earlier than any
 * version (as for dpkg's lt/le/eq/ge/gt). Other strings that dpkg refuses
 * (vercmp_deb_valid() == -1) sort after "" and before every valid
 * version, and among themselves byte by byte.
 */
int	vercmp_deb(const char *a, const char *b);

/*
 * Check a Debian version as dpkg does. Returns 0 if it is valid, 1 if dpkg
 * accepts it only with a warning (upstream not starting with a digit, a
 * character outside [A-Za-z0-9.+~:-] in the upstream version or outside
 * [A-Za-z0-9.+~] in the revision), or -1 if dpkg refuses it (empty, inner
 * blanks, bad or too big epoch, nothing after the epoch, empty upstream or
 * revision). On 1 and -1, err (if not NULL) says why, in dpkg's words.
 */
int	vercmp_deb_valid(const char *, char *err, size_t errlen);

/*
 * Compare two version (or release) strings with rpm's rpmvercmp(): runs
 * of digits compare numerically, runs of letters as strings, a number is
 * newer than letters, other characters only separate, '~' sorts before
 * everything (even the end) and '^' after the end but before anything
 * else.
 */
int	vercmp_rpm(const char *a, const char *b);

/*
 * Compare two rpm "[epoch:]version[-release]" strings as rpm's
 * labelCompare() compares the (epoch, version, release) that rpm's
 * parseEVR() makes of them: epoch (missing = 0), then version, then
 * release with vercmp_rpm(); a missing release sorts before any release.
 */
int	vercmp_rpm_evr(const char *a, const char *b);

/*
 * Check an rpm "[epoch:]version[-release]" string: an epoch is the
 * digits before the first ':' (a value below 2^32), no other ':' may
 * appear, and version and release are not empty and use only letters,
 * digits and "._+~^" (so the version has no '-'). Returns 0, or -1 with
 * the reason in err (if not NULL).
 */
int	vercmp_rpm_valid(const char *, char *err, size_t errlen);

#endif /* OUTPOST_VERCMP_H */
