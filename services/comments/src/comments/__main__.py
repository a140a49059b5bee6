"""``python -m comments``: the comments API on its port (the outbox relay runs inside)."""

from comments.settings import get_settings
from common.service import serve

if __name__ == "__main__":
    serve("comments.main:create_app", get_settings())
