# Sourced by run.sh and test.sh: find Python >= 3.11 with venv, create .venv, install when needed.
# Usage: EXTRAS="dev" . scripts/bootstrap.sh
set -euo pipefail

say() { printf '\033[1m%s\033[0m\n' "$*"; }
die() { printf '\033[31m错误 / Error: %s\033[0m\n' "$*" >&2; exit 1; }

find_python() {
  local cand
  for cand in ${PYTHON:-} python3 python3.13 python3.12 python3.11; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  return 1
}

VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  PY=$(find_python) || die "需要 Python 3.11 或更高版本。Debian/Ubuntu: sudo apt-get install python3 python3-venv
       Python 3.11 or newer is required."
  "$PY" -c 'import venv, ensurepip' 2>/dev/null || die "缺少 Python 的 venv 模块。Debian/Ubuntu: sudo apt-get install python3-venv
       The Python venv module (with ensurepip) is missing."
  say "创建虚拟环境 $VENV（$("$PY" --version)）"
  "$PY" -m venv "$VENV" || die "无法创建虚拟环境 $VENV / could not create $VENV"
fi

# Reinstall only when pyproject.toml or the wanted extras changed.
want="$(sha256sum pyproject.toml | cut -c1-16)-${EXTRAS:-none}"
stamp="$VENV/.installed"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "${SKIP_INSTALL:-0}" != 1 ] && ! grep -qx -- "$want" <<<"$have" && ! grep -qx -- "$(sha256sum pyproject.toml | cut -c1-16)-dev" <<<"$have"; then
  say "安装依赖 / installing dependencies${EXTRAS:+ [$EXTRAS]}（首次约需 2–3 分钟 / the first time takes 2–3 minutes）…"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  # One line per package as it comes, so a long first install shows that it moves.
  set +o pipefail
  "$VENV/bin/python" -m pip install --progress-bar off -e ".${EXTRAS:+[$EXTRAS]}" 2>&1 |
    { grep -E --line-buffered "^(Collecting|Successfully installed|ERROR)" || true; } |
    sed -u -e 's/^Successfully installed.*/  完成 \/ done/' -e 's/^Collecting /  · /' -e 's/ (from .*//'
  rc=${PIPESTATUS[0]}
  set -o pipefail
  [ "$rc" -eq 0 ] || die "依赖安装失败 / pip install failed"
  echo "$want" > "$stamp"
else
  say "依赖未变，跳过安装 / dependencies unchanged, install skipped"
fi
export PATH="$PWD/$VENV/bin:$PATH"
