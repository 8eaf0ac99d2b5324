# 供热应急指挥平台. The two commands: `make run` and `make test` (see README.md).
.PHONY: run test lint format messages check help

help:
	@echo "make run    安装、迁移、载入预案与演示数据，启动网站 + Celery worker + beat（Ctrl-C 停止）"
	@echo "make test   安装测试依赖，确认 PostgreSQL 与 Redis 可用，运行全部测试（含浏览器测试）"
	@echo "make lint   ruff 与 import-linter 检查   make messages  更新并编译翻译"

run:
	@bash scripts/run.sh

test:
	@bash scripts/test.sh $(ARGS)

# ruff (style, imports at the top, no private names across modules) and import-linter (the apps' layers,
# no cycles: [tool.importlinter] in pyproject.toml).
lint:
	@EXTRAS=dev bash -c '. scripts/bootstrap.sh && ruff check . && ruff format --check . && lint-imports'

format:
	@EXTRAS=dev bash -c '. scripts/bootstrap.sh && ruff check --fix . && ruff format .'

# Needs GNU gettext (apt-get install gettext); the compiled .mo files are committed.
messages:
	@EXTRAS=dev bash -c '. scripts/bootstrap.sh && python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=static --ignore=tests && python manage.py compilemessages --ignore=.venv'
