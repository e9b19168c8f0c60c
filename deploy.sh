#!/usr/bin/env bash
# Deploy workout-mcp to Fly.io, then smoke-test it. Safe to run again: it creates the app only when it
# does not exist, re-stages the secrets and deploys a new release.
#
#   ./deploy.sh            check inputs, create the app if missing, stage secrets, deploy, smoke-test
#   ./deploy.sh --dry-run  check the same inputs and print what would happen; changes nothing
#   ./deploy.sh --smoke-only  only smoke-test the release at BASE_URL (CI, after flyctl deploy)
#
# Inputs, each from the environment or else from fly.env (ENV_FILE overrides the path; the file is parsed,
# never sourced; the local server reads .env, never fly.env, so deploy settings cannot leak into `make
# run`): FLY_APP (default: `app` in fly.toml), FLY_ORG (for a new app), BASE_URL (default:
# https://<app>.fly.dev, must be https://; the smoke test runs against it), and the secrets SUPABASE_URL,
# SUPABASE_ANON_KEY, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, SECRET_KEY (required), SECRET_KEY_PREVIOUS,
# RATE_LIMIT_REDIS_URL (optional). Secret values reach flyctl on stdin only: they never appear in this
# script's output or in any process's arguments. SMOKE_RETRIES (default 5) bounds the smoke test's
# retries while a machine wakes up.
set -euo pipefail

REQUIRED_SECRETS=(SUPABASE_URL SUPABASE_ANON_KEY OAUTH_CLIENT_ID OAUTH_CLIENT_SECRET SECRET_KEY)
OPTIONAL_SECRETS=(SECRET_KEY_PREVIOUS RATE_LIMIT_REDIS_URL)

cd "$(dirname "$0")"
ENV_FILE="${ENV_FILE:-fly.env}"
FLY_CONFIG="${FLY_CONFIG:-fly.toml}"
DRY_RUN=0
SMOKE_ONLY=0

say() { printf '%s\n' "$*"; }
fail() { printf 'deploy.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
}

for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    --smoke-only) SMOKE_ONLY=1 ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'deploy.sh: unknown argument %s (try --help)\n' "$arg" >&2; exit 2 ;;
  esac
done

# A value from .env: the last `NAME=value` (or `export NAME=value`) line, one pair of quotes removed.
dotenv_get() {
  local name="$1" line value="" found=1
  [ -f "$ENV_FILE" ] || return 1
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    line="${line#export }"
    case "$line" in
      "$name="*)
        value="${line#"$name="}"
        case "$value" in
          \"*\") value="${value#\"}"; value="${value%\"}" ;;
          \'*\') value="${value#\'}"; value="${value%\'}" ;;
        esac
        found=0
        ;;
    esac
  done < "$ENV_FILE"
  [ "$found" = 0 ] || return 1
  printf '%s' "$value"
}

# The environment wins over .env; empty counts as unset.
setting() {
  local name="$1"
  if [ -n "${!name:-}" ]; then
    printf '%s' "${!name}"
  else
    dotenv_get "$name" || true
  fi
}

# --- flyctl ---------------------------------------------------------------------------------------------
if command -v flyctl > /dev/null 2>&1; then
  FLY=flyctl
elif command -v fly > /dev/null 2>&1; then
  FLY=fly
else
  fail "flyctl is not installed. Install it as described at https://fly.io/docs/flyctl/install/
(for example 'brew install flyctl' on macOS), run 'flyctl auth login', then run ./deploy.sh again."
fi

# --- inputs ---------------------------------------------------------------------------------------------
APP="$(setting FLY_APP)"
if [ -z "$APP" ]; then
  [ -f "$FLY_CONFIG" ] || fail "no FLY_APP and no $FLY_CONFIG to read the app name from"
  APP="$(sed -n -E 's/^app[[:space:]]*=[[:space:]]*["'\'']([^"'\'']+)["'\''].*/\1/p' "$FLY_CONFIG" | head -n 1)"
fi
[ -n "$APP" ] || fail "cannot tell the app name: set FLY_APP or 'app' in $FLY_CONFIG"
ORG="$(setting FLY_ORG)"
BASE_URL="$(setting BASE_URL)"
BASE_URL="${BASE_URL:-https://$APP.fly.dev}"
BASE_URL="${BASE_URL%/}"
# https only; plain http is accepted for a loopback address alone, where the smoke checks can be tried
# against a server on this machine (nothing on Fly is reachable that way).
if ! [[ "$BASE_URL" =~ ^https://[^/[:space:]]+$ || "$BASE_URL" =~ ^http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?$ ]]; then
  fail "BASE_URL must start with https:// (it is the server's public origin, without a path), not '$BASE_URL'"
fi

# --smoke-only needs only the app and BASE_URL: skip the secrets, the app and the deploy.
if [ "$SMOKE_ONLY" = 0 ]; then
problems=()
staged_names=()
secrets_payload=""
for name in "${REQUIRED_SECRETS[@]}" "${OPTIONAL_SECRETS[@]}"; do
  value="$(setting "$name")"
  if [ -z "$value" ]; then
    case " ${REQUIRED_SECRETS[*]} " in
      *" $name "*) problems+=("$name: missing") ;;
    esac
    continue
  fi
  # flyctl's NAME=VALUE parser strips quotes and '#' comments; refuse rather than store a changed value.
  case "$value" in
    *[[:space:]\"\'\#\\]*)
      problems+=("$name: contains whitespace, a quote, '#' or '\\'; set it by hand with 'flyctl secrets set'")
      continue
      ;;
  esac
  case "$name" in
    SECRET_KEY | SECRET_KEY_PREVIOUS)
      if [ "${#value}" -lt 43 ]; then
        problems+=("$name: too short, needs 43+ characters (python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
        continue
      fi
      ;;
  esac
  staged_names+=("$name")
  secrets_payload+="$name=$value"$'\n'
done

if [ "${#problems[@]}" -gt 0 ]; then
  {
    say "deploy.sh: refusing to deploy $APP; fix these in the environment or in $ENV_FILE:"
    for problem in "${problems[@]}"; do say "  - $problem"; done
    say "(.env.example lists every setting; docs/deploy.md explains where each value comes from.)"
    if [ ! -f "$ENV_FILE" ] && [ -f .env ]; then
      say "(deploy settings are read from $ENV_FILE, not .env, which is the local server's: mv .env $ENV_FILE)"
    fi
  } >&2
  exit 1
fi

# --- the app --------------------------------------------------------------------------------------------
if ! app_list="$("$FLY" apps list 2> /dev/null)"; then
  fail "'$FLY apps list' failed: are you logged in? Run '$FLY auth login'."
fi
if printf '%s\n' "$app_list" | awk 'NR > 1 { print $1 }' | grep -Fxq -- "$APP"; then
  app_exists=1
else
  app_exists=0
fi

create_cmd=("$FLY" apps create "$APP")
[ -n "$ORG" ] && create_cmd+=(--org "$ORG")
deploy_cmd=("$FLY" deploy --app "$APP" --config "$FLY_CONFIG" --ha=false --env "BASE_URL=$BASE_URL")

if [ "$DRY_RUN" = 1 ]; then
  say "dry run for $APP (nothing is changed)"
  if [ "$app_exists" = 1 ]; then
    say "  app $APP exists: would not create it"
  else
    say "  would run: ${create_cmd[*]}"
  fi
  say "  would stage secrets (values not shown): ${staged_names[*]}"
  say "  would run: ${deploy_cmd[*]}"
  say "  would smoke-test $BASE_URL"
  exit 0
fi

if [ "$app_exists" = 1 ]; then
  say "app $APP exists"
else
  say "creating app $APP"
  "${create_cmd[@]}"
fi

say "staging secrets: ${staged_names[*]}"
printf '%s' "$secrets_payload" | "$FLY" secrets import --stage --app "$APP"
unset secrets_payload

say "deploying $APP (BASE_URL=$BASE_URL)"
"${deploy_cmd[@]}"

fi # SMOKE_ONLY

# --- smoke test -----------------------------------------------------------------------------------------
say "smoke-testing $BASE_URL"
failures=0
check() {
  if [ "$1" = ok ]; then say "  ok    $2"; else say "  FAIL  $2"; failures=$((failures + 1)); fi
}

# The first request may wake a suspended or stopped machine: retry connection failures briefly.
SMOKE_RETRIES="${SMOKE_RETRIES:-5}"
CURL=(curl --silent --show-error --max-time 30 --retry "$SMOKE_RETRIES" --retry-connrefused --retry-delay 2)

json_field() {
  tr -d '\n' | sed -n -E "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"([^\"]*)\".*/\\1/p"
}

status="$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE_URL/health" || true)"
if [ "$status" = 200 ]; then
  check ok "GET /health -> 200"
else
  check fail "GET /health -> $status (expected 200)"
  fail "the server does not answer at $BASE_URL; see '$FLY logs --app $APP'"
fi

body_file="$(mktemp)"
headers_file="$(mktemp)"
trap 'rm -f "$body_file" "$headers_file"' EXIT

status="$("${CURL[@]}" -o "$body_file" -w '%{http_code}' "$BASE_URL/.well-known/oauth-protected-resource/mcp" || true)"
resource="$(json_field resource < "$body_file")"
if [ "$status" = 200 ] && [ "$resource" = "$BASE_URL/mcp" ]; then
  check ok "protected-resource metadata: resource = $resource"
else
  check fail "protected-resource metadata -> $status, resource '$resource' (expected 200, '$BASE_URL/mcp')"
fi

status="$("${CURL[@]}" -o "$body_file" -w '%{http_code}' "$BASE_URL/.well-known/oauth-authorization-server" || true)"
issuer="$(json_field issuer < "$body_file")"
if [ "$status" = 200 ] && [ "$issuer" = "$BASE_URL" ]; then
  check ok "authorization-server metadata: issuer = $issuer"
else
  check fail "authorization-server metadata -> $status, issuer '$issuer' (expected 200, '$BASE_URL')"
fi

status="$("${CURL[@]}" -o /dev/null -D "$headers_file" -w '%{http_code}' -X POST "$BASE_URL/mcp" \
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
  --data '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}' || true)"
if [ "$status" = 401 ] && grep -qi '^www-authenticate:.*resource_metadata' "$headers_file"; then
  check ok "unauthenticated POST /mcp -> 401 with WWW-Authenticate resource_metadata"
else
  check fail "unauthenticated POST /mcp -> $status (expected 401 with WWW-Authenticate resource_metadata)"
fi

if [ "$failures" -gt 0 ]; then
  fail "$failures smoke check(s) failed; see '$FLY logs --app $APP'"
fi
say "deployed: $BASE_URL/mcp (add it in Claude: Settings -> Connectors -> Add custom connector)"
