# syntax=docker/dockerfile:1
# Sangkhim's container image (docs/DEPLOY.md, "Container"): a slim Python base, dependencies
# installed only from the hashed lock (requirements/main.lock, --require-hashes), the gettext
# catalogs compiled at build time, run as an unprivileged user, healthchecked on /healthz.
# No secret is baked in: every key and token comes from the environment when it runs.
#
#   docker build -t sangkhim .
#   docker run --env-file .env -p 127.0.0.1:8000:8000 sangkhim            # the web process
#   docker run --env-file .env sangkhim flask db upgrade                   # the release step
#   docker run --env-file .env sangkhim flask doctor                       # before first traffic
#
# Pin the base by digest in your own builds (python:3.11-slim-bookworm@sha256:…) so that a
# rebuild gets the same system; requirements/main.lock already pins every Python package.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements/main.lock /tmp/main.lock
RUN /opt/venv/bin/pip install --require-hashes --no-deps --only-binary=:all: -r /tmp/main.lock
WORKDIR /app
COPY . .
# Compiled here, so that the running app (whose files it cannot write) never compiles them.
RUN /opt/venv/bin/pybabel compile -d locales --statistics
# Byte-compiled here for the same reason: without a bytecode cache, every process (each worker,
# each flask command) would compile the app's hundred modules again as it starts (about 0.1 s).
# checked-hash: a cached file is used only while its source is unchanged, whatever the mtimes.
RUN /opt/venv/bin/python -m compileall -q --invalidation-mode checked-hash bot core webhooks models

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLASK_APP=webhooks \
    SANGKHIM_ENV=production
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin sangkhim
COPY --from=build /opt/venv /opt/venv
# The code belongs to root and cannot be changed by the app; only instance/ is its own.
COPY --from=build /app /app
WORKDIR /app
RUN mkdir -p /app/instance && chown sangkhim:sangkhim /app/instance
USER sangkhim
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
# No control socket: nothing in the container manages gunicorn through it, and its default
# place ($HOME/.gunicorn) is not writable by the app.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--no-control-socket", \
     "webhooks:create_app()"]
