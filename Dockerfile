# syntax=docker/dockerfile:1
# workout-mcp for Fly.io: a two-stage build. The builder resolves nothing: it installs the hashed pins
# of requirements.lock (wheels only, so no compiler is needed anywhere) and builds the app's wheel; the
# runtime stage gets the dependency venv, the wheel installed without deps, and precompiled bytecode.
ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /build

# Dependencies first, in their own layer: rebuilt only when requirements.lock changes.
COPY requirements.lock ./
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --only-binary=:all: --no-compile -r requirements.lock

# The app as a wheel (hatchling comes from build isolation and stays in this stage).
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-deps --wheel-dir /build/dist .

# ---------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH="/opt/venv/bin:${PATH}" \
    VIRTUAL_ENV=/opt/venv \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONOPTIMIZE=2 \
    PYTHONNODEBUGRANGES=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    MCP_TRANSPORT=http \
    HOST=0.0.0.0 \
    PORT=8080 \
    ENVIRONMENT=production \
    LOG_LEVEL=INFO \
    MPLCONFIGDIR=/opt/matplotlib \
    SSL_CERT_DIR=/etc/ssl/certs

# PYTHONOPTIMIZE=2 strips docstrings (and asserts) and PYTHONNODEBUGRANGES the column tables of tracebacks
# from every module loaded: ~3.5 MiB less per process (docs/benchmark.md). Nothing a client sees comes from
# a docstring (tool descriptions ship in tool_schemas.json, prompts give theirs), which
# tests/surface/test_optimized.py checks; compileall below writes the .opt-2.pyc files these settings read.
# Calls to Supabase trust the image's CA directory (Debian's ca-certificates, hashed links), which
# OpenSSL reads one certificate at a time as a handshake needs it. Without it httpx loads certifi's whole
# bundle into every process on its first call: ~20 ms and 1.5-2 MiB of a 256 MB machine, for one root.
# The build stops here if the directory has no hashed links to look certificates up by.
RUN useradd --system --uid 10001 --user-group --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin app \
 && ls /etc/ssl/certs/*.0 >/dev/null

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /build/dist/ /wheels/
# Bytecode is compiled here, once, instead of on every cold start: the runtime user cannot write
# __pycache__ and PYTHONDONTWRITEBYTECODE forbids it, so without this every scale-from-zero start would
# compile the SDK and the stdlib from source (the official slim image ships the stdlib without .pyc).
# unchecked-hash .pyc files are loaded without stat-ing their sources: nothing in an image changes.
# matplotlib (the first chart) needs a writable config dir with its font cache: built here, once.
RUN /opt/venv/bin/pip install --no-deps --no-compile /wheels/*.whl \
 && rm -rf /wheels \
 && /opt/venv/bin/python -c "import matplotlib.font_manager" \
 && chown -R app:app /opt/matplotlib \
 && python -m compileall -q -f -j 0 --invalidation-mode unchecked-hash \
      /usr/local/lib/python3.11 /opt/venv/lib/python3.11/site-packages >/dev/null

WORKDIR /app
USER app:app
EXPOSE 8080
# fly.toml's kill_signal; uvicorn drains for GRACEFUL_SHUTDOWN_SECONDS (10 s) < kill_timeout (15 s).
STOPSIGNAL SIGTERM
CMD ["python", "-m", "workout_mcp.server"]
