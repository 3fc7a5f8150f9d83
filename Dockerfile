# The gateway on embedded defaults: one process, SQLite store in /var/lib/gateway.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY adapters ./adapters
COPY canonical ./canonical
RUN pip install .

COPY mappings ./mappings
COPY ops/demo ./ops/demo

RUN useradd --system --home /var/lib/gateway --create-home gateway
USER gateway
VOLUME ["/var/lib/gateway"]
EXPOSE 8080

# Mount a configuration at /etc/gateway/gateway.yaml (see ops/demo/gateway.yaml for the shape);
# relative paths in it resolve against its own directory.
CMD ["gateway", "serve", "--config", "/etc/gateway/gateway.yaml", "--host", "0.0.0.0", "--port", "8080"]
