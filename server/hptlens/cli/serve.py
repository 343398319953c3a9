"""`hptlens serve`: run the language server on stdio, or on a loopback TCP address."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(commands: Any) -> None:
    serve_parser = commands.add_parser(
        "serve",
        help="run the language server",
        description="Run the hptlens language server (LSP): on stdio by default, or on TCP.",
    )
    transport = serve_parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="talk LSP on stdin/stdout (the default)")
    transport.add_argument("--tcp", metavar="HOST:PORT", type=_host_port, help="listen on a TCP address instead")
    serve_parser.set_defaults(handler=run)


def _host_port(text: str) -> str:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, such as 127.0.0.1:2087, not {text!r}")
    host = host.strip("[]") or "127.0.0.1"
    if not _loopback(host):
        raise argparse.ArgumentTypeError(f"the language server listens on loopback only (127.0.0.1, ::1), not {host}")
    return f"{host}:{port}"


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from hptlens.lsp.main import serve

    serve(tcp=args.tcp)
    return 0
