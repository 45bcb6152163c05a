# The two commands a fresh machine needs (see README): `make demo` and `make test`.
UV := python3 -m uv
APT_PACKAGES := ffmpeg espeak-ng sox

.PHONY: setup demo test bench lint

setup:
	@missing=""; for p in ffmpeg espeak-ng sox; do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install -q uv
	@$(UV) sync --frozen --quiet

demo: setup
	$(UV) run shelfmatch demo

test: setup
	$(UV) run pytest

bench: setup
	$(UV) run python bench/extract.py --items 50000

lint: setup
	$(UV) run ruff check .
