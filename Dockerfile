# One image for every newsdesk service; the compose file picks the command.

# The enricher's taggers compiled to C (newsdesk compile): mypy and gcc stay in this stage,
# only the extensions it builds go on.
FROM python:3.11-slim AS taggers
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock requirements-build.lock ./
RUN pip install -r requirements.lock && pip install -r requirements-build.lock
COPY pyproject.toml README.md ./
COPY newsdesk ./newsdesk
COPY shared ./shared
COPY services ./services
RUN python -m newsdesk.cli compile

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY newsdesk ./newsdesk
COPY shared ./shared
COPY services ./services
COPY --from=taggers /app/services/enricher/taggers/_compiled ./services/enricher/taggers/_compiled
COPY samples ./samples
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app newsdesk

USER newsdesk
# Services bind to all interfaces inside the container; ports are published by compose.
ENV NEWSDESK_HOST=0.0.0.0 NEWSDESK_LOG_FORMAT=json
ENTRYPOINT ["newsdesk"]
CMD ["up"]
