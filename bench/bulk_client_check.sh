#!/usr/bin/env bash
# Independent check of a FHIR Bulk Data export with smart-on-fhir's
# bulk-data-client (install it first with bench/bulk_client_setup.sh DIR).
#
# Usage: bench/bulk_client_check.sh CLIENT_DIR BASE_URL CLIENT_ID PRIVATE_JWK_FILE \
#            TOKEN_URL OUTPUT_DIR [LEVEL]
#   LEVEL: system (default, BASE_URL/$export), patient (BASE_URL/Patient/$export)
#          or a group id such as unit-3 (BASE_URL/Group/unit-3/$export).
#   PRIVATE_JWK_FILE: private JWK with "alg" (RS384 or ES384) and "kid".
# Optional env: BULK_SCOPE (default system/*.rs), BULK_TYPE (_type),
#   BULK_SINCE (_since), BULK_CLIENT_TIMEOUT (seconds, default 900).
# Writes into OUTPUT_DIR: bulk-client-config.json, client-output.txt,
#   client-log.ndjson and downloads/ (emptied first). Exits non-zero when the
#   client fails or downloads no output NDJSON file.
set -euo pipefail

die() { echo "bulk_client_check: $*" >&2; exit 2; }
[ $# -ge 6 ] || die "usage: $0 CLIENT_DIR BASE_URL CLIENT_ID PRIVATE_JWK_FILE TOKEN_URL OUTPUT_DIR [LEVEL]"

CLIENT_DIR=$1 BASE_URL=$2 CLIENT_ID=$3 JWK_FILE=$4 TOKEN_URL=$5 OUT=$6 LEVEL=${7:-system}
[ -f "$CLIENT_DIR/built/app.js" ] || die "$CLIENT_DIR is not a bulk-data-client (run bench/bulk_client_setup.sh)"
[ -r "$JWK_FILE" ] || die "cannot read $JWK_FILE"
CLIENT_DIR=$(cd "$CLIENT_DIR" && pwd)
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
DL="$OUT/downloads"
rm -rf "$DL" && mkdir -p "$DL"   # the client asserts destination exists
CONFIG="$OUT/bulk-client-config.json"

# Build the config with node so every value is JSON-quoted. The client loads it
# with require(), so a .json file works; it overrides config/defaults.js.
# shellcheck disable=SC2016  # the single-quoted block is JavaScript
BDC_FHIR_URL=$BASE_URL BDC_TOKEN_URL=$TOKEN_URL BDC_CLIENT_ID=$CLIENT_ID \
BDC_JWK_FILE=$JWK_FILE BDC_LEVEL=$LEVEL BDC_DL=$DL BDC_OUT=$OUT node -e '
const e = process.env, fs = require("fs");
const jwk = JSON.parse(fs.readFileSync(e.BDC_JWK_FILE, "utf8"));
// The client signs with jwk.alg and sets header kid from jwk.kid; without alg
// jsonwebtoken would silently fall back to HS256.
if (!jwk.alg || !jwk.kid || !jwk.d) { console.error("JWK needs alg, kid and private part d"); process.exit(2); }
const level = e.BDC_LEVEL;
const cfg = {
  fhirUrl: e.BDC_FHIR_URL,
  tokenUrl: e.BDC_TOKEN_URL,           // SMART Backend Services token endpoint
  clientId: e.BDC_CLIENT_ID,           // iss and sub of the client assertion
  privateKey: jwk,                     // JWK; alg RS384/ES384 picks the signature
  scope: e.BULK_SCOPE || "system/*.rs",
  global: level === "system",          // BASE/$export
  group: ["system", "patient"].includes(level) ? "" : level, // BASE/Group/ID/$export
  _type: e.BULK_TYPE || "",
  _since: e.BULK_SINCE || "",
  lenient: true,                       // Prefer: respond-async, handling=lenient
  reporter: "text",                    // no progress bars and no DELETE prompt
  destination: e.BDC_DL,
  saveManifest: true,                  // keep manifest.json for inspection
  forceStandardFileNames: true,        // N.Type.ndjson
  ndjsonValidateFHIRResourceType: true,// each line must parse and match type
  ndjsonValidateFHIRResourceCount: true,
  downloadAttachments: false,          // do not follow DocumentReference urls
  log: { enabled: true, file: e.BDC_OUT + "/client-log.ndjson", logStatusProgress: true }
};
// The config embeds the private key: keep it owner-only.
const path = e.BDC_OUT + "/bulk-client-config.json";
fs.writeFileSync(path, JSON.stringify(cfg, null, 2));
fs.chmodSync(path, 0o600);
'

# Node >= 19 makes the global http(s) agent keep-alive; with it got 11's
# "cache" option (used for GET BASE/metadata) never settles, and the client
# silently exits 0 right after that request. Restore the Node 18 agents.
SHIM='data:text/javascript,import http from "node:http"; import https from "node:https";
http.globalAgent = new http.Agent({ keepAlive: false });
https.globalAgent = new https.Agent({ keepAlive: false });'
# SHOW_ERRORS / AUTO_RETRY_TRANSIENT_ERRORS pre-answer the prompts the client
# would otherwise open on /dev/tty; stdin is closed and a timeout bounds hangs.
echo "== bulk-data-client: level=$LEVEL base=$BASE_URL"
set +e
( cd "$CLIENT_DIR" && SHOW_ERRORS=y AUTO_RETRY_TRANSIENT_ERRORS=n \
  timeout "${BULK_CLIENT_TIMEOUT:-900}" node --import "$SHIM" built/app.js --config "$CONFIG" </dev/null ) 2>&1 \
  | tee "$OUT/client-output.txt"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || { echo "FAIL: bulk-data-client exited with $rc" >&2; exit 1; }

# List downloaded NDJSON (output at top level, error/ and deleted/ below).
# grep -c '' counts the last line too: the client writes no trailing newline.
echo "== downloaded NDJSON files (lines  file)"
n=0
while IFS= read -r f; do
  printf '%7d  %s\n' "$(grep -c '' "$f")" "${f#"$DL"/}"
  if [ "$(dirname "$f")" = "$DL" ]; then n=$((n + 1)); fi
done < <(find "$DL" -name '*.ndjson' | sort)
[ "$n" -gt 0 ] || { echo "FAIL: no output NDJSON file downloaded" >&2; exit 1; }
echo "OK: $n output file(s) downloaded and validated by bulk-data-client"
