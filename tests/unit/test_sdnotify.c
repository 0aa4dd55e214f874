/*
 * test_sdnotify.c: unit tests of src/common/sdnotify.c: the datagram a
 * service manager receives on a path and on an abstract socket, nothing
 * done without $NOTIFY_SOCKET, and the errors for addresses it cannot
 * use or a socket nobody listens on.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sdnotify.h"

static char	test_dir[] = "/tmp/test_sdnotify.XXXXXX";

/* Bind a datagram socket at name ('@' = abstract). Returns its fd. */
static int
listener(const char *name)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 fd;

	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path, name, sizeof(sun.sun_path) - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, len), 0);
	return fd;
}

/* Receive one datagram into buf (NUL-terminated). Returns its length. */
static ssize_t
receive(int fd, char *buf, size_t size)
{
	ssize_t	 n;

	n = recv(fd, buf, size - 1, MSG_DONTWAIT);
	assert_true(n >= 0);
	buf[n] = '\0';
	return n;
}

/* A path socket gets the state as one datagram, byte for byte. */
static void
test_path(void **unused)
{
	char	 path[128], buf[256];
	int	 fd;

	snprintf(path, sizeof(path), "%s/notify", test_dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sdnotify("READY=1"), 1);
	assert_int_equal(receive(fd, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "READY=1");
	assert_int_equal(sdnotify("STOPPING=1\nSTATUS=bye"), 1);
	receive(fd, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1\nSTATUS=bye");
	close(fd);
	unlink(path);
	/* Nobody listens there any more. */
	assert_true(sdnotify("READY=1") < 0);
	unsetenv("NOTIFY_SOCKET");
}

/* "@name" is an abstract socket: leading NUL, no terminating one. */
static void
test_abstract(void **unused)
{
	char	 name[64], buf[256];
	int	 fd;

	snprintf(name, sizeof(name), "@outpost-test-sdnotify-%ld",
	    (long)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(sdnotify("READY=1"), 1);
	receive(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

/* Without $NOTIFY_SOCKET nothing is sent; bad addresses are refused. */
static void
test_absent_and_bad(void **unused)
{
	char	 longpath[200];

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(sdnotify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	assert_int_equal(sdnotify("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	assert_int_equal(sdnotify("READY=1"), -EAFNOSUPPORT);
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longpath, 1);
	assert_int_equal(sdnotify("READY=1"), -ENAMETOOLONG);
	setenv("NOTIFY_SOCKET", "/nonexistent/outpost/notify", 1);
	assert_int_equal(sdnotify("READY=1"), -ENOENT);
	unsetenv("NOTIFY_SOCKET");
}

/* Make the private directory. */
static int
setup(void **unused)
{
	return mkdtemp(test_dir) == NULL ? -1 : 0;
}

/* Remove it. */
static int
teardown(void **unused)
{
	return rmdir(test_dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_absent_and_bad),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
