"""Embedded PostgreSQL (pgserver) for the zero-configuration run and tests.

Used only when ``DATABASE_URL`` is unset. The data folder lives inside the
project (``.pgdata/`` by default) so ``make run`` reuses what exists, and the
server is left running between processes: pgserver attaches to a server that is
already up instead of starting a second one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_uri: str | None = None


def embedded_database_url(data_dir: Path) -> str:
    """Start (or attach to) the embedded server and return a DSN for it."""
    global _uri
    if _uri is None:
        # pgserver asks platformdirs for a runtime folder, which warns when XDG_RUNTIME_DIR is unset.
        if "XDG_RUNTIME_DIR" not in os.environ:
            runtime = Path(tempfile.gettempdir()) / f"alumni-cloud-runtime-{os.getuid()}"
            runtime.mkdir(mode=0o700, exist_ok=True)
            os.environ["XDG_RUNTIME_DIR"] = str(runtime)
        import pgserver  # imported lazily: only the embedded path needs it

        data_dir.mkdir(parents=True, exist_ok=True)
        # Keep the server alive after this process exits: tests, the dev server
        # and management commands all share it.
        server = pgserver.get_server(data_dir, cleanup_mode=None)
        _uri = server.get_uri()
        os.environ.setdefault("PGSERVER_DATA_DIR", str(data_dir))
    return _uri
