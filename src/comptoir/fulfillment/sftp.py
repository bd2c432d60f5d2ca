"""CSV files to and from a provider's SFTP server (asyncssh client, run to completion from
the synchronous worker).

An upload is written as ``name.part`` then renamed, so a warehouse polling the folder never
imports half a file. Picked-up files are moved to ``processed/`` once applied; if the move
fails they are read again next time, which changes nothing (each row is applied once).
"""

from __future__ import annotations

import asyncio
import posixpath

import asyncssh

from comptoir.fulfillment.models import FulfillmentRoute


class SFTPConfigurationError(Exception):
    pass


def connection_options(route: FulfillmentRoute) -> dict:
    if not route.sftp_host or not route.sftp_username:
        raise SFTPConfigurationError(f"route {route.name}: SFTP host and user are required")
    if not route.sftp_host_key.strip():
        raise SFTPConfigurationError(f"route {route.name}: the SFTP server's public key is missing")
    try:
        host_key = asyncssh.import_public_key(route.sftp_host_key.strip())
    except (asyncssh.KeyImportError, ValueError) as error:
        raise SFTPConfigurationError(f"route {route.name}: SFTP public key: {error}") from None
    return {
        "host": route.sftp_host,
        "port": route.sftp_port,
        "username": route.sftp_username,
        "password": route.sftp_password or None,
        "known_hosts": ([host_key], [], []),
        "client_keys": None,
        "agent_path": None,
        "connect_timeout": route.timeout_seconds,
    }


def upload(route: FulfillmentRoute, name: str, content: bytes) -> None:
    async def run() -> None:
        async with (
            asyncssh.connect(**connection_options(route)) as connection,
            connection.start_sftp_client() as client,
        ):
            final = posixpath.join(route.sftp_outbox, name)
            partial = final + ".part"
            async with client.open(partial, "wb") as remote:
                await remote.write(content)
            if await client.exists(final):
                await client.remove(final)
            await client.rename(partial, final)

    asyncio.run(run())


def fetch(route: FulfillmentRoute) -> list[tuple[str, bytes]]:
    """Every CSV file waiting in the route's inbox folder, oldest name first. They are read
    here and applied by the caller outside the event loop (the ORM is synchronous)."""

    async def run() -> list[tuple[str, bytes]]:
        files = []
        async with (
            asyncssh.connect(**connection_options(route)) as connection,
            connection.start_sftp_client() as client,
        ):
            for name in sorted(await client.listdir(route.sftp_inbox)):
                if name.lower().endswith(".csv"):
                    path = posixpath.join(route.sftp_inbox, name)
                    async with client.open(path, "rb") as remote:
                        files.append((name, await remote.read()))
        return files

    return asyncio.run(run())


def archive(route: FulfillmentRoute, names: list[str]) -> None:
    """Move applied files to ``processed/`` beside them."""

    async def run() -> None:
        async with (
            asyncssh.connect(**connection_options(route)) as connection,
            connection.start_sftp_client() as client,
        ):
            done = posixpath.join(route.sftp_inbox, "processed")
            if not await client.exists(done):
                await client.mkdir(done)
            for name in names:
                target = posixpath.join(done, name)
                if await client.exists(target):
                    await client.remove(target)
                await client.rename(posixpath.join(route.sftp_inbox, name), target)

    if names:
        asyncio.run(run())
