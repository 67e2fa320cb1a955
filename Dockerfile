# One image for every newsdesk service; the compose file picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY newsdesk ./newsdesk
COPY shared ./shared
COPY services ./services
COPY samples ./samples
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app newsdesk

USER newsdesk
# Services bind to all interfaces inside the container; ports are published by compose.
ENV NEWSDESK_HOST=0.0.0.0 NEWSDESK_LOG_FORMAT=json
ENTRYPOINT ["newsdesk"]
CMD ["up"]
