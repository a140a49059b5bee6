"""``python -m gateway.demo``: create the demo accounts (idempotent; refused when env=prod).

| user      | password           | roles                     |
|-----------|--------------------|---------------------------|
| admin     | admin-dev-pass     | admin (holds every role)  |
| editor    | editor-dev-pass    | editor                    |
| moderator | moderator-dev-pass | moderator                 |
| reader    | reader-dev-pass    | reader                    |
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher

from common.db import create_engine, session_factory
from gateway.adapters.accounts_repo import SqlUserStore
from gateway.domain.accounts import User, grant_roles, register, username_key
from gateway.settings import Settings, get_settings

DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("admin", "admin-dev-pass", ("admin",)),
    ("editor", "editor-dev-pass", ("editor",)),
    ("moderator", "moderator-dev-pass", ("moderator",)),
    ("reader", "reader-dev-pass", ()),
)


async def ensure_demo_accounts(settings: Settings) -> list[User]:
    """Create each demo account unless present, and give it its roles."""
    if settings.env == "prod":
        raise SystemExit("refusing to create demo accounts with known passwords when env=prod")
    engine = create_engine(settings)
    try:
        store = SqlUserStore(session_factory(engine))
        hasher = PasswordHasher()
        users = []
        for name, password, roles in DEMO_ACCOUNTS:
            user = await store.by_username_key(username_key(name))
            if user is None:
                user = await register(store=store, hasher=hasher, username=name, password=password)
            users.append(await grant_roles(store=store, user_id=user.id, roles=list(roles)))
        return users
    finally:
        await engine.dispose()


def main() -> None:
    """Create the accounts and print them."""
    passwords = {name: password for name, password, _ in DEMO_ACCOUNTS}
    for user in asyncio.run(ensure_demo_accounts(get_settings())):
        print(
            f"demo account {user.username} / {passwords[user.username]}: "
            f"roles {', '.join(user.roles)}"
        )


if __name__ == "__main__":
    main()
