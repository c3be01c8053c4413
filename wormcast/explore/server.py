"""The explorer's HTTP server: bound to 127.0.0.1 only (never another interface), serving the page,
the presets' controls and runs, nothing else.

Routes: ``GET /`` the page; ``GET /api/presets`` the presets and their controls; ``POST /api/run`` with
``{"preset", "values", "seed"}`` a run's page data (JSON). A bad request (unknown preset or control, a
value out of bounds, a body over 64 KiB or not JSON) gets 400 with ``{"error": "one line"}``; nothing
the page sends reaches the scenario except through the controls' checked overrides.
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..config.loading import load_raw, preset_names
from ..errors import WormcastError
from .controls import controls_for
from .page import explorer_page
from .view import ViewCache

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024
MAX_SEED = 2**31 - 1


def presets_doc(initial: str) -> dict:
    out = []
    for name in preset_names():
        data, _, _ = load_raw(name)
        out.append({"name": name, "description": str(data.get("description", "")),
                    "controls": [c.to_json() for c in controls_for(name)]})
    return {"presets": out, "initial": initial}


class _Handler(BaseHTTPRequestHandler):
    server: "ExploreServer"

    def log_message(self, fmt, *args):  # quiet: the CLI prints the address once
        if self.server.verbose:
            super().log_message(fmt, *args)

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, doc: dict) -> None:
        self._send(status, json.dumps(doc, allow_nan=False).encode("utf-8"), "application/json")

    def do_GET(self):  # noqa: N802 (the standard library's name)
        if self.path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, explorer_page().encode("utf-8"), "text/html; charset=utf-8")
        elif self.path == "/api/presets":
            self._json(HTTPStatus.OK, self.server.presets)
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {self.path[:200]}"})

    def do_POST(self):  # noqa: N802
        if self.path != "/api/run":
            return self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {self.path[:200]}"})
        try:
            size = int(self.headers.get("Content-Length") or 0)
            if not 0 < size <= MAX_BODY:
                raise WormcastError(f"request body of {size} bytes (at most {MAX_BODY})")
            try:
                req = json.loads(self.rfile.read(size))
            except ValueError:
                raise WormcastError("request body is not JSON") from None
            if not isinstance(req, dict) or not isinstance(req.get("values", {}), dict):
                raise WormcastError('expected {"preset": name, "values": {key: value}, "seed": n}')
            preset, seed = req.get("preset"), req.get("seed", 0)
            if preset not in preset_names():
                raise WormcastError(f"unknown preset {str(preset)[:80]!r}")
            if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
                raise WormcastError(f"seed must be an integer in 0..{MAX_SEED}")
            view = self.server.cache.get(preset, req.get("values", {}), seed)
        except WormcastError as exc:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        self._json(HTTPStatus.OK, view)


class ExploreServer(ThreadingHTTPServer):
    """``port`` 0 picks a free one; ``url`` says where."""

    daemon_threads = True

    def __init__(self, port: int = 0, initial: str = "codered-v2", verbose: bool = False):
        if initial not in preset_names():
            raise WormcastError(f"unknown preset {initial!r} ({', '.join(preset_names())})")
        super().__init__((HOST, port), _Handler)
        self.verbose, self.cache, self.presets = verbose, ViewCache(), presets_doc(initial)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, notebooks); ``shutdown()`` stops it."""
        t = threading.Thread(target=self.serve_forever, name="wormcast-explore", daemon=True)
        t.start()
        return t
