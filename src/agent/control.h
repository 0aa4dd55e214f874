/*
 * control.h: the agent's UNIX control socket, driven by outpostctl(8).
 *
 * Protocol (version CONTROL_VERSION): the client sends one JSON line
 * {"version":1,"command":"status","args":{...}} and the daemon answers one
 * JSON line {"version":1,"ok":true,"result":{...}} or
 * {"version":1,"ok":false,"error":"..."} and closes the connection.
 * "args" is optional; when given it must be an object whose members are
 * the command's arguments, each of its type.
 */
#ifndef OUTPOST_CONTROL_H
#define OUTPOST_CONTROL_H

#define CONTROL_VERSION		1
#define CONTROL_SOCKET_NAME	"outpostd.sock"
#define CONTROL_MAX_REQUEST	(64 * 1024)

struct event_base;
struct json_object;
struct control;
struct control_conn;

/*
 * Handle one command. Reply now or later (from another callback) with
 * control_reply(); the request arguments belong to the caller.
 */
typedef void	(*control_handler_fn)(struct control_conn *,
		    struct json_object *args, void *arg);

/* One argument a command takes: its name and JSON type. */
struct control_arg {
	const char	*name;
	int		 type;		/* enum json_type */
};

/*
 * One command of the table given to control_open(), with the arguments it
 * takes (NULL-name terminated; NULL: none). A request with another
 * argument, or one of another type, is refused with a clear error.
 */
struct control_command {
	const char		*name;
	control_handler_fn	 handler;
	const struct control_arg *args;
};

/*
 * Listen on path (mode 0600) on base. A live daemon on path is an error
 * (-EADDRINUSE); a stale socket is removed. Returns 0 and *out, or -errno.
 */
int	control_open(struct event_base *, const char *path,
	    const struct control_command *, void *arg, struct control **out);
/* Close the socket, every connection, and unlink the path. */
void	control_close(struct control *);
/*
 * Reply to a request and close the connection. result (consumed, may be
 * NULL) on success, or error (a one-line message) when not NULL.
 */
void	control_reply(struct control_conn *, struct json_object *result,
	    const char *error);

#endif /* OUTPOST_CONTROL_H */
