#!/usr/bin/env bash
# `make run`: install, migrate, load the plan and the demo data, then serve the site with a Celery
# worker and beat. Embedded default: SQLite and Celery's filesystem broker under var/.
# DATABASE_URL / REDIS_URL switch to PostgreSQL / Redis. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="" . scripts/bootstrap.sh

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export VAR_DIR=${VAR_DIR:-$PWD/var}
mkdir -p "$VAR_DIR"
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s "$VAR_DIR/secret_key" ] || python -c 'import secrets; print(secrets.token_urlsafe(50))' > "$VAR_DIR/secret_key"
  SECRET_KEY=$(cat "$VAR_DIR/secret_key"); export SECRET_KEY
fi
export DJANGO_SETTINGS_MODULE=config.settings HTTPS=${HTTPS:-0} DEMO_MODE=${DEMO_MODE:-1}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost,$HOST}

if python - "$HOST" "$PORT" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(0.5)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
PY
then die "端口 $HOST:$PORT 已被占用（是否已有一个 make run 在运行？）可用 PORT=8001 make run
       Port $HOST:$PORT is in use (is make run already running?). Try PORT=8001 make run."; fi

say "数据库迁移 / migrating …"
python manage.py migrate --noinput -v0
python manage.py collectstatic --noinput -v0
if python manage.py help load_plan >/dev/null 2>&1; then
  say "载入预案组织体系和演示数据 / loading the plan's org chart and demo data …"
  python manage.py load_plan --demo
fi
python manage.py create_demo_accounts --quiet
python manage.py load_demo_incidents  # three demo incidents, made through the services (idempotent)

say "启动网站、Celery worker 与 beat / starting the web server, the Celery worker and beat …"
read -r db broker < <(python -c 'import django; django.setup()
from django.db import connection; from config.celery import app
print(connection.vendor, app.conf.broker_url.split("://")[0])' 2>/dev/null || echo "? ?")
export RUN_BANNER_FILE="$VAR_DIR/run-banner.txt"
cat > "$RUN_BANNER_FILE" <<MSG

$(say "供热应急指挥平台已启动 / running:  http://$HOST:$PORT/")
  数据库 database: $db    消息队列 broker: $broker    状态 health: http://$HOST:$PORT/healthz
  演示账号 demo logins (用户名 username / 密码 password / 身份 role):
$(python manage.py create_demo_accounts)
  按 Ctrl-C 停止 / press Ctrl-C to stop.
MSG
# scripts/serve.py watches the three processes; Ctrl-C stops them all and exits 0. On a terminal, job
# control gives serve.py the terminal as a job of its own, so Ctrl-C reaches it and not make (which
# would otherwise die of the signal and report an error).
if [ -t 0 ]; then
  set -m
  python scripts/serve.py "$HOST" "$PORT" "$VAR_DIR"
  exit $?
fi
exec python scripts/serve.py "$HOST" "$PORT" "$VAR_DIR"
