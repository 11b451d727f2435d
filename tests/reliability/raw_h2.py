"""A raw HTTP/2 gRPC peer (the `h2` package) for what grpc's own clients refuse to send.

    status, trailers, body = raw_grpc_call("127.0.0.1:PORT", "/pkg.Svc/Method", b"msg",
                                           headers=[("x-request-id", "a\\r\\nb")])

grpc's clients validate header values (no CR/LF) and always send the request message; an
attacker's peer does neither. `send_message=False` opens the stream with headers only.
"""

from __future__ import annotations

import socket
import struct

import h2.config
import h2.connection
import h2.events


def grpc_frame(message: bytes) -> bytes:
    """The gRPC length-prefixed message: flag 0 (uncompressed), 4-byte big-endian length."""
    return struct.pack(">BI", 0, len(message)) + message


def open_connection(address: str, timeout: float = 30.0
                    ) -> tuple[socket.socket, h2.connection.H2Connection]:
    host, port = address.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    config = h2.config.H2Configuration(client_side=True, validate_outbound_headers=False,
                                       normalize_outbound_headers=False,
                                       validate_inbound_headers=False)
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def start_call(sock: socket.socket, conn: h2.connection.H2Connection, path: str,
               message: bytes | None, headers: list[tuple[str, str]] = ()) -> int:
    """Open one call; `message=None` sends headers only and leaves the stream open."""
    stream_id = conn.get_next_available_stream_id()
    peer_host, peer_port = sock.getpeername()[:2]
    host = f"{peer_host}:{peer_port}"
    conn.send_headers(stream_id, [(":method", "POST"), (":scheme", "http"), (":path", path),
                                  (":authority", host), ("content-type", "application/grpc"),
                                  ("te", "trailers"), *headers])
    if message is not None:
        conn.send_data(stream_id, grpc_frame(message), end_stream=True)
    sock.sendall(conn.data_to_send())
    return stream_id


def read_until_closed(sock: socket.socket, conn: h2.connection.H2Connection,
                      stream_ids: set[int]) -> dict[int, dict[str, str]]:
    """Headers and trailers of each stream in `stream_ids`, once every one has ended."""
    found: dict[int, dict[str, str]] = {i: {} for i in stream_ids}
    open_ids = set(stream_ids)
    while open_ids:
        data = sock.recv(65536)
        if not data:
            break
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived | h2.events.TrailersReceived):
                if event.stream_id in found:
                    found[event.stream_id].update(
                        (k.decode() if isinstance(k, bytes) else k,
                         v.decode() if isinstance(v, bytes) else v) for k, v in event.headers)
            elif isinstance(event, h2.events.DataReceived):
                conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            if isinstance(event, h2.events.StreamEnded | h2.events.StreamReset):
                open_ids.discard(event.stream_id)
        sock.sendall(conn.data_to_send())
    return found


def raw_grpc_call(address: str, path: str, message: bytes,
                  headers: list[tuple[str, str]] = ()) -> dict[str, str]:
    """One call; its response headers and trailers (`grpc-status`, `grpc-message`)."""
    sock, conn = open_connection(address)
    try:
        stream_id = start_call(sock, conn, path, message, headers)
        return read_until_closed(sock, conn, {stream_id})[stream_id]
    finally:
        sock.close()
