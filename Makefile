# The two commands a fresh machine needs (see README): `make demo` and `make test`.
UV := python3 -m uv
APT_PACKAGES := ffmpeg espeak-ng sox

.PHONY: setup demo test bench lint

setup:
	@missing=""; for p in ffmpeg espeak-ng sox; do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	@# Chromium for the review page's browser tests (Playwright drives Debian's package; it downloads no browser).
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing system package: chromium"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq chromium >/dev/null; \
	}
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install -q uv
	@$(UV) sync --frozen --quiet

demo: setup
	$(UV) run --extra demo shelfmatch demo

test: setup
	$(UV) run pytest -n auto --dist loadgroup

bench: setup
	$(UV) run --extra demo python bench/extract.py --items 50000

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
