#!/usr/bin/env python3
"""The local AWS as emulator/local-aws.ts serves it, that can also save what it
holds and later go back to it: what the reliability trials restore instead of
deploying the same environment again before every trial.

    .venv/bin/python test/reliability/snapshot-server.py -H 127.0.0.1 -p 5000

It runs the emulator's own server, emulator/moto_server.py when there is one
(moto_server with the emulator's fixes), moto_server otherwise, with the same
arguments; every request is served as that server serves it, but for two:

    POST /modeshift-snapshot/save/NAME     keeps everything moto holds as NAME
    POST /modeshift-snapshot/restore/NAME  forgets everything (as /moto-api/reset)
                                           and holds what NAME kept

A snapshot is every backend moto has loaded (the accounts and regions of each
service), pickled at once so that references between services stay shared.
Three kinds of objects are not copied: moto's registry of each service's
backends, which a restored state is put back into; the keys and certificates
of the `cryptography` library (ACM, KMS), which cannot be pickled and never
change, so a restored state shares them; and a paginated listing's unread
pages, dropped (no trial pages across a restore). Only the Python standard
library and moto's own dependencies.
"""

import gc
import io
import pickle
import runpy
import sys
import threading
import types
from pathlib import Path

import werkzeug.serving

from moto.core.base_backend import BackendDict, backend_lock
from moto.moto_api._internal.models import moto_api_backend

EMULATOR_SERVER = Path(__file__).resolve().parents[2] / "emulator" / "moto_server.py"

PREFIX = "/modeshift-snapshot/"
LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))

# Objects kept by reference, not copied: by the persistent id a snapshot names them with.
shared = {}
snapshots = {}


PLAIN_TYPES = (str, bytes, int, float, bool, dict, list, tuple, set, type(None))


def is_cryptography(value):
    # Its keys and certificates are Rust types: their module is not always the package's own.
    kind = type(value)
    return kind.__module__.startswith("cryptography") or "cryptography" in repr(kind)


class SnapshotPickler(pickle.Pickler):
    def persistent_id(self, value):
        if isinstance(value, BackendDict):
            key = value._id
        elif type(value) in PLAIN_TYPES or not is_cryptography(value):
            return None
        else:
            key = f"object-{id(value)}"
        shared[key] = value
        return key

    def reducer_override(self, value):
        if isinstance(value, types.GeneratorType):
            return (type(None), ())
        if isinstance(value, LOCK_TYPES):
            return (type(value), ())
        return NotImplemented


class SnapshotUnpickler(pickle.Unpickler):
    def persistent_load(self, key):
        return shared[key]


def save(name):
    buffer = io.BytesIO()
    with backend_lock:
        loaded = [(backends, dict(backends)) for backends in BackendDict._instances]
        SnapshotPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(loaded)
    snapshots[name] = buffer.getvalue()


def restore(name):
    # Unpickling makes many objects: the cyclic collector has nothing to find among them.
    gc.disable()
    try:
        loaded = SnapshotUnpickler(io.BytesIO(snapshots[name])).load()
    finally:
        gc.enable()
    with backend_lock:
        moto_api_backend.reset()
        for backends, accounts in loaded:
            dict.update(backends, accounts)
            BackendDict._instances.append(backends)


def with_snapshots(application):
    def snapshot_application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return application(environ, start_response)
        action, _, name = path[len(PREFIX) :].partition("/")
        if environ.get("REQUEST_METHOD") != "POST" or action not in ("save", "restore") or name == "":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [f"expected POST {PREFIX}save/NAME or {PREFIX}restore/NAME".encode()]
        if action == "restore" and name not in snapshots:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [f"no snapshot named {name!r}".encode()]
        (save if action == "save" else restore)(name)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{action} {name}".encode()]

    return snapshot_application


def serving_with_snapshots(run_simple):
    def run_simple_with_snapshots(hostname, port, application, *args, **kwargs):
        return run_simple(hostname, port, with_snapshots(application), *args, **kwargs)

    return run_simple_with_snapshots


def main():
    # moto_server hands its application to werkzeug's run_simple: that is where the two requests are added.
    # Patched before moto.server is imported, which binds run_simple by name.
    werkzeug.serving.run_simple = serving_with_snapshots(werkzeug.serving.run_simple)
    if "moto.server" in sys.modules:
        raise RuntimeError("moto.server was imported before run_simple could be patched")
    arguments = sys.argv[1:]
    if EMULATOR_SERVER.exists():
        sys.argv = [str(EMULATOR_SERVER), *arguments]
        sys.path.insert(0, str(EMULATOR_SERVER.parent))
        runpy.run_path(str(EMULATOR_SERVER), run_name="__main__")
    else:
        from moto.server import main as moto_server

        moto_server(arguments)


if __name__ == "__main__":
    main()
