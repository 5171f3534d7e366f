"""The archive writer: blobs and WARC records written by a process of their own.

Storing a fetch means hashing, compressing and writing its bytes. Done on the
crawl's reactor thread, that work cost a quarter of the crawl's throughput
(benchmarks/crawl.py). The crawl hands each fetch to a child process
(`python -m archive.writer`) and goes on:

    crawl process                                  writer process
    job sent: capture key, bytes, WARC fields  ──▶  blob stored (archive.blobs), its charsets read
    capture row inserted, not committed             WARC group written and flushed (archive.warc)
    row gets warc_file, warc_offset, charsets  ◀──  done: capture key, file, offset, charsets
    commit

The capture store asks the writer to settle before every commit: it waits for
the writer to confirm each job it has been sent. A committed capture row
therefore always has its blob and its WARC records on disk, the same order the
in-process recorder kept. A killed crawl leaves uncommitted rows and a WARC
tail without rows. When the run resumes, that tail is cut (archive.warc.repair)
and those URLs are fetched again. A writer whose crawl was killed reads
end-of-file, finishes the group it is writing, and exits. The lock on its
`.open` file makes the repair wait for that.

A job the writer cannot store (a full disk, say) comes back as failed. Its
uncommitted capture row is then deleted, so a resumed run fetches that URL
again, and the failure is logged. A writer that dies makes every later call
raise ArchiveWriterError; the crawl then rolls back what was not confirmed and
stops, and the run can be resumed.
"""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from archive.blobs import BlobStore


class ArchiveWriterError(RuntimeError):
    """The writer process is gone: nothing more can be archived in this run."""


class ArchiveWriter:
    """The crawl's end of the writer process."""

    # Jobs sent and not yet confirmed before write() waits: bounds the memory both
    # processes hold, and keeps the unread confirmations far below a pipe's 64 KiB,
    # so neither process can block the other.
    MAX_JOBS = 128
    MAX_BYTES = 64 << 20
    # The job pipe's buffer. At the default 64 KiB, sending a PDF blocked the crawl
    # until the writer had compressed the job before and read this one: most of the
    # time archiving still cost the crawl. 1 MiB is Linux's limit for unprivileged
    # processes (/proc/sys/fs/pipe-max-size).
    PIPE_BYTES = 1 << 20

    def __init__(self, data_dir: str | Path, run_id: str, info: dict | None = None):
        job_r, job_w = os.pipe()
        done_r, done_w = os.pipe()
        try:
            fcntl.fcntl(job_w, fcntl.F_SETPIPE_SZ, self.PIPE_BYTES)
        except (OSError, AttributeError):  # a lower limit, or not Linux: the crawl waits on the writer sooner
            pass
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archive.writer", str(data_dir), run_id, str(job_r), str(done_w)],
            pass_fds=(job_r, done_w), stdin=subprocess.DEVNULL, env=env)
        os.close(job_r)
        os.close(done_w)
        self.jobs = Connection(job_w, readable=False)
        self.done = Connection(done_r, writable=False)
        self.sent = 0                              # jobs sent, numbering them
        self.waiting: dict[int, int] = {}          # job number -> bytes sent, until confirmed
        self.waiting_bytes = 0
        self.closing = 0                           # close-file / exit messages not yet answered
        self.confirmed: list[tuple] = []           # (key, warc_file, warc_offset, charsets)
        self.failed: list[tuple[str, str]] = []    # (key, error)
        self.broken: str | None = None
        self.finished = False                      # closed: nothing more comes
        self._send(("info", info or {}))

    # -- sending --------------------------------------------------------------------------------

    def write(self, key: str, warc: dict, body: bytes, blob: bytes | None = None, digest: str | None = None,
              mime: str | None = None) -> None:
        """Send one capture: `warc` holds WarcLog.write's arguments but the body; `blob`
        (with its sha256 `digest` and Content-Type `mime`) is stored and its charsets
        read, when given."""
        self._receive(block=False)
        while self.waiting and (len(self.waiting) >= self.MAX_JOBS or self.waiting_bytes >= self.MAX_BYTES):
            self._receive(block=True)
        same = blob is body
        self.sent += 1
        self._send(("write", self.sent, key, warc, digest if blob is not None else None, same, mime))
        self._send_bytes(body)
        if blob is not None and not same:
            self._send_bytes(blob)
        size = len(body) + (len(blob) if blob is not None and not same else 0)
        self.waiting[self.sent] = size
        self.waiting_bytes += size

    def close_file(self) -> None:
        """Close the WARC file being written (the next write opens a new one)."""
        if self.broken is None:
            self._send(("close-file",))
            self.settle()

    def close(self) -> None:
        """Finish every job, close the WARC file and let the process end."""
        if self.proc.poll() is None and self.broken is None and not self.finished:
            try:
                self._send(("exit",))
                while self.waiting or self.closing:  # not settle(): after "closed" the pipe is at its end
                    self._receive(block=True)
            except ArchiveWriterError:
                pass
        self.finished = True  # confirmations still held are handed over by the next take()
        for conn in (self.jobs, self.done):
            conn.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    # -- confirmations --------------------------------------------------------------------------

    def settle(self) -> tuple[list, list]:
        """Wait until every job sent is confirmed; returns and forgets (confirmed, failed)."""
        while self.waiting or self.closing:
            self._receive(block=True)
        return self.take()

    def take(self) -> tuple[list, list]:
        """The confirmations received so far, without waiting; forgets them."""
        self._receive(block=False)
        confirmed, failed = self.confirmed, self.failed
        self.confirmed, self.failed = [], []
        return confirmed, failed

    def _receive(self, block: bool) -> None:
        if self.finished:
            return
        if self.broken:
            raise ArchiveWriterError(self.broken)
        try:
            while block or self.done.poll():
                message = self.done.recv()
                block = False
                if message[0] == "done":
                    _, job, key, warc_file, offset, charsets = message
                    self.confirmed.append((key, warc_file, offset, charsets))
                    self.waiting_bytes -= self.waiting.pop(job)
                elif message[0] == "failed":
                    _, job, key, error = message
                    self.failed.append((key, error))
                    self.waiting_bytes -= self.waiting.pop(job)
                elif message[0] == "closed":
                    self.closing -= 1
                    if message[1:] == ("exit",):
                        return  # the process ends: its pipe is at its end, not broken
        except (EOFError, OSError) as e:
            self._broke(e)

    # -- the pipe -------------------------------------------------------------------------------

    def _send(self, message: tuple) -> None:
        if self.broken:
            raise ArchiveWriterError(self.broken)
        if message[0] in ("close-file", "exit"):
            self.closing += 1
        try:
            self.jobs.send(message)
        except OSError as e:
            self._broke(e)

    def _send_bytes(self, data: bytes) -> None:
        try:
            self.jobs.send_bytes(data)
        except OSError as e:
            self._broke(e)

    def _broke(self, error: BaseException) -> None:
        self.broken = f"the archive writer process ended (exit status {self.proc.poll()}): {error!r}"
        self.waiting.clear()
        self.waiting_bytes = 0
        self.closing = 0
        raise ArchiveWriterError(self.broken)


# -- the writer process ----------------------------------------------------------------------------

def describe(mime: str | None, body: bytes) -> dict:
    """The capture's charset columns for a text body: declared by the header, declared
    by a <meta>, detected, and chosen (parsers.encoding); only the header's otherwise."""
    from parsers.encoding import decode, header_charset, meta_charset

    out = {"charset_header": header_charset(mime)}
    kind = (mime or "").split(";")[0].strip().lower()
    if not kind or kind.startswith("text/") or "html" in kind or "xml" in kind or "json" in kind:
        sample = body[:200_000]
        if kind or sample.lstrip()[:1] == b"<":
            decoded = decode(sample, mime)
            out.update(charset_meta=meta_charset(body), charset_detected=decoded.detected,
                       charset_chosen=decoded.chosen)
    return out


def serve(data_dir: str, run_id: str, jobs: Connection, done: Connection) -> None:
    from archive.warc import WarcLog  # warcio is loaded here only

    _, info = jobs.recv()
    # The crawl repaired this run's left-over files before starting the writer.
    warc = WarcLog(data_dir, run_id, info=info)
    blobs = BlobStore(data_dir)
    while True:
        try:
            message = jobs.recv()
        except EOFError:
            # The crawl is gone without saying so (killed): the open file stays
            # open for the resumed run's repair, which knows what was committed.
            return
        kind = message[0]
        if kind == "write":
            _, job, key, fields, digest, same, mime = message
            body = jobs.recv_bytes()
            blob = body if same else (jobs.recv_bytes() if digest else None)
            try:
                charsets = {}
                if digest:
                    blobs.put(blob, digest)
                    charsets = describe(mime, blob)
                where = warc.write(key=key, body=body, **fields)
                done.send(("done", job, key, where["warc_file"], where["warc_offset"], charsets))
            except Exception as e:  # noqa: BLE001 - one job failed; the crawl decides
                done.send(("failed", job, key, f"{type(e).__name__}: {e}"[:500]))
        elif kind in ("close-file", "exit"):
            warc.close()
            done.send(("closed", kind))
            if kind == "exit":
                return


def main(argv: list[str]) -> None:
    # Ctrl-C reaches the whole process group; the crawl shuts down cleanly and then
    # tells its writer to exit. A writer that quit first would lose the last groups.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    data_dir, run_id, job_fd, done_fd = argv
    serve(data_dir, run_id, Connection(int(job_fd), writable=False), Connection(int(done_fd), readable=False))


if __name__ == "__main__":
    main(sys.argv[1:])
