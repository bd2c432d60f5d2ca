"""A real SFTP server on 127.0.0.1 (asyncssh's), rooted in a temporary folder, with
password authentication and a fresh host key, running on its own event loop thread.

    with SFTPServer(root) as server:
        server.port, server.public_key  # what the route is configured with
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import asyncssh

USERNAME = "comptoir"
PASSWORD = "sftp-pass"


class SFTPServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.key = asyncssh.generate_private_key("ssh-ed25519")
        self.public_key = self.key.export_public_key().decode().strip()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.acceptor: asyncssh.SSHAcceptor | None = None
        self.port = 0
        self.logins = 0

    def __enter__(self) -> SFTPServer:
        self.thread.start()
        self.acceptor = asyncio.run_coroutine_threadsafe(self.listen(), self.loop).result(10)
        self.port = self.acceptor.get_port()
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            self.acceptor.close()
            await self.acceptor.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def listen(self) -> asyncssh.SSHAcceptor:
        server = self
        root = str(self.root)

        class Auth(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                ok = username == USERNAME and password == PASSWORD
                server.logins += ok
                return ok

        class Rooted(asyncssh.SFTPServer):
            def __init__(self, chan: asyncssh.SSHServerChannel) -> None:
                super().__init__(chan, chroot=root)

        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[self.key],
            server_factory=Auth,
            sftp_factory=Rooted,
        )
