#!/usr/bin/env python3
"""A Kafka-protocol TCP shim that lets librdkafka 2.0.2 talk to brokers it misreads.

librdkafka 2.0.2 sends ApiVersions v3 and fails with "Read underflow" on the top-level
tagged fields a newer broker (Tansu 0.6.0, for one) puts at the end of the response
(SupportedFeatures, FinalizedFeaturesEpoch, FinalizedFeatures, ...). Apache Kafka itself
leaves them out for old clients (KAFKA-17492). This shim sits between client and broker and
forwards every frame unchanged, except that it replaces those tagged fields of ApiVersions
(api key 18, version >= 3) responses with an empty tag buffer. It knows which responses
those are by the correlation ids of the requests, tracked per connection.

The broker must advertise the shim's address (Tansu: --advertised-listener-url), so that
clients come back through the shim after reading metadata.

Usage:
    kafka-shim.py --upstream HOST:PORT [--listen HOST:PORT] [--exit-on-stdin-eof]
    kafka-shim.py [--listen HOST:PORT] [--exit-on-stdin-eof] -- BROKER COMMAND...

The second form also runs the broker: in its command, {upstream_port} becomes a free port
for the broker to listen on and {shim_port} the shim's own port (what the broker must
advertise). For example, Tansu in memory:

    kafka-shim.py --exit-on-stdin-eof -- tansu broker \\
        --listener-url 'tcp://127.0.0.1:{upstream_port}' \\
        --advertised-listener-url 'tcp://127.0.0.1:{shim_port}' --storage-engine memory://tansu/

Once the broker accepts connections the shim prints one line to stdout,
"listening on HOST:PORT upstream HOST:PORT"; the broker's output goes to stderr. It runs until
SIGTERM or SIGINT, or with --exit-on-stdin-eof until its stdin closes (so a test process that
dies leaves nothing behind), or until the broker exits; then it stops the broker. Standard
library only.
"""

import argparse
import asyncio
import os
import signal
import struct
import sys

API_VERSIONS = 18


def read_uvarint(data, pos):
    """An unsigned varint at `pos`: (value, next position). Raises IndexError when short."""
    value = 0
    shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 35:
            raise ValueError("varint too long")


def strip_api_versions_tags(body):
    """An ApiVersions v3+ response body (after the correlation id) with its top-level tagged
    fields replaced by an empty tag buffer. The body is returned unchanged when it has none,
    when it reports an error (a broker may then answer in the v0 layout), or when it does not
    parse as v3 to its last byte."""
    try:
        (error_code,) = struct.unpack(">h", body[:2])
        if error_code != 0:
            return body
        pos = 2
        count, pos = read_uvarint(body, pos)  # compact array: N + 1
        for _ in range(max(count - 1, 0)):
            pos += 6  # api_key, min_version, max_version: int16 each
            pos = skip_tagged_fields(body, pos)
        pos += 4  # throttle_time_ms int32
        tags, _ = read_uvarint(body, pos)
        if tags == 0 or skip_tagged_fields(body, pos) != len(body):
            return body
        return body[:pos] + b"\x00"
    except (IndexError, ValueError, struct.error):
        return body


def skip_tagged_fields(data, pos):
    """The position after the tagged-field buffer at `pos`."""
    tags, pos = read_uvarint(data, pos)
    for _ in range(tags):
        _, pos = read_uvarint(data, pos)
        size, pos = read_uvarint(data, pos)
        pos += size
    if pos > len(data):
        raise IndexError("tagged field past the end")
    return pos


async def read_frame(reader):
    """One size-prefixed Kafka frame (without its size), or None at end of stream."""
    try:
        header = await reader.readexactly(4)
        (size,) = struct.unpack(">i", header)
        return await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


def write_frame(writer, frame):
    writer.write(struct.pack(">i", len(frame)) + frame)


class Connection:
    """One client connection and its connection to the broker."""

    def __init__(self, upstream, stats):
        self.upstream = upstream
        self.stats = stats
        # Correlation ids of ApiVersions v3+ requests whose responses are still due.
        self.pending = set()

    async def serve(self, client_reader, client_writer):
        host, port = self.upstream
        try:
            broker_reader, broker_writer = await asyncio.open_connection(host, port)
        except OSError:
            client_writer.close()
            return
        to_broker = asyncio.ensure_future(self.requests(client_reader, broker_writer))
        to_client = asyncio.ensure_future(self.responses(broker_reader, client_writer))
        try:
            # Either side closing closes both.
            await asyncio.wait([to_broker, to_client], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (to_broker, to_client):
                task.cancel()
            for writer in (broker_writer, client_writer):
                writer.close()

    async def requests(self, reader, writer):
        while True:
            frame = await read_frame(reader)
            if frame is None:
                return
            if len(frame) >= 8:
                api_key, api_version, correlation_id = struct.unpack(">hhi", frame[:8])
                if api_key == API_VERSIONS and api_version >= 3:
                    self.pending.add(correlation_id)
            write_frame(writer, frame)
            await writer.drain()

    async def responses(self, reader, writer):
        while True:
            frame = await read_frame(reader)
            if frame is None:
                return
            if self.pending and len(frame) >= 4:
                (correlation_id,) = struct.unpack(">i", frame[:4])
                if correlation_id in self.pending:
                    self.pending.discard(correlation_id)
                    # ApiVersions responses always have a v0 header: no header tags.
                    body = strip_api_versions_tags(frame[4:])
                    if len(body) != len(frame) - 4:
                        self.stats["rewritten"] += 1
                    frame = frame[:4] + body
            write_frame(writer, frame)
            await writer.drain()


def address(text):
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def free_port(host):
    import socket
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def die_with_parent():
    """In the broker's process before it starts: on Linux, have it killed when the shim dies,
    even by SIGKILL (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


async def wait_until_accepting(host, port, broker, timeout):
    """Waits until the broker accepts connections; False when it exited or took too long."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if broker is not None and broker.returncode is not None:
            return False
        try:
            _, writer = await asyncio.open_connection(host, port)
            writer.close()
            return True
        except OSError:
            await asyncio.sleep(0.05)
    return False


async def main():
    parser = argparse.ArgumentParser(
        description="Kafka TCP shim: forwards frames, empties the top-level tagged fields of ApiVersions v3+ responses.",
        epilog="After --, a broker command to run under the shim; {upstream_port} and {shim_port} in it are replaced. "
               "The shim waits until it accepts connections before printing its address, and stops it on exit.")
    parser.add_argument("--upstream", type=address, help="the broker, HOST:PORT (default with a command: a free port on 127.0.0.1)")
    parser.add_argument("--listen", type=address, default=("127.0.0.1", 0), help="HOST:PORT (port 0: any free port)")
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help="stop (with the broker) when stdin closes")
    parser.add_argument("--startup-timeout", type=float, default=30, help="seconds to wait for the broker to accept connections")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- BROKER COMMAND...")
    arguments = parser.parse_args()
    command = arguments.command[1:] if arguments.command[:1] == ["--"] else arguments.command
    if arguments.upstream is None:
        if not command:
            parser.error("--upstream is required without a broker command")
        arguments.upstream = ("127.0.0.1", free_port("127.0.0.1"))

    stats = {"rewritten": 0}
    connections = set()

    async def accept(reader, writer):
        task = asyncio.current_task()
        connections.add(task)
        try:
            await Connection(arguments.upstream, stats).serve(reader, writer)
        finally:
            connections.discard(task)

    server = await asyncio.start_server(accept, *arguments.listen)
    host, port = server.sockets[0].getsockname()[:2]

    broker = None
    if command:
        argv = [part.replace("{upstream_port}", str(arguments.upstream[1])).replace("{shim_port}", str(port)) for part in command]
        # The broker's output goes where the shim's stderr goes; stdout carries only our line.
        broker = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr, preexec_fn=die_with_parent)
        if not await wait_until_accepting(*arguments.upstream, broker, arguments.startup_timeout):
            print(f"the broker did not accept connections on {arguments.upstream[0]}:{arguments.upstream[1]}", file=sys.stderr, flush=True)
            if broker.returncode is None:
                broker.kill()
            sys.exit(1)

    print(f"listening on {host}:{port} upstream {arguments.upstream[0]}:{arguments.upstream[1]}", flush=True)

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if arguments.exit_on_stdin_eof:
        def stdin_readable():
            try:
                data = os.read(0, 4096)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(0)
                stop.set()
        loop.add_reader(0, stdin_readable)
    if broker is not None:
        async def watch_broker():
            await broker.wait()
            print(f"the broker exited with status {broker.returncode}", file=sys.stderr, flush=True)
            stop.set()
        asyncio.ensure_future(watch_broker())
    await stop.wait()
    server.close()
    for task in list(connections):
        task.cancel()
    if broker is not None and broker.returncode is None:
        # A broker may wait for its clients on SIGTERM (Tansu does, for about a second); one
        # with its storage in memory loses nothing when it is killed after a moment.
        broker.terminate()
        try:
            await asyncio.wait_for(broker.wait(), 0.3)
        except asyncio.TimeoutError:
            broker.kill()
            await broker.wait()
    print(f"stopped; ApiVersions responses rewritten: {stats['rewritten']}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
