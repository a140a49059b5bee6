# One image for every Newsroom process; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH

RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app

# Dependencies first (cached while only source changes), then the workspace itself.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY services/articles/pyproject.toml services/articles/
COPY services/comments/pyproject.toml services/comments/
COPY services/analytics/pyproject.toml services/analytics/
COPY services/gateway/pyproject.toml services/gateway/
RUN uv sync --frozen --all-packages --no-dev --no-install-workspace

COPY libs/ libs/
COPY services/ services/
RUN uv sync --frozen --all-packages --no-dev

RUN useradd --system --uid 10001 --no-create-home newsroom \
    && mkdir -p /var/lib/newsroom/views && chown newsroom /var/lib/newsroom/views
USER newsroom
CMD ["python", "-m", "gateway"]
