"""The test-server helper never hands out a server that did not come up."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from channels.config import ChannelSettings
from tests.channels.server import free_port, running_server
from tests.tiny import build_tiny


def test_a_server_that_cannot_bind_is_an_error_not_a_url(tmp_path: Path) -> None:
    home = build_tiny(tmp_path)
    port = free_port()
    with socket.socket() as taken:  # something else listens on the port: uvicorn cannot bind it
        taken.bind(("127.0.0.1", port))
        taken.listen()
        with pytest.raises(RuntimeError, match="did not start|never answered"):
            with running_server(ChannelSettings(home=str(home)), port):
                pytest.fail("a URL was handed out for a server that never started")
