#!/usr/bin/env bash
# Build the container image and check that it answers /healthz (docs/DEPLOY.md, "Container").
# Used by .ci/run when a Docker engine is available. Loopback only; bounded in time; removes
# what it started. The container runs in development with SQLite in its own /tmp, so it needs
# no secret: this checks the image (dependencies, catalogs, user, healthcheck), not a deployment.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${SANGKHIM_IMAGE_TAG:-sangkhim:ci}
NAME=sangkhim-ci-$$
docker build --quiet -t "$TAG" . >/dev/null
echo "built $TAG ($(docker image inspect "$TAG" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"

user=$(docker image inspect "$TAG" --format '{{.Config.User}}')
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || { echo "image runs as root"; exit 1; }

cleanup() { docker rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT
docker run -d --name "$NAME" -p 127.0.0.1::8000 \
    -e SANGKHIM_ENV=development -e DATABASE_URL=sqlite:////tmp/sangkhim.db \
    "$TAG" sh -c 'flask db upgrade && exec gunicorn --config gunicorn.conf.py \
        --bind 0.0.0.0:8000 --no-control-socket "webhooks:create_app()"' >/dev/null
port=$(docker port "$NAME" 8000/tcp | head -1 | sed 's/.*://')

for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
    sleep 1
done
curl -fsS "http://127.0.0.1:$port/healthz"; echo
# The image's own HEALTHCHECK command, run inside it.
docker exec "$NAME" python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
docker exec "$NAME" sh -c 'test "$(id -u)" != 0' || { echo "the app runs as root"; exit 1; }
echo "container answers /healthz as user $user"
