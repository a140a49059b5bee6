"""``python -m analytics``: the HTTP API."""

from analytics.settings import get_settings
from common.service import serve

if __name__ == "__main__":
    serve("analytics.main:create_app", get_settings())
