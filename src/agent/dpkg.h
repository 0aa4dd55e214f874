/*
 * dpkg.h: a streaming parser of dpkg's database, /var/lib/dpkg/status
 * (deb822 paragraphs of "Field: value" lines, continuation lines starting
 * with a blank, paragraphs separated by blank lines).
 *
 * The caller feeds one line at a time (without its newline) and gets each
 * package when its paragraph ends. Garbage is refused with the line number
 * and the reason; the parser keeps only the fields the inventory needs.
 */
#ifndef OUTPOST_DPKG_H
#define OUTPOST_DPKG_H

#include <stddef.h>

/* One paragraph of the status file. */
struct dpkg_package {
	char		*name;		/* Package */
	char		*version;	/* Version (with epoch), or NULL */
	char		*arch;		/* Architecture, or NULL */
	char		*source;	/* Source without "(version)", or NULL */
	char		*source_version; /* the "(version)" of Source, or NULL */
	/* The words of Status (static strings, not freed), or NULL: */
	const char	*want;		/* install, hold, ... */
	const char	*eflag;		/* ok, reinstreq */
	const char	*state;		/* installed, config-files, ... */
	size_t		 line;		/* where the paragraph starts */
};

/* The parser's state between lines. */
struct dpkg_parser {
	size_t			 lineno;	/* lines fed so far */
	int			 in_paragraph;
	int			 field;		/* the field being continued */
	unsigned int		 seen;		/* fields seen (bit mask) */
	struct dpkg_package	 cur;
};

/* Start a parser. */
void	dpkg_parser_init(struct dpkg_parser *);
/*
 * Feed one line (len bytes, no newline). Returns 1 when it ended a
 * paragraph (*out filled, free it with dpkg_package_free()), 0 when more
 * lines are needed, or -1 with "line N: reason" in err.
 */
int	dpkg_parser_line(struct dpkg_parser *, const char *line, size_t len,
	    struct dpkg_package *out, char *err, size_t errlen);
/* The input ended: like dpkg_parser_line() for the last paragraph. */
int	dpkg_parser_end(struct dpkg_parser *, struct dpkg_package *out,
	    char *err, size_t errlen);
/* Free what the parser holds. */
void	dpkg_parser_free(struct dpkg_parser *);
/* Free a package's strings. */
void	dpkg_package_free(struct dpkg_package *);
/*
 * Is the package installed: Status "install ok installed" or "hold ok
 * installed" (a held package is installed all the same)?
 */
int	dpkg_package_is_installed(const struct dpkg_package *);

#endif /* OUTPOST_DPKG_H */
