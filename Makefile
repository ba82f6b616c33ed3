# Two commands: `make run` (set up, migrate, demo data, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format clean

$(STAMP): pyproject.toml
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  echo "python3-venv is missing; installing it with apt-get"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install
	mkdir -p instance
	$(BIN)/planwork db upgrade
	$(BIN)/planwork demo load --if-empty
	@echo "PlanWork: http://127.0.0.1:5000  (mật khẩu mẫu: planwork-demo)"
	@echo "Hộp thư thử nghiệm: smtp://127.0.0.1:8025 (xem tại /admin/outbox)"
	@# The SMTP sink and the scheduler run beside the web server and stop with it.
	@$(BIN)/planwork mail sink --host 127.0.0.1 --port 8025 & sink=$$!; \
	MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 $(BIN)/planwork scheduler run & sched=$$!; \
	trap 'kill $$sink $$sched 2>/dev/null; wait $$sink $$sched 2>/dev/null' EXIT INT TERM; \
	MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 $(BIN)/planwork run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
