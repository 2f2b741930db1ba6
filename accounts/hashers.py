"""The hasher of OAuth apps' client secrets (settings.OAUTH2_PROVIDER's
CLIENT_SECRET_HASHER). A client secret is 128 random characters, so a salted SHA-256
keeps it safe at rest, as API secrets are (models.hash_secret); a password hasher's
deliberate slowness (~0.9 s for PBKDF2 here) would only slow every token request.
Never used for people's passwords: it is last in PASSWORD_HASHERS."""

import hashlib
import secrets

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.translation import gettext_noop as _


class SecretSHA256Hasher(BasePasswordHasher):
    algorithm = "secret-sha256"

    def encode(self, password, salt):
        self._check_encode_args(password, salt)
        digest = hashlib.sha256((salt + password).encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded):
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password, encoded):
        decoded = self.decode(encoded)
        return secrets.compare_digest(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("salt"): mask_hash(decoded["salt"], show=2),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password, encoded):
        pass

    def must_update(self, encoded):
        return False
