"""Running the web app with uvicorn."""

from __future__ import annotations

import ipaddress

import uvicorn

from forcesight.settings import setting
from forcesight.store.engine import open_engine
from forcesight.store.migrate import check_current
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(url: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the app for the store at ``url`` until interrupted (the store must be migrated)."""
    engine = open_engine(url)
    try:
        check_current(engine)
    finally:
        engine.dispose()
    config = WebConfig.from_settings()
    app = create_app(url, config=config)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=True,
        server_header=False,
        date_header=True,
        timeout_keep_alive=int(setting("keep_alive_seconds")),
    )
