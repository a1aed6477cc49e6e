"""SHA-256 for fingerprints, shard names and snapshot keys: CPython's own, not OpenSSL's.

``hashlib`` loads OpenSSL's libcrypto, 3.9 MB of resident memory (the reader's peak with a 50 MB document is
counted against 150 MB) for hashes of a few keys and of each document's text. CPython's own is a sixth as fast
(a 50 MB text in 0.3 s, hashed in a thread after the first screen); a build without it uses ``hashlib``'s.
"""

from __future__ import annotations

try:
    from _sha256 import sha256  # type: ignore[import-not-found]  # (no stubs: CPython's own module)
except ImportError:  # (a Python built without its own hashes)
    from hashlib import sha256

__all__ = ["sha256"]
