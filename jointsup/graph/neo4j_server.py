"""Throwaway Neo4j 5.26 Community servers on loopback ports, built from Maven Central jars."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from subprocess import PIPE, STDOUT
from typing import Self

_REPO_ROOT = Path(__file__).resolve().parents[2]
LAUNCHER_DIR = _REPO_ROOT / "neo4j-launcher"
# Neo4j's stock server.jvm.additional minus AlwaysPreTouch (slow start): without the add-opens the
# page cache and transaction-log native calls fall back to slower paths and warn in debug.log.
# Heap (-Xmx) and page cache sizes: constructor arguments, else these variables, else the small
# defaults the tests run with. Sizes are a number with an optional k/m/g suffix (bytes without).
HEAP_ENV, PAGE_CACHE_ENV = "JOINTSUP_NEO4J_HEAP", "JOINTSUP_NEO4J_PAGECACHE"
DEFAULT_HEAP, DEFAULT_PAGE_CACHE = "1g", "256m"
JVM_FLAGS = (
    *("-Xms256m", "-XX:+UseG1GC", "-XX:-OmitStackTraceInFastThrow"),
    *("-XX:+DisableExplicitGC", "-Djdk.nio.maxCachedBufferSize=1024"),
    *("-Dio.netty.tryReflectionSetAccessible=true", "-Dlog4j2.disable.jmx=true"),
    *(f"--add-opens=java.base/{pkg}=ALL-UNNAMED" for pkg in ("java.nio", "java.io", "sun.nio.ch")),
    *("--add-opens=java.base/java.lang=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"),
)


class Neo4jUnavailable(Exception):
    """A local Neo4j server could not be built or started; the message says why."""


class Neo4jImportFailed(Exception):
    """neo4j-admin's offline import failed; the message ends with its output."""


def size_mib(text: str) -> int:
    """MiB in a size like '512m', '2g', '1048576k' or plain bytes; ValueError names the bad text."""
    units = {"k": 1 / 1024, "m": 1, "g": 1024}
    t = text.strip().lower().removesuffix("b")
    scale = units.get(t[-1:], 1 / 1024**2) if t else 0
    number = t[:-1] if t[-1:] in units else t
    try:
        mib = int(float(number) * scale)
    except ValueError:
        mib = 0
    if mib < 1:
        raise ValueError(f"Neo4j memory size {text!r}: expected a number with k, m or g, >= 1m")
    return mib


def _require(tool: str) -> str:
    """Return the absolute path of an executable or explain its absence."""
    path = shutil.which(tool)
    if path is None:
        raise Neo4jUnavailable(f"{tool} not found on PATH")
    return path


def _classpath_is_fresh(cp_file: Path, classes: Path) -> bool:
    """Tell whether the cached classpath still matches the launcher sources and ~/.m2."""
    if not cp_file.exists() or not (classes / "jointsup/neo4j/Launcher.class").exists():
        return False
    built = cp_file.stat().st_mtime
    sources = [LAUNCHER_DIR / "pom.xml", *LAUNCHER_DIR.glob("src/**/*.java")]
    # A jar pruned from ~/.m2 would otherwise surface only as a ClassNotFoundException later.
    jars = [Path(jar) for jar in cp_file.read_text().strip().split(os.pathsep)]
    return all(s.stat().st_mtime <= built for s in sources) and all(j.exists() for j in jars)


def build_classpath(cache_dir: Path | None = None) -> str:
    """Build the launcher with Maven if needed and return its full Java classpath."""
    _require("java")
    mvn = _require("mvn")
    cache = cache_dir if cache_dir is not None else _REPO_ROOT / ".cache" / "neo4j"
    cache.mkdir(parents=True, exist_ok=True)
    cp_file = cache / "classpath.txt"
    classes = LAUNCHER_DIR / "target" / "classes"
    # Parallel pytest workers would otherwise run Maven on the same target/ at once.
    with (cache / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _classpath_is_fresh(cp_file, classes):
            goals = ["package", "dependency:build-classpath", f"-Dmdep.outputFile={cp_file}"]
            cmd = [mvn, "-q", "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), *goals]
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
            if done.returncode != 0 or not cp_file.exists():
                cp_file.unlink(missing_ok=True)
                raise Neo4jUnavailable(f"maven build failed: {(done.stdout + done.stderr)[-3000:]}")
            # Maven leaves the old file's mtime when the classpath is unchanged.
            cp_file.touch()
    return f"{classes}{os.pathsep}{cp_file.read_text().strip()}"


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Neo4jServer:
    """A Neo4j child process on 127.0.0.1; restarts reuse its port and data directory."""

    def __init__(
        self, data_dir: Path | None = None, port: int | None = None, startup_timeout: float = 120.0,
        heap: str | None = None, page_cache: str | None = None,
    ) -> None:
        """Remember the settings; nothing runs until start().

        heap and page_cache default to $JOINTSUP_NEO4J_HEAP / $JOINTSUP_NEO4J_PAGECACHE, else 1g
        and 256m; a bad size raises ValueError here.
        """
        self.data_dir = data_dir
        self.port = port
        self.startup_timeout = startup_timeout
        self.heap_mib = size_mib(heap or os.environ.get(HEAP_ENV) or DEFAULT_HEAP)
        self.page_cache_mib = size_mib(
            page_cache or os.environ.get(PAGE_CACHE_ENV) or DEFAULT_PAGE_CACHE)
        self._owns_data_dir = data_dir is None
        self._proc: subprocess.Popen[str] | None = None
        self._output: deque[str] = deque(maxlen=60)

    @property
    def uri(self) -> str:
        """Direct Bolt URI."""
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def routing_uri(self) -> str:
        """Routing (neo4j://) URI; the server answers routing-table requests for itself."""
        return f"neo4j://127.0.0.1:{self.port}"

    @property
    def jvm_flags(self) -> list[str]:
        """The JVM's flags: JVM_FLAGS plus the heap cap and the page cache the launcher reads."""
        return [*JVM_FLAGS, f"-Xmx{self.heap_mib}m",
                f"-Djointsup.neo4j.pagecache.mib={self.page_cache_mib}"]

    @property
    def pid(self) -> int:
        """Process id of the running JVM."""
        if self._proc is None:
            raise RuntimeError("Neo4j server is not running")
        return self._proc.pid

    def start(self) -> Self:
        """Launch the JVM and block until Neo4j reports it is ready for Bolt clients."""
        if self._proc is not None and self._proc.poll() is None:
            return self
        java, classpath = _require("java"), build_classpath()
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="jointsup-neo4j-"))
        pick_port, attempts = self.port is None, 3
        while True:
            self.port, attempts = free_port() if pick_port else self.port, attempts - 1
            try:
                return self._launch(java, classpath)
            except Neo4jUnavailable as err:
                # Another process can grab the port between free_port() and Neo4j's bind.
                if not pick_port or not attempts or "already in use" not in str(err):
                    self.stop()  # also drops a temp data dir nobody can reach any more
                    raise

    def _launch(self, java: str, classpath: str) -> Self:
        """Spawn one JVM on self.port and wait for its READY line."""
        args = [str(self.data_dir), str(self.port)]
        cmd = [java, *self.jvm_flags, "-cp", classpath, "jointsup.neo4j.Launcher", *args]
        self._output.clear()
        ready = threading.Event()
        # A new session keeps a terminal's Ctrl-C away from the JVM: we stop it ourselves,
        # and if we die first it sees EOF on stdin and exits on its own.
        proc = self._proc = subprocess.Popen(  # noqa: S603
            cmd, stdin=PIPE, stdout=PIPE, stderr=STDOUT, errors="replace", start_new_session=True
        )
        threading.Thread(target=self._drain, args=(proc, ready), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while not ready.wait(0.1):
            if proc.poll() is not None or time.monotonic() > deadline:
                why = "exited early" if proc.poll() is not None else "timed out"
                self._terminate(grace=5.0)
                log = Path(str(self.data_dir), "logs", "neo4j.log")
                logged = log.read_text(errors="replace").splitlines()[-30:] if log.is_file() else []
                detail = "\n".join([*self._output, "--- neo4j.log ---", *logged])
                raise Neo4jUnavailable(f"neo4j {why} on port {self.port}:\n{detail}")
        return self

    def import_csv(self, admin_args: Sequence[str], timeout: float = 7200.0) -> str:
        """Run `neo4j-admin <admin_args>` (an offline import: neo4j_import.ImportFiles) on this
        server's data directory, which must hold no database yet; returns the importer's output.

        The server must be stopped. The importer's off-heap memory is bounded by the page cache
        size this server was given (at least 1 GiB). Without Java or Maven: Neo4jUnavailable; a
        failed import: Neo4jImportFailed with the end of the output."""
        if self._proc is not None and self._proc.poll() is None:
            raise RuntimeError("stop the Neo4j server before an offline import")
        java, classpath = _require("java"), build_classpath()
        if self.data_dir is None:
            self.data_dir = Path(tempfile.mkdtemp(prefix="jointsup-neo4j-"))
        conf = self.data_dir / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "NEO4J_HOME": str(self.data_dir), "NEO4J_CONF": str(conf)}
        memory = f"--max-off-heap-memory={max(self.page_cache_mib, 1024)}m"
        cmd = [java, *self.jvm_flags, "-cp", classpath, "org.neo4j.cli.AdminTool",
               *admin_args, memory]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, errors="replace",  # noqa: S603
                              timeout=timeout, check=False)
        output = done.stdout + done.stderr
        if done.returncode != 0 or "IMPORT DONE" not in output:
            raise Neo4jImportFailed(f"neo4j-admin {' '.join(admin_args[:3])} failed "
                                   f"(exit {done.returncode}):\n{output[-3000:]}")
        return output

    def _drain(self, proc: subprocess.Popen[str], ready: threading.Event) -> None:
        """Keep reading the child's output so its pipe never fills and blocks Neo4j."""
        if proc.stdout is None:
            return
        with proc.stdout:  # closed at EOF, so no pipe is left for the garbage collector
            for line in proc.stdout:
                self._output.append(line.rstrip("\n"))
                if line.startswith("JOINTSUP-NEO4J READY "):
                    ready.set()

    def _terminate(self, grace: float) -> None:
        """Ask the JVM to shut down cleanly, killing it if it takes longer than grace."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        if proc.poll() is None:
            # SIGCONT first: a frozen JVM would sit on the SIGTERM forever.
            proc.send_signal(signal.SIGCONT)
            proc.terminate()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop(self) -> None:
        """Shut the server down (clean, then forced after 30 s) and drop a temp data dir."""
        self._terminate(grace=30.0)
        if self._owns_data_dir and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None

    def kill(self) -> None:
        """SIGKILL the JVM, leaving its store as a crash would, ready for start() again."""
        if self._proc is not None:
            self._proc.kill()
            self._terminate(grace=30.0)  # only reaps it and closes our end of its stdin

    def freeze(self) -> None:
        """SIGSTOP the JVM so it holds its sockets but answers nothing."""
        os.kill(self.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT a frozen JVM."""
        os.kill(self.pid, signal.SIGCONT)

    def __enter__(self) -> Self:
        """Start the server."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop the server."""
        self.stop()


def main() -> None:
    """Run a server until Ctrl-C, for poking at it by hand."""
    with Neo4jServer() as server, contextlib.suppress(KeyboardInterrupt):
        print(f"{server.uri} (also {server.routing_uri}) pid={server.pid}", flush=True)
        signal.pause()


if __name__ == "__main__":
    main()
