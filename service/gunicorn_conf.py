"""Gunicorn settings for `rectify serve`; the bind address and worker count come from its command line."""

# Each worker imports `wsgi` after the fork and builds its own application and store
# connections; a preloaded app would share one connection pool between processes.
preload_app = False

worker_class = "sync"

# A request that takes longer than this is stuck (a store lock, a runaway report).
timeout = 30

# On SIGTERM, requests in flight get this long to finish before workers are killed.
graceful_timeout = 10

# Access log on stdout, errors on stderr, as a process manager or container expects.
accesslog = "-"
errorlog = "-"

# gunicorn ≥ 25 opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl):
# two services of one user would fight over it, and nothing here uses it (older versions ignore this name).
control_socket_disable = True
