"""The giving-day bench's app server: one worker process of several sharing a port.

Each worker is Django's own development server class (``django.core.servers.basehttp.run``, the
one ``runserver`` uses, threading on: a thread per connection) serving the project's WSGI
application; ``SO_REUSEPORT`` lets several such processes listen on one port and the kernel
spreads connections between them, the way gunicorn's pre-forked workers share one (the
production image runs gunicorn with 3 workers, see deploy/Dockerfile).

    python bench/_giving_day_server.py PORT     # with DJANGO_SETTINGS_MODULE set
"""

from __future__ import annotations

import socket
import sys

import django


def main(port: int) -> None:
    django.setup()
    from django.core.servers.basehttp import WSGIServer, get_internal_wsgi_application, run

    class SharedPortServer(WSGIServer):
        def server_bind(self):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            super().server_bind()

    def ready(bound_port):
        print(f"worker listening on {bound_port}", flush=True)

    application = get_internal_wsgi_application()
    run("127.0.0.1", port, application, threading=True, server_cls=SharedPortServer, on_bind=ready)


if __name__ == "__main__":
    main(int(sys.argv[1]))
