# Two commands: `make run` (set up, migrate, demo data, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install ocr-engine lint format clean lock diacritics-model bench-data

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { \
	  echo "python3-venv is missing; installing it with apt-get"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	@# Exact versions with their hashes from the lock; the project itself adds nothing.
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Scans are read by Debian's Tesseract with its Vietnamese model (importer/ocr.py).
ocr-engine:
	@command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie || { \
	  echo "tesseract-ocr or its Vietnamese model is missing; installing them with apt-get"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq tesseract-ocr tesseract-ocr-vie; }

install: $(STAMP) ocr-engine

run: install
	mkdir -p instance
	$(BIN)/planwork db upgrade
	$(BIN)/planwork demo load --if-empty
	@echo "PlanWork: http://127.0.0.1:5000  (mật khẩu mẫu: planwork-demo)"
	@echo "Hộp thư thử nghiệm: smtp://127.0.0.1:8025 (xem tại /admin/outbox)"
	@# The SMTP sink, the scheduler and the job worker run beside the web server and stop with it.
	@$(BIN)/planwork mail sink --host 127.0.0.1 --port 8025 & sink=$$!; \
	MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 $(BIN)/planwork scheduler run & sched=$$!; \
	MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 $(BIN)/planwork worker run & work=$$!; \
	trap 'kill $$sink $$sched $$work 2>/dev/null; wait $$sink $$sched $$work 2>/dev/null' EXIT INT TERM; \
	MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 $(BIN)/planwork run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the lock on purpose: newest versions that pyproject.toml allows, with hashes.
UV_VERSION := 0.13.8
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q uv==$(UV_VERSION)
	.lock-venv/bin/uv pip compile pyproject.toml requirements-build.in --extra test --extra bench --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-manylinux_2_28 --upgrade -o requirements.lock
	rm -rf .lock-venv
	@echo "requirements.lock refreshed: run 'make test' before committing it."

# Rebuild importer/data/diacritics.json.gz from the shipped text (tools/build_diacritics_model.py);
# Debian's hunspell-vi gives it the rhymes Vietnamese spelling allows.
diacritics-model: install
	@[ -f /usr/share/hunspell/vi_VN.dic ] || { \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq hunspell-vi; }
	$(BIN)/python tools/build_diacritics_model.py

# The city of issue 12 (bench/city.py): 2,282 units, 10,000 users, 100,000 tasks, 1,000,000
# audit events, into BENCH_DATABASE_URL (a PostgreSQL database it creates afresh).
BENCH_DATABASE_URL ?= postgresql://planwork:planwork@127.0.0.1:5432/planwork_city
bench-data: install
	$(BIN)/python bench/city.py --database-url $(BENCH_DATABASE_URL)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
