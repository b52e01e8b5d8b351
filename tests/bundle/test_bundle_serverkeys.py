"""Server keys: rotation with endorsement, pinning, and the passphrase-encrypted key file."""

from __future__ import annotations

import os
import stat

import pytest
from bundle_samples import bundle_kwargs

from intake_app.bundle import (
    KEY_ENV,
    KdfParams,
    KeyFileKey,
    ServerKeyEnvInvalid,
    ServerKeyFileCorrupt,
    ServerKeyFileMissing,
    ServerKeys,
    ServerKeyUntrusted,
    ServerKeyWrongPassphrase,
    ServerPublicInfo,
    build_bundle,
    open_bundle,
    read_key_file,
    read_key_file_from_env,
    verify_rotation,
    write_key_file,
)
from intake_app.errors import IntakeError

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)  # tests only; production is 192 MiB, t=2
PASSPHRASE = "correcto caballo batería grapa"


def raises_exactly(cls, fn, *args, **kwargs):
    with pytest.raises(IntakeError) as info:
        fn(*args, **kwargs)
    assert type(info.value) is cls, type(info.value)
    return info.value


def test_rotation_keeps_old_bundles_readable(device_keys, revisions):
    keys = ServerKeys.generate(issued_at="2026-01-01T00:00:00Z")
    old_info = keys.public_info()
    old_bundle = build_bundle(**bundle_kwargs(device_keys, keys, revisions[:2]))
    rotated = keys.rotate(issued_at="2026-06-01T00:00:00Z")
    new_info = rotated.public_info()
    assert new_info.key_id != old_info.key_id and rotated.key_ids == (old_info.key_id, new_info.key_id)
    # the device pinned the signing key at enrollment and accepts the new HPKE key
    assert verify_rotation(old_info.signing, new_info, current=old_info) == new_info
    new_bundle = build_bundle(**bundle_kwargs(device_keys, rotated, revisions[2:4]))
    for data, revs in ((old_bundle, revisions[:2]), (new_bundle, revisions[2:4])):
        assert open_bundle(data, device_public=device_keys.public(), server_keys=rotated).revisions == revs
    assert rotated.public_info(old_info.key_id) == old_info


def test_public_info_file_round_trip(server_keys):
    info = server_keys.public_info()
    assert ServerPublicInfo.from_bytes(info.to_bytes()) == info
    assert info.endorsed_by(server_keys.signing_public)
    raises_exactly(ServerKeyUntrusted, ServerPublicInfo.from_bytes, info.to_bytes()[:-1])
    raises_exactly(ServerKeyUntrusted, ServerPublicInfo.from_bytes, b"junk")


def test_rotation_refused_unless_endorsed_by_pinned_key(server_keys, other_server_keys):
    pinned = server_keys.signing_public
    err = raises_exactly(ServerKeyUntrusted, verify_rotation, pinned, other_server_keys.public_info())
    assert err.params == {"reason": "signing_key"}
    # another server's HPKE key presented under our signing keys, with its own endorsement
    theirs = other_server_keys.public_info()
    ours = server_keys.public_info()
    forged = ServerPublicInfo(ours.signing, theirs.hpke_public, theirs.key_id, theirs.issued_at,
                              theirs.sig_ed25519, theirs.sig_mldsa65)
    assert raises_exactly(ServerKeyUntrusted, verify_rotation, pinned, forged).params == {"reason": "signature"}
    half = ServerPublicInfo(ours.signing, ours.hpke_public, ours.key_id, ours.issued_at, ours.sig_ed25519, b"")
    raises_exactly(ServerKeyUntrusted, verify_rotation, pinned, half)


def test_rotation_refuses_rollback_to_an_older_key():
    keys = ServerKeys.generate(issued_at="2026-01-01T00:00:00Z")
    old = keys.public_info()
    new = keys.rotate(issued_at="2026-06-01T00:00:00Z").public_info()
    err = raises_exactly(ServerKeyUntrusted, verify_rotation, old.signing, old, current=new)
    assert err.params == {"reason": "older"}
    assert verify_rotation(old.signing, new, current=new) == new  # re-reading the pinned info is fine


def test_key_file_passphrase_and_environment(tmp_path):
    keys = ServerKeys.generate(issued_at="2026-01-01T00:00:00Z")
    path = tmp_path / "server.keys"
    fkey = KeyFileKey.from_passphrase(PASSPHRASE, FAST)
    write_key_file(path, keys, fkey)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["server.keys"]  # no temporary left behind
    loaded, again = read_key_file(path, passphrase=PASSPHRASE)
    assert loaded.signing == keys.signing and loaded.hpke_keys == keys.hpke_keys
    assert again.key == fkey.key and again.kdf == FAST
    from_env, _ = read_key_file_from_env(path, {KEY_ENV: fkey.hex()})
    assert from_env.public_info() == keys.public_info()
    # rotate and rewrite with the same file key: passphrase and environment still open it
    rotated = from_env.rotate(issued_at="2026-06-01T00:00:00Z")
    write_key_file(path, rotated, again)
    assert read_key_file(path, passphrase=PASSPHRASE)[0].key_ids == rotated.key_ids
    assert read_key_file_from_env(path, {KEY_ENV: fkey.hex().upper()})[0].key_ids == rotated.key_ids
    assert PASSPHRASE.encode() not in path.read_bytes() and keys.signing.ed25519_seed not in path.read_bytes()


def test_key_file_errors(tmp_path):
    path = tmp_path / "server.keys"
    raises_exactly(ServerKeyFileMissing, read_key_file, path, passphrase=PASSPHRASE)
    write_key_file(path, ServerKeys.generate(), KeyFileKey.from_passphrase(PASSPHRASE, FAST))
    err = raises_exactly(ServerKeyWrongPassphrase, read_key_file, path, passphrase="otra frase")
    assert err.params == {"source": "passphrase"}
    err = raises_exactly(ServerKeyWrongPassphrase, read_key_file_from_env, path, {KEY_ENV: "00" * 32})
    assert err.params == {"source": "environment"}
    for bad in ("", "zz" * 32, "00" * 31, None):
        env = {} if bad is None else {KEY_ENV: bad}
        assert raises_exactly(ServerKeyEnvInvalid, read_key_file_from_env, path, env).params == {"variable": KEY_ENV}
    data = path.read_bytes()
    for corrupt in (b"", data[:10], b"not a key file at all", data[:8] + b"\x00\x09" + data[10:], data[:30]):
        path.write_bytes(corrupt)
        raises_exactly(ServerKeyFileCorrupt, read_key_file, path, passphrase=PASSPHRASE)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # a damaged ciphertext looks like a wrong key
    raises_exactly(ServerKeyWrongPassphrase, read_key_file, path, passphrase=PASSPHRASE)


def test_key_file_refuses_absurd_kdf_cost(tmp_path):
    """A doctored header must not make the server allocate terabytes."""
    from intake_app.bundle.format import canonical_packb
    from intake_app.bundle.serverkeys import MAGIC_KEY_FILE

    header = canonical_packb({"kdf": "argon2id", "salt": bytes(16), "memory_kib": 2**40, "iterations": 1,
                              "lanes": 1, "aead": "aes-256-gcm", "nonce": bytes(12)})
    path = tmp_path / "server.keys"
    path.write_bytes(MAGIC_KEY_FILE + b"\x00\x01" + len(header).to_bytes(4, "big") + header + bytes(64))
    assert raises_exactly(ServerKeyFileCorrupt, read_key_file, path, passphrase="x").params == {"part": "header"}


def test_secrets_never_printed():
    keys = ServerKeys.generate()
    fkey = KeyFileKey.from_passphrase(PASSPHRASE, FAST)
    for text in (repr(keys), repr(fkey), repr(keys.current)):
        assert keys.signing.ed25519_seed.hex() not in text and fkey.key.hex() not in text
        assert "seed=b" not in text
