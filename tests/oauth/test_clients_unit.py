"""Sealed registrations and derived secrets, without a server."""

from __future__ import annotations

import pytest

from workout_mcp.auth.clients import (
    ClientRegistry,
    UnknownClient,
    client_ref,
    is_private_address,
    validate_client_metadata,
)
from workout_mcp.auth.sealing import Sealer

OLD = "old-secret-key-with-plenty-of-entropy-0123456789abcdef"
NEW = "new-secret-key-with-plenty-of-entropy-fedcba9876543210"


def _registry(*secrets: str, now: float = 1_000_000.0) -> ClientRegistry:
    return ClientRegistry(Sealer(list(secrets)), list(secrets), clock=lambda: now)


def test_a_registration_round_trips_through_its_client_id() -> None:
    registry = _registry(NEW)
    reg = validate_client_metadata(
        {
            "client_name": "Claude",
            "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"],
            "token_endpoint_auth_method": "none",
        }
    )
    client, secret = registry.register(reg)
    assert secret is None
    opened = registry.open(client.client_id)
    assert opened == client
    assert opened.issued_at == 1_000_000


def test_secrets_survive_key_rotation_and_die_with_the_old_key() -> None:
    reg = validate_client_metadata({"redirect_uris": ["https://claude.ai/cb"]})
    client, secret = _registry(OLD).register(reg)
    assert secret is not None
    rotated = _registry(NEW, OLD)
    assert rotated.open(client.client_id).client_id == client.client_id
    assert rotated.check_secret(client.client_id, secret)
    assert not rotated.check_secret(client.client_id, secret + "x")
    dropped = _registry(NEW)
    with pytest.raises(UnknownClient):
        dropped.open(client.client_id)
    assert not dropped.check_secret(client.client_id, secret)


def test_secret_is_bound_to_its_client_id() -> None:
    registry = _registry(NEW)
    reg = validate_client_metadata({"redirect_uris": ["https://claude.ai/cb"]})
    _a, secret_a = registry.register(reg)
    b, _ = registry.register(reg)
    assert secret_a is not None and not registry.check_secret(b.client_id, secret_a)


def test_client_ref_is_short_and_distinct() -> None:
    assert len(client_ref("a")) == 22 and client_ref("a") != client_ref("b")


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("::1", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
    ],
)
def test_private_addresses(address: str, private: bool) -> None:
    assert is_private_address(address) is private
