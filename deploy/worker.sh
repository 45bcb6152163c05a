#!/bin/sh
# The worker service of compose.yaml: register the deployments of prefect.yaml with the Prefect
# server (idempotent: the pool may exist, the deployments are updated), then run their flows.
set -eu
cd /app
prefect work-pool inspect shelfmatch-local >/dev/null 2>&1 \
    || prefect work-pool create shelfmatch-local --type process
prefect --no-prompt deploy --all
exec prefect worker start --pool shelfmatch-local
