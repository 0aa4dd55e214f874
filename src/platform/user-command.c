/*
 * user-command.c: "outpost-platform user add|list|passwd|del", the users
 * of a platform managed from its host, on the database its
 * platform.conf names (-c; the platform directory is taken too; default
 * PLATFORM_DEFAULT_CONF), whether the platform runs or not. A password
 * is read from the terminal without echo, twice, or with --password-stdin
 * as one line of standard input; it is hashed as users.c says and never
 * printed. Each change is recorded in the audit trail as "cli:<login>".
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit-trail.h"
#include "compat.h"
#include "jsonutil.h"
#include "log.h"
#include "platform-conf.h"
#include "store.h"
#include "user-command.h"
#include "users.h"

/* What the command line asked for. */
struct user_args {
	const char	*command;
	const char	*name;
	const char	*conf;
	const char	*role;
	int		 password_stdin;
};

/* Print the user command's usage. Returns 1. */
static int
user_usage(void)
{
	fprintf(stderr,
	    "usage: outpost-platform user add NAME --role admin|reader "
	    "[--password-stdin] [-c platform.conf]\n"
	    "       outpost-platform user list [-c platform.conf]\n"
	    "       outpost-platform user passwd NAME [--password-stdin] "
	    "[-c platform.conf]\n"
	    "       outpost-platform user del NAME [-c platform.conf]\n"
	    "-c takes the platform.conf or the platform directory "
	    "(default %s)\n", PLATFORM_DEFAULT_CONF);
	return 1;
}

/*
 * Read one line of at most len - 1 bytes from fd into buf, without its
 * end of line. Returns 0, or -1 (too long, or nothing).
 */
static int
user_read_line(int fd, char *buf, size_t len)
{
	size_t	 n = 0;
	ssize_t	 r;
	char	 c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n + 1 >= len) {
			explicit_bzero(buf, len);
			return -1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return r <= 0 && n == 0 ? -1 : 0;
}

/*
 * Prompt on the terminal and read a line without echo. Returns 0, or -1
 * (logged).
 */
static int
user_read_tty(int fd, const char *prompt, char *buf, size_t len)
{
	struct termios	 saved, quiet;
	int		 rc;

	if (tcgetattr(fd, &saved) == -1) {
		log_warn("terminal");
		return -1;
	}
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1) {
		log_warn("terminal");
		return -1;
	}
	(void)write(fd, prompt, strlen(prompt));
	rc = user_read_line(fd, buf, len);
	(void)write(fd, "\n", 1);
	tcsetattr(fd, TCSAFLUSH, &saved);
	return rc;
}

/*
 * Read a new password (stdin: one line; else the terminal, twice) into
 * buf and check it. Returns 0, or -1 (logged).
 */
static int
user_password(const struct user_args *a, char *buf, size_t len)
{
	char		 again[USERS_PASSWORD_MAX + 2];
	const char	*why;
	int		 fd, rc;

	if (a->password_stdin)
		rc = user_read_line(STDIN_FILENO, buf, len);
	else {
		if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1) {
			log_warnx("no terminal to read the password from; "
			    "use --password-stdin");
			return -1;
		}
		rc = user_read_tty(fd, "New password: ", buf, len);
		if (rc == 0 && (rc = user_read_tty(fd, "Again: ", again,
		    sizeof(again))) == 0 && strcmp(buf, again) != 0) {
			log_warnx("the passwords differ");
			rc = -2;
		}
		explicit_bzero(again, sizeof(again));
		close(fd);
	}
	if (rc == -1)
		log_warnx("no password read (at most %d bytes, on one line)",
		    USERS_PASSWORD_MAX);
	if (rc == 0 && (why = users_password_problem(buf)) != NULL) {
		log_warnx("%s", why);
		rc = -1;
	}
	if (rc != 0)
		explicit_bzero(buf, len);
	return rc == 0 ? 0 : -1;
}

/*
 * Open the platform of conf, a platform.conf or its directory (no
 * transaction yet: none is held while a password is read or hashed).
 * Returns 0, or -1 (logged).
 */
int
cli_platform_open(const char *conf, struct cli_platform *c)
{
	struct passwd	*pw;
	struct stat	 sb;
	char		 path[PATH_MAX], err[PLATFORM_ERRLEN];

	memset(c, 0, sizeof(*c));
	c->now = (int64_t)time(NULL);
	strlcpy(path, conf, sizeof(path));
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    snprintf(path, sizeof(path), "%s/platform.conf", conf) >=
	    (int)sizeof(path))
		return -1;
	if (platform_conf_load(path, &c->conf) == -1)
		return -1;
	if ((c->store = store_open(c->conf.database, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		platform_conf_free(&c->conf);
		return -1;
	}
	pw = getpwuid(getuid());
	if (pw != NULL)
		snprintf(c->actor, sizeof(c->actor), "cli:%s", pw->pw_name);
	else
		snprintf(c->actor, sizeof(c->actor), "cli:%ld",
		    (long)getuid());
	return 0;
}

/*
 * Commit (ok) or roll back, and close. Returns the command's exit status:
 * 0, or 1.
 */
int
cli_platform_close(struct cli_platform *c, int ok)
{
	if (ok && store_in_transaction(c->store) &&
	    store_commit(c->store) == -1) {
		log_warnx("cannot commit the change");
		ok = 0;
	} else if (!ok && store_in_transaction(c->store))
		store_rollback(c->store);
	store_close(c->store);
	platform_conf_free(&c->conf);
	return ok ? 0 : 1;
}

/* Record a change of user name (summary from fmt). Returns 0, or -1. */
static int __attribute__((format(printf, 3, 4)))
user_audit(struct cli_platform *c, const char *name, const char *fmt, ...)
{
	char	 resource[128], summary[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(summary, sizeof(summary), fmt, ap);
	va_end(ap);
	snprintf(resource, sizeof(resource), "/api/v1/users/%s", name);
	return audit_trail_command(c->store, c->now, c->actor, resource,
	    summary);
}

/* user add NAME --role ROLE: a new user. Returns the exit status. */
static int
user_add(const struct user_args *a)
{
	struct cli_platform	 c;
	enum api_role	 role;
	char		 pw[USERS_PASSWORD_MAX + 2], hash[USERS_HASH_MAX];
	int		 rc, ok = 0;

	if (a->role == NULL || users_role_parse(a->role, &role) == -1) {
		log_warnx("user add needs --role admin or --role reader");
		return 1;
	}
	if (user_password(a, pw, sizeof(pw)) == -1 ||
	    cli_platform_open(a->conf, &c) == -1)
		return 1;
	if (users_password_hash(pw, c.conf.password_scrypt_n, hash,
	    sizeof(hash)) == -1)
		log_warnx("cannot hash the password");
	else if ((rc = store_begin(c.store)) == 0 &&
	    (rc = store_user_add(c.store, a->name, a->role, hash, c.now,
	    NULL)) == 1)
		log_warnx("a user named %s exists", a->name);
	else if (rc == 0 && user_audit(&c, a->name, "user add %s --role %s",
	    a->name, a->role) == 0)
		ok = 1;
	explicit_bzero(pw, sizeof(pw));
	if ((rc = cli_platform_close(&c, ok)) == 0)
		printf("user %s (%s) added\n", a->name, a->role);
	return rc;
}

/* Print the users. Returns the exit status. */
static int
user_list(const struct user_args *a)
{
	struct cli_platform	 c;
	struct json_object	*arr, *u;
	char			 when[32];
	time_t			 t;
	size_t			 i;
	int64_t			 last;

	if (cli_platform_open(a->conf, &c) == -1)
		return 1;
	if ((arr = store_user_list(c.store, NULL)) == NULL)
		return cli_platform_close(&c, 0);
	printf("%-24s %-7s %-21s %7s %9s\n", "NAME", "ROLE", "LAST SIGN-IN",
	    "TOKENS", "SESSIONS");
	for (i = 0; i < json_object_array_length(arr); i++) {
		u = json_object_array_get_idx(arr, i);
		strlcpy(when, "never", sizeof(when));
		if (json_get_int64(u, "last_sign_in_at", &last) == 0) {
			t = (time_t)last;
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			    gmtime(&t));
		}
		printf("%-24s %-7s %-21s %7s %9s\n", json_get_string(u, "name"),
		    json_get_string(u, "role"), when, json_object_get_string(
		    json_object_object_get(u, "tokens")),
		    json_object_get_string(json_object_object_get(u,
		    "sessions")));
	}
	json_object_put(arr);
	return cli_platform_close(&c, 1);
}

/*
 * Remove dir/admin.password (written by init) when it holds the old
 * password of the user whose password changed.
 */
static void
user_forget_initial(const char *dir, const char *old_hash)
{
	char	 path[PATH_MAX], pw[USERS_PASSWORD_MAX + 2];
	int	 fd, rc;

	if (snprintf(path, sizeof(path), "%s/admin.password", dir) >=
	    (int)sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	rc = user_read_line(fd, pw, sizeof(pw));
	close(fd);
	if (rc == 0 && users_password_verify(pw, old_hash) == 1) {
		if (unlink(path) == 0)
			printf("removed %s\n", path);
		else
			log_warn("%s", path);
	}
	explicit_bzero(pw, sizeof(pw));
}

/* user passwd NAME: a new password; the user's sessions end. */
static int
user_passwd(const struct user_args *a)
{
	struct cli_platform	 c;
	struct user_row	 u;
	char		 pw[USERS_PASSWORD_MAX + 2], hash[USERS_HASH_MAX];
	char		 dir[PATH_MAX];
	int		 rc, ok = 0;

	if (cli_platform_open(a->conf, &c) == -1)
		return 1;
	strlcpy(dir, c.conf.dir, sizeof(dir));
	if ((rc = store_user_get(c.store, a->name, &u)) != 0) {
		if (rc == 1)
			log_warnx("no user named %s", a->name);
		return cli_platform_close(&c, 0);
	}
	if (user_password(a, pw, sizeof(pw)) == -1)
		return cli_platform_close(&c, 0);
	if (users_password_hash(pw, c.conf.password_scrypt_n, hash,
	    sizeof(hash)) == -1)
		log_warnx("cannot hash the password");
	else if (store_begin(c.store) == 0 &&
	    store_user_set_password(c.store, u.id, hash, c.now) == 0 &&
	    store_session_delete_user(c.store, u.id, NULL) == 0 &&
	    user_audit(&c, u.name, "user passwd %s", u.name) == 0)
		ok = 1;
	explicit_bzero(pw, sizeof(pw));
	if ((rc = cli_platform_close(&c, ok)) != 0)
		return rc;
	printf("password of %s changed; its sessions ended\n", u.name);
	user_forget_initial(dir, u.password);
	return 0;
}

/* user del NAME: the user, its tokens and sessions; not the last admin. */
static int
user_del(const struct user_args *a)
{
	struct cli_platform	 c;
	struct user_row	 u;
	int64_t		 admins = 0;
	int		 rc;

	if (cli_platform_open(a->conf, &c) == -1)
		return 1;
	if ((rc = store_begin(c.store)) == 0 &&
	    (rc = store_user_get(c.store, a->name, &u)) != 0) {
		if (rc == 1)
			log_warnx("no user named %s", a->name);
		return cli_platform_close(&c, 0);
	}
	if (rc == -1)
		return cli_platform_close(&c, 0);
	if (strcmp(u.role, "admin") == 0 &&
	    (store_user_admins(c.store, &admins) == -1 || admins <= 1)) {
		log_warnx("%s is the last admin; add another admin first",
		    u.name);
		return cli_platform_close(&c, 0);
	}
	if (store_user_delete(c.store, u.id) == -1 ||
	    user_audit(&c, u.name, "user del %s", u.name) == -1)
		return cli_platform_close(&c, 0);
	if ((rc = cli_platform_close(&c, 1)) == 0)
		printf("user %s deleted\n", u.name);
	return rc;
}

/*
 * Parse "COMMAND [-c CONF] [options] [OPERAND]" of a platform command:
 * the long options' values by their val in a->opt ("" for a flag);
 * "list" takes no operand, every other command one. Returns 0, or -1.
 */
int
cli_parse(int argc, char *argv[], const struct option *longopts,
    struct cli_args *a)
{
	int	 ch;

	memset(a, 0, sizeof(*a));
	a->conf = PLATFORM_DEFAULT_CONF;
	if (argc < 2)
		return -1;
	a->command = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		if (ch == 'c')
			a->conf = optarg;
		else if (ch > 0 && ch < (int)nitems(a->opt) && ch != 'h' &&
		    ch != '?' && ch != ':')
			a->opt[ch] = optarg != NULL ? optarg : "";
		else
			return -1;
	}
	if (strcmp(a->command, "list") == 0)
		return optind == argc ? 0 : -1;
	if (optind != argc - 1)
		return -1;
	a->operand = argv[optind];
	return 0;
}

/* Parse the options after "user COMMAND". Returns 0, or -1. */
static int
user_parse(int argc, char *argv[], struct user_args *a)
{
	static const struct option longopts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "password-stdin", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_args	 ca;

	memset(a, 0, sizeof(*a));
	if (cli_parse(argc, argv, longopts, &ca) == -1)
		return -1;
	a->command = ca.command;
	a->conf = ca.conf;
	a->role = ca.opt['r'];
	a->password_stdin = ca.opt['p'] != NULL;
	a->name = ca.operand;
	if (a->name != NULL && !users_name_valid(a->name)) {
		log_warnx("\"%s\": a user name is 1 to %d of A-Z a-z 0-9 . _ @ "
		    "-, starting with a letter or digit", a->name,
		    PLATFORM_USER_MAX);
		return -1;
	}
	return 0;
}

/* outpost-platform user COMMAND ...: argv[0] is "user". Returns 0 or 1. */
int
user_command(int argc, char *argv[])
{
	static const struct {
		const char	*name;
		int		(*run)(const struct user_args *);
	} commands[] = {
		{ "add", user_add }, { "list", user_list },
		{ "passwd", user_passwd }, { "del", user_del }
	};
	struct user_args	 a;
	size_t			 i;

	if (user_parse(argc, argv, &a) == -1)
		return user_usage();
	for (i = 0; i < nitems(commands); i++)
		if (strcmp(a.command, commands[i].name) == 0)
			return commands[i].run(&a);
	return user_usage();
}
