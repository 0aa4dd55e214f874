/*
 * worker.c: a helper thread for slow work of requests (password hashing:
 * scrypt costs tens of milliseconds and tens of MiB), so the event loop
 * never waits for it. Tasks run one at a time, in order; each finished
 * task is handed back to the loop through a pipe, where its done
 * callback answers the request. The queue is bounded: a task over the
 * bound is refused at once (server.c answers 503 busy).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "worker.h"

/* One piece of work, queued, running or finished. */
struct worker_task {
	struct worker_task	*next;
	worker_run_fn		*run;
	worker_done_fn		*done;
	void			*arg;
};

struct worker {
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct worker_task	*queue, *queue_tail;	/* to run */
	struct worker_task	*done, *done_tail;	/* to hand back */
	size_t			 count;			/* queued and running */
	size_t			 max;
	int			 stop;
	int			 running;
	int			 notify[2];
	struct event		*notify_ev;
};

/* Append task to the list head/tail. */
static void
worker_append(struct worker_task **head, struct worker_task **tail,
    struct worker_task *task)
{
	task->next = NULL;
	if (*tail != NULL)
		(*tail)->next = task;
	else
		*head = task;
	*tail = task;
}

/* The thread: run queued tasks in order until told to stop. */
static void *
worker_main(void *arg)
{
	struct worker		*w = arg;
	struct worker_task	*task;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stop && w->queue == NULL)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop)
			break;
		task = w->queue;
		if ((w->queue = task->next) == NULL)
			w->queue_tail = NULL;
		pthread_mutex_unlock(&w->lock);
		task->run(task->arg);
		pthread_mutex_lock(&w->lock);
		worker_append(&w->done, &w->done_tail, task);
		/* A full pipe already holds a wake-up. */
		(void)write(w->notify[1], "d", 1);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Hand the finished tasks back (ran: 1), in order. */
static void
worker_deliver(struct worker *w, struct worker_task *list, int ran)
{
	struct worker_task	*task;

	while ((task = list) != NULL) {
		list = task->next;
		pthread_mutex_lock(&w->lock);
		w->count--;
		pthread_mutex_unlock(&w->lock);
		task->done(task->arg, ran);
		free(task);
	}
}

/* The pipe is readable: hand back what the thread finished. */
static void
worker_notify_cb(evutil_socket_t fd, short events, void *arg)
{
	struct worker		*w = arg;
	struct worker_task	*list;
	char			 buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&w->lock);
	list = w->done;
	w->done = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	worker_deliver(w, list, 1);
}

/*
 * Start a worker thread on base with room for max_queued tasks. Returns
 * it, or NULL (logged).
 */
struct worker *
worker_new(struct event_base *base, size_t max_queued)
{
	struct worker	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		log_warn("worker");
		return NULL;
	}
	w->max = max_queued;
	w->notify[0] = w->notify[1] = -1;
	if (pipe2(w->notify, O_NONBLOCK | O_CLOEXEC) == -1 ||
	    (w->notify_ev = event_new(base, w->notify[0], EV_READ | EV_PERSIST,
	    worker_notify_cb, w)) == NULL ||
	    event_add(w->notify_ev, NULL) == -1) {
		log_warn("cannot set up the worker thread");
		worker_free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if ((errno = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		log_warn("cannot start the worker thread");
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		worker_free(w);
		return NULL;
	}
	w->running = 1;
	return w;
}

/*
 * Queue run(arg) for the thread, then done(arg, 1) on the loop. Returns
 * 0, or -1 when the queue is full (or out of memory).
 */
int
worker_submit(struct worker *w, worker_run_fn *run, worker_done_fn *done,
    void *arg)
{
	struct worker_task	*task;

	pthread_mutex_lock(&w->lock);
	if (w->count >= w->max || (task = calloc(1, sizeof(*task))) == NULL) {
		pthread_mutex_unlock(&w->lock);
		return -1;
	}
	task->run = run;
	task->done = done;
	task->arg = arg;
	worker_append(&w->queue, &w->queue_tail, task);
	w->count++;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/*
 * Stop the thread once its running task is over; hand back what it
 * finished (ran 1) and what it never started (ran 0); free the worker.
 */
void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->running) {
		pthread_mutex_lock(&w->lock);
		w->stop = 1;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		worker_deliver(w, w->done, 1);
		worker_deliver(w, w->queue, 0);
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
	}
	if (w->notify_ev != NULL)
		event_free(w->notify_ev);
	if (w->notify[0] != -1)
		close(w->notify[0]);
	if (w->notify[1] != -1)
		close(w->notify[1]);
	free(w);
}

/* Tasks queued or running (the metrics' queue depth); 0 for NULL. */
size_t
worker_queued(struct worker *w)
{
	size_t	 n;

	if (w == NULL || !w->running)
		return 0;
	pthread_mutex_lock(&w->lock);
	n = w->count;
	pthread_mutex_unlock(&w->lock);
	return n;
}
