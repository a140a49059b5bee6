"""``python -m gateway``: serve the gateway with uvicorn."""

from common.service import serve
from gateway.settings import get_settings

serve("gateway.main:create_asgi", get_settings())
