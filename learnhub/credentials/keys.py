"""The key LearnHub signs credentials with: an RSA 2048 private key in a PEM file
(``LEARNHUB_CREDENTIAL_KEY_PATH``, default ``<instance>/credential-signing-key.pem``), made on
first use with mode 0600. Open Badges 3.0 §8.2 asks VC-JWT issuers to support RS256, so RSA is
the key every verifier can check. Keep the file with the database backups: a lost key means
new credentials get a new key (old ones still verify with the public key they carry)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app


def key_path() -> Path:
    configured = current_app.config.get("LEARNHUB_CREDENTIAL_KEY_PATH")
    return Path(configured or Path(current_app.instance_path) / "credential-signing-key.pem")


def signing_key_pem() -> bytes:
    """The private key (PEM bytes), created if the file does not exist yet."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # created private from the start: never world-readable, even for a moment
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
    return path.read_bytes()


def public_jwk() -> dict:
    """The public key as a JWK (RFC 7517): what the issuer profile publishes."""
    from jwt.algorithms import RSAAlgorithm

    key = serialization.load_pem_private_key(signing_key_pem(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{key_path()} does not hold an RSA private key")
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "alg": "RS256", "use": "sig"}
