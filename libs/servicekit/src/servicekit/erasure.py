"""The one-way key under which a service remembers that a seeker was erased.

A late event about an erased seeker (a `profile-updated` still in a partition, a `match-found`)
must not bring them back; the service keeps this key, which names nobody, and checks it.
"""

import hashlib


def erasure_key(seeker_id: str) -> str:
    return hashlib.sha256(f"tremplin-erased-seeker:{seeker_id}".encode()).hexdigest()
