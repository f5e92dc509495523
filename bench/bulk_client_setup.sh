#!/usr/bin/env bash
# Local-only helper: unpack smart-on-fhir's bulk-data-client (not on npm) from
# the git mirror of this workplace into DEST and install its runtime deps.
# CI does not have the mirror, so this is a manual step before running
# bench/bulk_client_check.sh DEST ...
#
# Usage: bench/bulk_client_setup.sh DEST [MIRROR_GIT_DIR]
set -euo pipefail

DEST=${1:?usage: $0 DEST [MIRROR_GIT_DIR]}
MIRROR=${2:-/work/.mirror/smart-on-fhir+bulk-data-client/repo}

[ -d "$MIRROR" ] || { echo "mirror not found: $MIRROR" >&2; exit 1; }
mkdir -p "$DEST"
# The mirror has no work tree: export HEAD (built/ JS is committed, no build).
git --git-dir="$MIRROR" archive HEAD | tar -x -C "$DEST"

# package.json asks for node <19 and the repo's .npmrc sets engine-strict=true;
# the committed built/ JS runs on node 20, so override that. No dev deps
# (typescript, mocha) and no install scripts are needed.
cd "$DEST"
npm install --omit=dev --ignore-scripts --engine-strict=false --no-audit --no-fund

node -e 'require("./built/lib/BulkDataClient")' && echo "bulk-data-client ready in $DEST"
