#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal of a given size and writes what it
printed there, byte for byte (escape sequences and all), to standard output.

    python3 test/support/pty-run.py --cols 100 --rows 40 --timeout 60 -- CMD ARG...

The command's standard input, output and error are the terminal, which is its
controlling terminal, so it sees `isTTY` and the size as a person's shell
would give them. Exits with the command's exit code; 124 when the timeout
passed first (the command's process group is then killed). Only the standard
library: pty, os.fork, select.
"""

import argparse
import errno
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cols", type=int, default=80, help="terminal width (default 80)")
    parser.add_argument("--rows", type=int, default=24, help="terminal height (default 24)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before the command is killed (default 60)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    arguments = parser.parse_args()
    if arguments.command[:1] == ["--"]:
        arguments.command = arguments.command[1:]
    if not arguments.command:
        parser.error("no command given")
    return arguments


def start(command, cols, rows):
    """Forks `command` onto a new pseudo-terminal; returns its pid and the terminal's master side."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        try:
            os.close(master)
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for descriptor in (0, 1, 2):
                os.dup2(slave, descriptor)
            if slave > 2:
                os.close(slave)
            environment = dict(os.environ)
            environment.setdefault("TERM", "xterm-256color")
            os.execvpe(command[0], command, environment)
        except BaseException as error:  # noqa: BLE001 - the child must never return into the parent's code
            os.write(2, f"pty-run: cannot run {command[0]}: {error}\n".encode())
            os._exit(127)
    os.close(slave)
    return pid, master


def capture(pid, master, timeout):
    """Everything the command writes until it exits and the terminal is drained; (bytes, exit code)."""
    deadline = time.monotonic() + timeout
    output = bytearray()
    status = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return bytes(output), 124
        readable, _, _ = select.select([master], [], [], min(left, 0.2))
        if readable:
            try:
                chunk = os.read(master, 65536)
            except OSError as error:
                if error.errno != errno.EIO:  # EIO: every slave side is closed (Linux)
                    raise
                chunk = b""
            if chunk:
                output.extend(chunk)
                continue
            if status is None:
                _, status = os.waitpid(pid, 0)
            break
        if status is None:
            done, waited = os.waitpid(pid, os.WNOHANG)
            if done:
                status = waited
        elif not readable:
            # Exited and nothing more to read: a grandchild may still hold the terminal; do not wait for it.
            break
    return bytes(output), os.waitstatus_to_exitcode(status)


def main():
    arguments = parse_arguments()
    pid, master = start(arguments.command, arguments.cols, arguments.rows)
    output, code = capture(pid, master, arguments.timeout)
    os.close(master)
    sys.stdout.buffer.write(output)
    sys.stdout.buffer.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
