"""Who may sign in to the chat when it listens beyond this computer, and who may change its documents.

One JSON file, ``<data_dir>/users.json`` (``Settings.users_path``): name → role and a salted scrypt hash
of the password. Hashing uses the standard library's ``hashlib.scrypt``: it is memory-hard, needs no
compiled dependency (passlib is unmaintained, argon2-cffi would add a C extension for a handful of
office accounts), and its parameters are stored with each hash so they can be raised later.
``rag user add/list/remove`` edit the file; the server re-reads it at every sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError

EDITOR, READER = "editor", "reader"
# scrypt cost: 16 MiB and ~50 ms per sign-in on these machines; stored per hash (n, r, p)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_CHARS = 8
_NAME = re.compile(r"^[\w.@-]{1,64}$")


class UsersError(RagError):
    """A users file that cannot be read or written, or a request it cannot satisfy."""


@dataclass(frozen=True)
class User:
    name: str
    role: str  # EDITOR (may upload and delete documents) or READER

    @property
    def is_editor(self) -> bool:
        return self.role == EDITOR


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64), with a fresh 16-byte salt unless one is given."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):  # a damaged entry signs nobody in
        return False
    return hmac.compare_digest(got, expected)


class Users:
    """The users file: read fresh on every call, so ``rag user`` changes apply to a running server."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return bool(self._read())

    def all_users(self) -> list[User]:
        return [User(name, entry.get("role", READER)) for name, entry in sorted(self._read().items())]

    def get(self, name: str | None) -> User | None:
        entry = self._read().get(name or "")
        return User(name, entry.get("role", READER)) if entry else None

    def verify(self, name: str, password: str) -> bool:
        """Gradio's ``auth`` callable: True when the name exists and the password is right."""
        entry = self._read().get((name or "").strip())
        return bool(entry) and password_matches(password or "", entry.get("password", ""))

    def add(self, name: str, password: str, editor: bool = False) -> User:
        """Add a user, or set an existing user's password and role."""
        if not _NAME.match(name or ""):
            raise UsersError(f"Invalid user name {name!r}: 1-64 letters, digits, '.', '_', '@' or '-'.")
        if len(password) < MIN_PASSWORD_CHARS:
            raise UsersError(f"The password is too short: at least {MIN_PASSWORD_CHARS} characters.")
        users = self._read()
        role = EDITOR if editor else READER
        users[name] = {"role": role, "password": hash_password(password)}
        self._write(users)
        return User(name, role)

    def remove(self, name: str) -> None:
        users = self._read()
        if name not in users:
            raise UsersError(f"No user {name!r} in {self.path}.")
        del users[name]
        self._write(users)

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise UsersError(f"Cannot read the users file {self.path}: {error}") from error
        if not isinstance(data, dict) or not isinstance(data.get("users", {}), dict):
            raise UsersError(f"The users file {self.path} is not in the expected form ({{\"users\": {{…}}}}).")
        return dict(data.get("users", {}))

    def _write(self, users: dict[str, dict]) -> None:
        """Whole file at once (written beside it, then renamed), readable by its owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".users-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump({"users": users}, out, ensure_ascii=False, indent=2)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise UsersError(f"Cannot write the users file {self.path}: {error}") from error
