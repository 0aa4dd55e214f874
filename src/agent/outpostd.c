/*
 * outpostd.c: the agent daemon's entry point: options, configuration
 * check, pid file, daemonizing and signals around agent_start().
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "agent.h"
#include "compat.h"
#include "daemonize.h"
#include "log.h"
#include "proxy.h"
#include "release.h"
#include "sdnotify.h"
#include "update-launch.h"
#include "version.h"

#define PIDFILE_NAME	"outpostd.pid"

/* The pid file, held locked for the daemon's life. */
struct pidfile {
	char	 path[PATH_MAX];
	int	 fd;
};

/* Print usage and exit 1. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: outpostd [-fnVv] [-c file]\n");
	exit(1);
}

/*
 * Lock run_dir/outpostd.pid. Returns 0, or -1 after printing why (another
 * instance holds it, or it cannot be opened).
 */
static int
pidfile_lock(struct pidfile *pf, const char *run_dir)
{
	char	 buf[32];
	ssize_t	 n;

	snprintf(pf->path, sizeof(pf->path), "%s/%s", run_dir, PIDFILE_NAME);
	pf->fd = open(pf->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (pf->fd == -1) {
		log_warn("cannot open pid file %s", pf->path);
		return -1;
	}
	if (flock(pf->fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			n = pread(pf->fd, buf, sizeof(buf) - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			log_warnx("outpostd is already running (pid %s, pid "
			    "file %s)", buf[0] != '\0' ? buf : "unknown",
			    pf->path);
		} else
			log_warn("cannot lock pid file %s", pf->path);
		close(pf->fd);
		pf->fd = -1;
		return -1;
	}
	return 0;
}

/* Write our pid into the locked pid file. Returns 0, or -1. */
static int
pidfile_write(struct pidfile *pf)
{
	char	 buf[32];
	int	 len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(pf->fd, 0) == -1 ||
	    pwrite(pf->fd, buf, (size_t)len, 0) != len) {
		log_warn("cannot write pid file %s", pf->path);
		return -1;
	}
	return 0;
}

/* Remove and unlock the pid file; keep_file: close it only (a switch). */
static void
pidfile_remove(struct pidfile *pf, int keep_file)
{
	if (pf->fd == -1)
		return;
	if (!keep_file)
		unlink(pf->path);
	close(pf->fd);
	pf->fd = -1;
}

/*
 * One handler for every signal: stop on TERM/INT, reload on HUP; stop to
 * be started again on USR2 (the update watchdog's, update-launch.c).
 */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct agent	*agent = arg;

	switch (sig) {
	case SIGTERM:
		log_info("received SIGTERM, shutting down");
		agent_shutdown(agent, "SIGTERM");
		break;
	case SIGINT:
		log_info("received SIGINT, shutting down");
		agent_shutdown(agent, "SIGINT");
		break;
	case SIGHUP:
		agent_reload(agent);
		break;
	case SIGUSR2:
		log_info("received SIGUSR2, shutting down to be started again");
		agent_shutdown(agent, "SIGUSR2");
		agent->exit_status = AGENT_EXIT_RESTART;
		break;
	default:
		break;
	}
}

/* Check the configuration file (outpostd -n). Returns the exit status. */
static int
check_config(const char *path)
{
	struct agent_conf	 conf;
	struct evp_pkey_st	*key;
	char			 err[PATH_MAX + 64];
	int			 errors;

	errors = agent_conf_load(path, &conf, NULL, NULL);
	/* The proxy file it names, when there is one. */
	if (errors >= 0 && conf.proxy_file != NULL &&
	    access(conf.proxy_file, F_OK) == 0)
		errors += proxy_check_file(conf.proxy_file);
	/* The release key, when there is one. */
	if (errors >= 0 && conf.release_key != NULL &&
	    conf.release_key[0] != '\0') {
		if ((key = release_key_load(conf.release_key, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "%s: release_key: %s\n", path, err);
			errors++;
		}
		EVP_PKEY_free(key);
	}
	agent_conf_free(&conf);
	if (errors != 0) {
		if (errors > 0)
			fprintf(stderr, "%s: %d error%s\n", path, errors,
			    errors == 1 ? "" : "s");
		return 1;
	}
	printf("%s: configuration OK\n", path);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct agent		 agent;
	struct agent_conf	 conf;
	struct pidfile		 pidfile = { "", -1 };
	struct event_base	*base;
	struct event		*ev_term, *ev_int, *ev_hup, *ev_usr2;
	struct update_switch	 sw;
	const char		*conf_path = AGENT_CONF_DEFAULT, *watch = NULL;
	int			 ch, is_foreground = 0, check_only = 0;
	int			 verbosity = 0, errors, status = 0;
	int			 ready_fd = -1;
	int			 is_switching, was_daemon;

	while ((ch = getopt(argc, argv, "c:fnVvW:")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'W':
			/* The watchdog of a switch (update-launch.c). */
			watch = optarg;
			break;
		case 'f':
			is_foreground = 1;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'V':
			printf("outpostd %s\n", agent_version);
			return 0;
		case 'v':
			verbosity++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (check_only)
		return check_config(conf_path);

	log_init("outpostd", 1, LOG_LEVEL_INFO);
	if (watch != NULL)
		return update_watch_main(watch, conf_path);
	errors = agent_conf_load(conf_path, &conf, NULL, NULL);
	if (errors != 0) {
		if (errors > 0)
			fprintf(stderr, "outpostd: %s has %d error%s; not "
			    "starting\n", conf_path, errors,
			    errors == 1 ? "" : "s");
		agent_conf_free(&conf);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	/*
	 * The run directory holds the pid file: create it if missing; its
	 * owner and mode are checked with the others by agent_start().
	 */
	(void)dirs_mkdir_p(conf.run_dir, 0755);
	if (pidfile_lock(&pidfile, conf.run_dir) == -1) {
		agent_conf_free(&conf);
		return 1;
	}
	/* A failed switch is rolled back; the selected version runs. */
	update_launch(&conf, argc, argv, pidfile.fd);
	was_daemon = update_was_daemon() && !is_foreground;
	/*
	 * Detach before anything is set up: the process that stays is the
	 * one whose pid the modules record (the FIM module claims the audit
	 * pid with it). The parent exits once the agent is ready, or 1. A
	 * version re-executed by a switch is a daemon already (same pid).
	 */
	if (was_daemon)
		log_set_stderr(0);
	else if (!is_foreground) {
		/* Buffered log lines must not be written by both processes. */
		log_flush();
		ready_fd = daemonize_begin();
	}
	if ((base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	if (agent_start(&agent, base, &conf, is_foreground, verbosity) == -1) {
		agent_free(&agent);
		pidfile_remove(&pidfile, 0);
		log_shutdown();
		event_base_free(base);
		return 1;
	}
	pidfile_write(&pidfile);

	ev_term = evsignal_new(base, SIGTERM, signal_cb, &agent);
	ev_int = evsignal_new(base, SIGINT, signal_cb, &agent);
	ev_hup = evsignal_new(base, SIGHUP, signal_cb, &agent);
	ev_usr2 = evsignal_new(base, SIGUSR2, signal_cb, &agent);
	if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
	    ev_usr2 == NULL || evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1 ||
	    evsignal_add(ev_hup, NULL) == -1 ||
	    evsignal_add(ev_usr2, NULL) == -1)
		fatalx("cannot install signal handlers");

	log_info("outpostd %s started (pid %ld, config %s, %s)",
	    agent_version, (long)getpid(), agent.conf.path,
	    is_foreground ? "foreground" : "daemon");
	if (ready_fd != -1)
		daemonize_ready(ready_fd);
	/* Type=notify: ready once the event loop runs. */
	if (sdnotify_ready_on(base) == -1)
		log_warnx("cannot schedule the readiness notice");
	if (event_base_dispatch(base) == -1) {
		log_warnx("event loop failed");
		status = 1;
	}
	sdnotify_stopping();
	log_info("outpostd stopped (%s)", agent.stop_reason != NULL ?
	    agent.stop_reason : "event loop ended");
	if (agent.exit_status != 0)
		status = agent.exit_status;
	sw = agent.update_switch;
	is_switching = agent.is_switching;

	event_free(ev_usr2);
	event_free(ev_hup);
	event_free(ev_int);
	event_free(ev_term);
	agent_free(&agent);
	pidfile_remove(&pidfile, is_switching);
	if (!is_switching && sw.version[0] != '\0')
		update_switch_cancel(&sw);
	log_shutdown();
	event_base_free(base);
	libevent_global_shutdown();
	if (is_switching) {
		/* Same process, new program; returns if it could not be. */
		update_switch_exec(&sw, argc, argv);
		update_restart(sw.self, argv);
		return 1;
	}
	return status;
}
