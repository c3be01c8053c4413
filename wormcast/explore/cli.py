"""``wormcast explore``: serve the explorer on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("explore", help="a local page (127.0.0.1 only) to move a preset's controls and see the "
                                       "outbreak, the map and the exposure redrawn")
    p.add_argument("preset", nargs="?", default="codered-v2", metavar="PRESET",
                   help="the preset shown first (default codered-v2)")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0: any free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default web browser")
    p.add_argument("-v", "--verbose", action="store_true", help="log each request on stderr")
    p.set_defaults(func=main)


def main(args) -> int:
    from ..errors import WormcastError
    from .server import ExploreServer

    if not 0 <= args.port <= 65535:
        raise WormcastError(f"--port: {args.port} is not a port number (0..65535)")
    try:
        server = ExploreServer(args.port, args.preset, args.verbose)
    except OSError as exc:
        raise WormcastError(f"--port {args.port}: cannot listen on 127.0.0.1 ({exc.strerror or exc}); "
                            "try another port or --port 0") from None
    print(f"wormcast explorer on {server.url} (this machine only); Ctrl-C to stop", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
