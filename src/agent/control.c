/*
 * control.c: the agent's UNIX control socket on the event base.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>

#include "compat.h"
#include "control.h"
#include "jsonutil.h"
#include "log.h"

#define CONTROL_MAX_CONNS	32
#define CONTROL_READ_TIMEOUT	10	/* seconds to send a request */

/* The listening socket and its connections. */
struct control {
	struct event_base		*base;
	struct evconnlistener		*listener;
	char				*path;
	const struct control_command	*commands;
	void				*arg;
	struct control_conn		*conns;
	int				 nconns;
	unsigned long			 requests;	/* served so far */
};

/* One client connection. */
struct control_conn {
	struct control		*control;
	struct bufferevent	*bev;
	struct control_conn	*next;
	int			 is_pending;	/* a handler owes a reply */
	int			 is_gone;	/* the client went away */
	int			 is_replied;
};

static void	control_conn_free(struct control_conn *);

/* Fill a sockaddr_un for path. Returns 0, or -ENAMETOOLONG. */
static int
control_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlcpy(sun->sun_path, path, sizeof(sun->sun_path)) >=
	    sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

/* Probe path for a live daemon. Returns 1 live, 0 none/stale, or -errno. */
static int
control_probe(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, rc;

	if ((rc = control_addr(path, &sun)) < 0)
		return rc;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (rc == 0)
		rc = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		rc = 0;
	else
		rc = -errno;
	close(fd);
	return rc;
}

/* Unlink conn from its control's list. */
static void
control_conn_unlink(struct control_conn *conn)
{
	struct control_conn	**pp;

	for (pp = &conn->control->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == conn) {
			*pp = conn->next;
			conn->control->nconns--;
			return;
		}
	}
}

/* Free a connection (its bufferevent closes the socket). */
static void
control_conn_free(struct control_conn *conn)
{
	control_conn_unlink(conn);
	if (conn->bev != NULL)
		bufferevent_free(conn->bev);
	free(conn);
}

/* Write one JSON line to conn's output. */
static void
control_write(struct control_conn *conn, struct json_object *msg)
{
	const char	*text;

	text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	bufferevent_write(conn->bev, text, strlen(text));
	bufferevent_write(conn->bev, "\n", 1);
}

/* Once the reply is flushed, close the connection. */
static void
control_flushed_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn	*conn = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		control_conn_free(conn);
}

/* Reply to a request and close the connection once the reply is out. */
void
control_reply(struct control_conn *conn, struct json_object *result,
    const char *error)
{
	struct json_object	*msg;

	conn->is_pending = 0;
	if (conn->is_replied) {
		json_object_put(result);
		return;
	}
	conn->is_replied = 1;
	if (conn->is_gone) {
		json_object_put(result);
		control_conn_free(conn);
		return;
	}
	msg = json_object_new_object();
	json_add_int64(msg, "version", CONTROL_VERSION);
	json_add_bool(msg, "ok", error == NULL);
	if (error != NULL) {
		json_add_string(msg, "error", error);
		json_object_put(result);
	} else
		json_object_object_add(msg, "result", result != NULL ? result :
		    json_object_new_object());
	control_write(conn, msg);
	json_object_put(msg);
	bufferevent_disable(conn->bev, EV_READ);
	bufferevent_setcb(conn->bev, NULL, control_flushed_cb, NULL, conn);
	bufferevent_enable(conn->bev, EV_WRITE);
	control_flushed_cb(conn->bev, conn);
}

/* The name of a JSON type, for errors. */
static const char *
control_type_name(int type)
{
	switch (type) {
	case json_type_boolean:
		return "a boolean";
	case json_type_int:
		return "an integer";
	case json_type_string:
		return "a string";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	default:
		return "a value";
	}
}

/*
 * Check the request's args against what cmd takes. Returns NULL, or the
 * error (in msg).
 */
static const char *
control_check_args(const struct control_command *cmd,
    struct json_object *args, char *msg, size_t len)
{
	const struct control_arg	*a;

	if (args == NULL)
		return NULL;
	if (!json_object_is_type(args, json_type_object)) {
		snprintf(msg, len, "bad request: \"args\" must be an object");
		return msg;
	}
	json_object_object_foreach(args, key, val) {
		for (a = cmd->args; a != NULL && a->name != NULL; a++)
			if (strcmp(a->name, key) == 0)
				break;
		if (a == NULL || a->name == NULL) {
			snprintf(msg, len, "%s takes no argument \"%.64s\"",
			    cmd->name, key);
			return msg;
		}
		if (!json_object_is_type(val, (enum json_type)a->type)) {
			snprintf(msg, len, "%s: argument \"%s\" must be %s",
			    cmd->name, a->name, control_type_name(a->type));
			return msg;
		}
	}
	return NULL;
}

/* Dispatch one request line. */
static void
control_dispatch(struct control_conn *conn, const char *line, size_t len)
{
	const struct control_command	*cmd;
	struct json_object		*req, *args = NULL;
	const char			*name;
	char				 err[256], msg[320];
	int64_t				 version;

	if ((req = json_parse_object(line, len, err, sizeof(err))) == NULL) {
		snprintf(msg, sizeof(msg), "bad request: %s", err);
		control_reply(conn, NULL, msg);
		return;
	}
	if (json_get_int64(req, "version", &version) == -1 ||
	    version != CONTROL_VERSION) {
		snprintf(msg, sizeof(msg), "control protocol version not "
		    "supported (this outpostd speaks version %d)",
		    CONTROL_VERSION);
		control_reply(conn, NULL, msg);
		json_object_put(req);
		return;
	}
	if ((name = json_get_string(req, "command")) == NULL) {
		control_reply(conn, NULL, "bad request: no \"command\"");
		json_object_put(req);
		return;
	}
	if (!json_object_object_get_ex(req, "args", &args))
		args = NULL;
	for (cmd = conn->control->commands; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, name) == 0)
			break;
	if (cmd->name == NULL) {
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\"", name);
		control_reply(conn, NULL, msg);
		json_object_put(req);
		return;
	}
	if (control_check_args(cmd, args, msg, sizeof(msg)) != NULL) {
		log_info("control: %s refused: %s", cmd->name, msg);
		control_reply(conn, NULL, msg);
		json_object_put(req);
		return;
	}
	conn->control->requests++;
	log_debug("control: command %s (request %lu)", cmd->name,
	    conn->control->requests);
	conn->is_pending = 1;
	cmd->handler(conn, args, conn->control->arg);
	json_object_put(req);
}

/* Read the request line when it is complete. */
static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control_conn	*conn = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 len;

	if (conn->is_pending || conn->is_replied)
		return;
	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > CONTROL_MAX_REQUEST)
			control_reply(conn, NULL, "request too long");
		return;
	}
	control_dispatch(conn, line, len);
	free(line);
}

/* The client closed, errored or timed out. */
static void
control_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct control_conn	*conn = arg;

	if (conn->is_pending) {
		/* The handler still owns conn; free it when it replies. */
		conn->is_gone = 1;
		bufferevent_disable(bev, EV_READ | EV_WRITE);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("control: client timed out");
	control_conn_free(conn);
}

/* Accept a client: check its credentials, then read its request. */
static void
control_accept_cb(struct evconnlistener *listener, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control		*control = arg;
	struct control_conn	*conn;
	struct timeval		 tv = { CONTROL_READ_TIMEOUT, 0 };
	uid_t			 uid;
	gid_t			 gid;

	if (getpeereid(fd, &uid, &gid) == -1) {
		log_warn("control: cannot read peer credentials");
		close(fd);
		return;
	}
	if (uid != 0 && uid != geteuid()) {
		log_warnx("control: refused connection from uid %u",
		    (unsigned)uid);
		close(fd);
		return;
	}
	if (control->nconns >= CONTROL_MAX_CONNS) {
		log_warnx("control: too many connections (%d), refusing one",
		    control->nconns);
		close(fd);
		return;
	}
	if ((conn = calloc(1, sizeof(*conn))) == NULL) {
		log_warn("control: accept");
		close(fd);
		return;
	}
	conn->control = control;
	conn->bev = bufferevent_socket_new(control->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL) {
		log_warnx("control: cannot set up a connection");
		close(fd);
		free(conn);
		return;
	}
	conn->next = control->conns;
	control->conns = conn;
	control->nconns++;
	bufferevent_setcb(conn->bev, control_read_cb, NULL, control_event_cb,
	    conn);
	bufferevent_set_timeouts(conn->bev, &tv, &tv);
	bufferevent_enable(conn->bev, EV_READ);
}

/* Listen on path. Returns 0 and *out, or -errno. */
int
control_open(struct event_base *base, const char *path,
    const struct control_command *commands, void *arg, struct control **out)
{
	struct sockaddr_un	 sun;
	struct control		*control;
	mode_t			 old_umask;
	int			 fd, rc;

	if ((rc = control_addr(path, &sun)) < 0)
		return rc;
	if ((rc = control_probe(path)) == 1)
		return -EADDRINUSE;
	if (rc < 0)
		return rc;
	if (unlink(path) == -1 && errno != ENOENT)
		return -errno;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -errno;
	old_umask = umask(S_IXUSR | S_IRWXG | S_IRWXO);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (rc == -1 || chmod(path, 0600) == -1 || listen(fd, 16) == -1) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((control = calloc(1, sizeof(*control))) == NULL ||
	    (control->path = strdup(path)) == NULL) {
		free(control);
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	control->base = base;
	control->commands = commands;
	control->arg = arg;
	control->listener = evconnlistener_new(base, control_accept_cb,
	    control, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (control->listener == NULL) {
		close(fd);
		unlink(path);
		free(control->path);
		free(control);
		return -ENOMEM;
	}
	*out = control;
	return 0;
}

/* Close the socket and every connection; unlink the path. */
void
control_close(struct control *control)
{
	if (control == NULL)
		return;
	while (control->conns != NULL)
		control_conn_free(control->conns);
	evconnlistener_free(control->listener);
	unlink(control->path);
	free(control->path);
	free(control);
}
