"""``python -m articles``: serve the HTTP API."""

from articles.settings import get_settings
from common.service import serve

if __name__ == "__main__":
    serve("articles.main:create_app", get_settings())
