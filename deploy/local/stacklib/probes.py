"""Is it there, is it ready: ports, /proc, the Kafka and MongoDB wire protocols, HTTP."""

from __future__ import annotations

import socket
import struct
import urllib.error
import urllib.request
from pathlib import Path

from stacklib.settings import SERVICE_READY_PATH


def port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


# --------------------------------------------------------------------------------------
# /proc based process inspection (never pkill: only pids from our pid files)
# --------------------------------------------------------------------------------------
def proc_cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]


def proc_alive(pid: int) -> bool:
    """True if pid exists and is not a zombie (exited, not yet reaped by its parent).

    Our own children are reaped by their subprocess.Popen (which keeps the exit code)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


# --------------------------------------------------------------------------------------
# Kafka wire protocol: Metadata v1 (broker registered and unfenced => listed)
# --------------------------------------------------------------------------------------
def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def kafka_brokers(port: int, timeout: float = 2.0) -> int:
    """Number of live brokers the broker on `port` reports (0 if not answering)."""
    client = b"tremplin-stack"
    # request header v1: api_key=3 (Metadata), api_version=1, correlation_id, client_id
    header = struct.pack(">hhih", 3, 1, 7, len(client)) + client
    body = struct.pack(">i", 0)  # empty topic list: brokers only
    msg = header + body
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack(">i", len(msg)) + msg)
            size = struct.unpack(">i", _recv_exact(sock, 4))[0]
            resp = _recv_exact(sock, size)
    except (OSError, ConnectionError, struct.error):
        return 0
    correlation_id, n_brokers = struct.unpack(">ii", resp[:8])
    return n_brokers if correlation_id == 7 else 0


# --------------------------------------------------------------------------------------
# MongoDB wire protocol: OP_MSG {ping: 1, $db: "admin"}
# --------------------------------------------------------------------------------------
def _bson_cstring(s: str) -> bytes:
    return s.encode() + b"\0"


def _bson_ping() -> bytes:
    elems = b"\x10" + _bson_cstring("ping") + struct.pack("<i", 1)
    db = b"admin"
    elems += b"\x02" + _bson_cstring("$db") + struct.pack("<i", len(db) + 1) + db + b"\0"
    return struct.pack("<i", len(elems) + 5) + elems + b"\0"


def _bson_ok(doc: bytes) -> bool:
    """Read the top-level "ok" field of a BSON document (double/int32/int64/bool)."""
    i, end = 4, len(doc) - 1
    while i < end:
        etype = doc[i]
        j = doc.index(b"\0", i + 1)
        name = doc[i + 1 : j].decode("utf-8", "replace")
        i = j + 1
        sizes = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16}
        if name == "ok":
            if etype == 0x01:
                return struct.unpack("<d", doc[i : i + 8])[0] == 1.0
            if etype == 0x10:
                return struct.unpack("<i", doc[i : i + 4])[0] == 1
            if etype == 0x12:
                return struct.unpack("<q", doc[i : i + 8])[0] == 1
            if etype == 0x08:
                return doc[i] == 1
            return False
        if etype in sizes:
            i += sizes[etype]
        elif etype in (0x02, 0x0D, 0x0E):  # string, js, symbol
            i += 4 + struct.unpack("<i", doc[i : i + 4])[0]
        elif etype in (0x03, 0x04, 0x0F):  # document, array, js with scope
            i += struct.unpack("<i", doc[i : i + 4])[0]
        elif etype == 0x05:  # binary
            i += 5 + struct.unpack("<i", doc[i : i + 4])[0]
        elif etype == 0x0B:  # regex: two cstrings
            i = doc.index(b"\0", doc.index(b"\0", i) + 1) + 1
        elif etype == 0x0C:  # dbpointer
            i += 4 + struct.unpack("<i", doc[i : i + 4])[0] + 12
        else:
            return False
    return False


def mongo_ping(port: int, timeout: float = 2.0) -> bool:
    body = struct.pack("<I", 0) + b"\x00" + _bson_ping()  # flagBits, section kind 0
    header = struct.pack("<iiii", 16 + len(body), 1, 0, 2013)  # OP_MSG
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(header + body)
            length, _req, _resp_to, opcode = struct.unpack("<iiii", _recv_exact(sock, 16))
            payload = _recv_exact(sock, length - 16)
    except (OSError, ConnectionError, struct.error, ValueError):
        return False
    if opcode != 2013 or len(payload) < 10 or payload[4] != 0:
        return False
    try:
        return _bson_ok(payload[5:])
    except (ValueError, IndexError, struct.error):
        return False


def http_ready(port: int, path: str = SERVICE_READY_PATH, timeout: float = 2.0) -> bool:
    # No proxy: an http_proxy in the environment must not intercept 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}{path}", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False
