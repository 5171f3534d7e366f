"""Raw bytes, content-addressed: each distinct body is stored once, by sha256.

    <data>/blobs/ab/cd/abcd…(64 hex)

Bytes are stored exactly as the crawler received them from the server, after
the transfer encodings (chunked, gzip/deflate/br Content-Encoding) are undone
— that is, the resource itself, the same bytes a browser would save. Writes
are atomic (a temporary file in the same folder, then a rename), so a crash
never leaves a half-written blob under a real name.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, data_dir: str | Path):
        self.root = Path(data_dir) / "blobs"

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def put(self, data: bytes, digest: str | None = None) -> str:
        """Store the bytes (once) and return their sha256 (`digest`, when the caller
        has computed it already from these bytes)."""
        digest = digest or sha256(data)
        target = self.path(digest)
        if target.is_file():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            # Atomic: readers see all of it or nothing. No fsync: a killed crawl
            # loses nothing written; only a machine crash could, and a resumed
            # crawl fetches what its captures do not point to.
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest
