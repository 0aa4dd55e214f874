/*
 * conf.h: the table-driven parser of outpost's "key = value" files.
 *
 * A program describes its file with a table of struct conf_key rows (name,
 * value parser, offset of the field, default); conf_parse_file() applies the
 * defaults, reads the file and reports every error as "file:line: reason".
 */
#ifndef OUTPOST_CONF_H
#define OUTPOST_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_ERRLEN	256

/*
 * A value parser: store the parsed value at dst. Returns 0, or -1 with the
 * reason in err. A string parser frees what dst held before.
 */
typedef int	(*conf_parse_fn)(const char *value, void *dst, const void *arg,
		    char *err, size_t errlen);

/* One configuration key. */
struct conf_key {
	const char	*name;
	conf_parse_fn	 parse;
	size_t		 offset;	/* of the field in the configuration */
	const char	*default_value;	/* parsed like a value; NULL = none */
	const void	*arg;		/* given to parse (limits, choices) */
	int		 repeatable;	/* may appear more than once */
};

/* Limits of an integer key. */
struct conf_range {
	long long	 min;
	long long	 max;
};

/* Receives every error; the default prints "file:line: reason" to stderr. */
typedef void	(*conf_error_fn)(const char *file, int line, const char *reason,
		    void *arg);

/*
 * Apply the defaults of table to conf, then read path over them. Every
 * error is passed to errfn (NULL: stderr). Returns the number of errors
 * (0 = the file is good), or -1 if the file could not be opened.
 */
int	conf_parse_file(const char *path, const struct conf_key *table,
	    void *conf, conf_error_fn errfn, void *errarg);
/* Free every string field of conf that the table names. */
void	conf_free_strings(const struct conf_key *table, void *conf);

/* Value parsers for struct conf_key. */
int	conf_parse_string(const char *, void *, const void *, char *, size_t);
int	conf_parse_path(const char *, void *, const void *, char *, size_t);
int	conf_parse_int(const char *, void *, const void *, char *, size_t);
int	conf_parse_size(const char *, void *, const void *, char *, size_t);
int	conf_parse_bool(const char *, void *, const void *, char *, size_t);
int	conf_parse_log_level(const char *, void *, const void *, char *,
	    size_t);
int	conf_parse_url(const char *, void *, const void *, char *, size_t);
int	conf_parse_hex_sha256(const char *, void *, const void *, char *,
	    size_t);

/*
 * Parse a size: digits with an optional K, M or G suffix (powers of 1024,
 * optional trailing "B"/"iB"). Returns 0, or -1 on garbage or overflow.
 */
int	conf_size_parse(const char *, uint64_t *);

#endif /* OUTPOST_CONF_H */
