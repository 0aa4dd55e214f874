/*
 * feed-zip.c: the entries of a zip archive, streamed, for OSV's all.zip.
 *
 * The archive (PKWARE APPNOTE 6.3) is read with pread(2) and zlib. The
 * central
 * directory (with its zip64 form, for archives of more than 65535
 * entries) lists the entries; each one the caller wants is streamed, in
 * 64 KiB pieces, stored or deflated, to a callback, and its CRC-32 and
 * size checked at its end. Encrypted entries, other compression methods,
 * and archives split over several disks are refused with a reason.
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "feed.h"

#define ZIP_EOCD_SIG		0x06054b50u
#define ZIP64_LOCATOR_SIG	0x07064b50u
#define ZIP64_EOCD_SIG		0x06064b50u
#define ZIP_CENTRAL_SIG		0x02014b50u
#define ZIP_LOCAL_SIG		0x04034b50u
#define ZIP_CHUNK		65536
#define ZIP_MAX_ENTRIES		10000000

/* What the central directory says of an entry. */
struct zip_entry {
	uint16_t	 flags;
	uint16_t	 method;
	uint32_t	 crc;
	uint64_t	 csize;
	uint64_t	 usize;
	uint64_t	 offset;
	char		 name[1024];
};

/* Little-endian integers at p. */
static uint16_t
zip_u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* A little-endian 32-bit integer at p. */
static uint32_t
zip_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* A little-endian 64-bit integer at p. */
static uint64_t
zip_u64(const unsigned char *p)
{
	return (uint64_t)zip_u32(p) | (uint64_t)zip_u32(p + 4) << 32;
}

/* Read exactly len bytes at off. Returns 0, or -1. */
static int
zip_read(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t	 n;
	size_t	 got = 0;

	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got,
		    (off_t)(off + got));
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Find the central directory: its offset, size and entry count. Returns 0,
 * or -1 with err.
 */
static int
zip_find_directory(int fd, uint64_t *cd_off, uint64_t *cd_size,
    uint64_t *count, char *err, size_t errlen)
{
	unsigned char	*tail, rec[56];
	off_t		 size;
	size_t		 len, i;
	uint64_t	 start, z64;

	if ((size = lseek(fd, 0, SEEK_END)) < 22) {
		snprintf(err, errlen, "not a zip archive (too short)");
		return -1;
	}
	len = size < 65557 ? (size_t)size : 65557;
	start = (uint64_t)size - len;
	if ((tail = malloc(len)) == NULL || zip_read(fd, tail, len,
	    start) == -1) {
		free(tail);
		snprintf(err, errlen, "cannot read the end of the archive");
		return -1;
	}
	for (i = len - 22; i > 0 && zip_u32(tail + i) != ZIP_EOCD_SIG; i--)
		;
	if (zip_u32(tail + i) != ZIP_EOCD_SIG) {
		free(tail);
		snprintf(err, errlen, "not a zip archive (no end of central "
		    "directory)");
		return -1;
	}
	if (zip_u16(tail + i + 4) != 0 || zip_u16(tail + i + 6) != 0) {
		free(tail);
		snprintf(err, errlen, "archives split over disks are not read");
		return -1;
	}
	*count = zip_u16(tail + i + 10);
	*cd_size = zip_u32(tail + i + 12);
	*cd_off = zip_u32(tail + i + 16);
	z64 = start + i;
	free(tail);
	if (*count != 0xffff && *cd_off != 0xffffffffu &&
	    *cd_size != 0xffffffffu)
		return 0;
	/* zip64: the locator sits just before the end record. */
	if (z64 < 20 || zip_read(fd, rec, 20, z64 - 20) == -1 ||
	    zip_u32(rec) != ZIP64_LOCATOR_SIG ||
	    zip_read(fd, rec, 56, zip_u64(rec + 8)) == -1 ||
	    zip_u32(rec) != ZIP64_EOCD_SIG) {
		snprintf(err, errlen, "bad zip64 end of central directory");
		return -1;
	}
	*count = zip_u64(rec + 32);
	*cd_size = zip_u64(rec + 40);
	*cd_off = zip_u64(rec + 48);
	return 0;
}

/* Apply a zip64 extra field (id 1) of len bytes at p to e. */
static void
zip_extra64(struct zip_entry *e, const unsigned char *p, size_t len)
{
	size_t	 i = 0, n;

	while (i + 4 <= len) {
		n = zip_u16(p + i + 2);
		if (zip_u16(p + i) == 1 && i + 4 + n <= len) {
			const unsigned char	*q = p + i + 4, *end = q + n;

			if (e->usize == 0xffffffffu && q + 8 <= end) {
				e->usize = zip_u64(q);
				q += 8;
			}
			if (e->csize == 0xffffffffu && q + 8 <= end) {
				e->csize = zip_u64(q);
				q += 8;
			}
			if (e->offset == 0xffffffffu && q + 8 <= end)
				e->offset = zip_u64(q);
			return;
		}
		i += 4 + n;
	}
}

/*
 * Parse the central directory header at *pos (advanced past it) into e.
 * Returns 0, or -1 with err.
 */
static int
zip_central_entry(const unsigned char *cd, size_t cdlen, size_t *pos,
    struct zip_entry *e, char *err, size_t errlen)
{
	const unsigned char	*h = cd + *pos;
	size_t			 n, x, c;

	if (*pos + 46 > cdlen || zip_u32(h) != ZIP_CENTRAL_SIG) {
		snprintf(err, errlen, "bad central directory entry at %zu",
		    *pos);
		return -1;
	}
	n = zip_u16(h + 28);
	x = zip_u16(h + 30);
	c = zip_u16(h + 32);
	if (*pos + 46 + n + x + c > cdlen) {
		snprintf(err, errlen, "central directory entry at %zu runs "
		    "past its end", *pos);
		return -1;
	}
	e->flags = zip_u16(h + 8);
	e->method = zip_u16(h + 10);
	e->crc = zip_u32(h + 16);
	e->csize = zip_u32(h + 20);
	e->usize = zip_u32(h + 24);
	e->offset = zip_u32(h + 42);
	snprintf(e->name, sizeof(e->name), "%.*s", (int)n,
	    (const char *)h + 46);
	zip_extra64(e, h + 46 + n, x);
	*pos += 46 + n + x + c;
	return 0;
}

/*
 * Stream the data of entry e to data(arg, buf, len), then data(arg,
 * NULL, 0). Returns 0, or -1 with err.
 */
static int
zip_entry_data(int fd, const struct zip_entry *e, feed_zip_data_fn data,
    void *arg, char *err, size_t errlen)
{
	unsigned char	 lh[30], in[ZIP_CHUNK], out[ZIP_CHUNK];
	z_stream	 zs;
	uint64_t	 off, left = e->csize, total = 0;
	uLong		 crc = crc32(0, NULL, 0);
	size_t		 n;
	int		 zrc = Z_OK, rc = -1;

	if (e->flags & 1) {
		snprintf(err, errlen, "%s: encrypted", e->name);
		return -1;
	}
	if (e->method != 0 && e->method != 8) {
		snprintf(err, errlen, "%s: compression method %u is not read",
		    e->name, e->method);
		return -1;
	}
	if (zip_read(fd, lh, 30, e->offset) == -1 ||
	    zip_u32(lh) != ZIP_LOCAL_SIG) {
		snprintf(err, errlen, "%s: bad local header", e->name);
		return -1;
	}
	off = e->offset + 30 + zip_u16(lh + 26) + zip_u16(lh + 28);
	memset(&zs, 0, sizeof(zs));
	if (e->method == 8 && inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
		snprintf(err, errlen, "%s: inflateInit2 failed", e->name);
		return -1;
	}
	while (left > 0 || (e->method == 8 && zrc != Z_STREAM_END)) {
		n = left < sizeof(in) ? (size_t)left : sizeof(in);
		if (n == 0 && e->method == 8) {
			snprintf(err, errlen, "%s: deflate stream cut short",
			    e->name);
			goto done;
		}
		if (zip_read(fd, in, n, off) == -1) {
			snprintf(err, errlen, "%s: short read", e->name);
			goto done;
		}
		off += n;
		left -= n;
		if (e->method == 0) {
			crc = crc32(crc, in, (uInt)n);
			total += n;
			if (data(arg, (const char *)in, n) != 0)
				goto stopped;
			continue;
		}
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		do {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			zrc = inflate(&zs, Z_NO_FLUSH);
			if (zrc != Z_OK && zrc != Z_STREAM_END &&
			    zrc != Z_BUF_ERROR) {
				snprintf(err, errlen, "%s: bad deflate data",
				    e->name);
				goto done;
			}
			n = sizeof(out) - zs.avail_out;
			crc = crc32(crc, out, (uInt)n);
			total += n;
			if (n > 0 && data(arg, (const char *)out, n) != 0)
				goto stopped;
		} while (zs.avail_out == 0 && zrc != Z_STREAM_END);
		if (zrc == Z_STREAM_END && left > 0)
			left = 0;
	}
	if (crc != e->crc || total != e->usize) {
		snprintf(err, errlen, "%s: CRC-32 or size does not match",
		    e->name);
		goto done;
	}
	if (data(arg, NULL, 0) != 0)
		goto stopped;
	rc = 0;
	goto done;
stopped:
	if (err[0] == '\0')
		snprintf(err, errlen, "%s: stopped", e->name);
done:
	if (e->method == 8)
		inflateEnd(&zs);
	return rc;
}

/*
 * For each entry of the archive open on fd: entry(arg, name) says whether
 * to read it (1), skip it (0) or stop (-1); the data of those read goes
 * to data(arg, buf, len), and data(arg, NULL, 0) ends each. Returns 0,
 * or -1 with err.
 */
int
feed_zip_read(int fd, feed_zip_entry_fn entry, feed_zip_data_fn data,
    void *arg, char *err, size_t errlen)
{
	struct zip_entry	 e;
	unsigned char		*cd;
	uint64_t		 cd_off, cd_size, count, i;
	size_t			 pos = 0;
	int			 want, rc = -1;

	err[0] = '\0';
	if (zip_find_directory(fd, &cd_off, &cd_size, &count, err,
	    errlen) == -1)
		return -1;
	if (count > ZIP_MAX_ENTRIES || cd_size > count * (46 + 65535 * 3) ||
	    cd_size > 1024ULL * 1024 * 1024) {
		snprintf(err, errlen, "implausible central directory "
		    "(%llu entries, %llu bytes)", (unsigned long long)count,
		    (unsigned long long)cd_size);
		return -1;
	}
	if ((cd = malloc(cd_size + 1)) == NULL ||
	    zip_read(fd, cd, cd_size, cd_off) == -1) {
		free(cd);
		snprintf(err, errlen, "cannot read the central directory");
		return -1;
	}
	for (i = 0; i < count; i++) {
		if (zip_central_entry(cd, cd_size, &pos, &e, err,
		    errlen) == -1)
			goto done;
		if ((want = entry(arg, e.name)) == -1) {
			snprintf(err, errlen, "%s: stopped", e.name);
			goto done;
		}
		if (want == 1 && zip_entry_data(fd, &e, data, arg, err,
		    errlen) == -1)
			goto done;
	}
	rc = 0;
done:
	free(cd);
	return rc;
}
