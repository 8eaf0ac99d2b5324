#!/usr/bin/env bash
# `make test`: install what the tests need, make sure PostgreSQL, Redis and Chromium are there
# (start the local services if installed but stopped), and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="dev" . scripts/bootstrap.sh

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/heating}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)}

pg_ok() { python - <<'PY'
import os, sys, psycopg
from urllib.parse import urlsplit, urlunsplit
u = urlsplit(os.environ["DATABASE_URL"])
try:
    psycopg.connect(urlunsplit(u._replace(path="/postgres")), connect_timeout=3).close()
except Exception as e:
    print(f"  ({e.__class__.__name__}: {str(e).strip().splitlines()[0]})", file=sys.stderr); sys.exit(1)
PY
}
redis_ok() { python -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()' 2>/dev/null; }
is_local() { grep -Eq '@?(127\.0\.0\.1|localhost)(:|/|$)' <<<"$1"; }

if ! pg_ok; then
  if is_local "$DATABASE_URL" && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    ver=$(ls /etc/postgresql | sort -V | tail -n1)
    say "启动本机 PostgreSQL $ver / starting local PostgreSQL $ver …"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
    for _ in $(seq 20); do pg_ok 2>/dev/null && break; sleep 0.5; done
  fi
  pg_ok || die "PostgreSQL 不可用（$DATABASE_URL）。安装：sudo apt-get install postgresql；或设置 DATABASE_URL。
       PostgreSQL is not reachable at DATABASE_URL. Install it (apt-get install postgresql) or set DATABASE_URL."
fi
if ! redis_ok; then
  if is_local "$REDIS_URL" && command -v redis-server >/dev/null 2>&1; then
    say "启动本机 Redis / starting local Redis …"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
    for _ in $(seq 20); do redis_ok && break; sleep 0.5; done
  fi
  redis_ok || die "Redis 不可用（$REDIS_URL）。安装：sudo apt-get install redis-server；或设置 REDIS_URL。
       Redis is not reachable at REDIS_URL. Install it (apt-get install redis-server) or set REDIS_URL."
fi
[ -x "$CHROMIUM_PATH" ] || die "找不到 Chromium（浏览器测试需要）。安装：sudo apt-get install chromium fonts-noto-cjk
       Chromium is missing (browser tests need it): apt-get install chromium fonts-noto-cjk, or set CHROMIUM_PATH."

# Two processes by default (pytest-xdist; TEST_WORKERS=0 runs in this one process): each has its own test
# database (test_<name>_gw0, _gw1) and its own Redis database, REDIS_URL's number plus its index
# (tests/_env.py), so with REDIS_URL …/0 the suite uses Redis databases 0 and 1.
workers=${TEST_WORKERS:-2}
xdist=()
[ "$workers" != 0 ] && xdist=(-n "$workers" --dist worksteal)
say "运行测试 / running the suite (PostgreSQL: $DATABASE_URL, Redis: $REDIS_URL, workers: $workers) …"
start=$(date +%s)
set +e
python -m pytest "${xdist[@]}" --durations=15 "$@"  # the slowest 15, to keep the suite short
rc=$?
set -e
say "用时 / took $(( $(date +%s) - start )) s"
[ $rc -eq 5 ] && die "没有运行任何测试 / no tests ran"
exit $rc
