"""Starting the app: the first admin account, then uvicorn (what ``voicecoach serve`` calls)."""

from __future__ import annotations

import logging

from voicecoach.web.config import WebConfig

log = logging.getLogger(__name__)


def needs_admin(config: WebConfig) -> bool:
    """True while the store's database has no admin account."""
    from voicecoach.web.library import Store
    from voicecoach.web import accounts, tables

    store = Store(config.db)
    try:
        tables.metadata.create_all(store.engine)
        return not accounts.any_admin(store.engine)
    finally:
        store.close()


def create_admin(config: WebConfig, username: str, password: str) -> None:
    from voicecoach.web.library import Store
    from voicecoach.web import accounts, tables

    store = Store(config.db)
    try:
        tables.metadata.create_all(store.engine)
        accounts.create_user(store.engine, username, password, "admin")
    finally:
        store.close()


def run(config: WebConfig, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (the queue's jobs survive a stop: they resume on the next start)."""
    import uvicorn

    from voicecoach.web import create_app

    app = create_app(config)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=config.secure_cookies, server_header=False)
