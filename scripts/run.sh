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

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; say "正在停止 / stopping …"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # A worker's warm shutdown waits for its running task; after 15 s it is killed (tasks are acks_late
  # and idempotent: an interrupted one runs again at the next start).
  for _ in $(seq 30); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  say "已停止 / stopped."
}
trap cleanup EXIT
trap 'exit 0' INT TERM  # Ctrl-C is the normal way to stop: exit cleanly, EXIT runs cleanup

celery -A config worker --loglevel=INFO --concurrency=2 --hostname="worker@%h" &
pids+=($!)
celery -A config beat --loglevel=INFO --schedule="$VAR_DIR/celerybeat-schedule" &
pids+=($!)
gunicorn config.wsgi:application --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --access-logfile - --error-logfile - --graceful-timeout 5 --no-control-socket &
pids+=($!)

read -r db broker < <(python -c 'import django; django.setup()
from django.db import connection; from config.celery import app
print(connection.vendor, app.conf.broker_url.split("://")[0])' 2>/dev/null || echo "? ?")
cat <<MSG

$(say "供热应急指挥平台已启动 / running:  http://$HOST:$PORT/")
  数据库 database: $db    消息队列 broker: $broker    状态 health: http://$HOST:$PORT/healthz
  演示账号 demo logins (用户名 username / 密码 password / 身份 role):
$(python manage.py create_demo_accounts)
  按 Ctrl-C 停止 / press Ctrl-C to stop.

MSG
# Stop everything as soon as any one of them dies.
wait -n "${pids[@]}"
die "有进程意外退出，见上方日志 / a process exited, see the log above"
