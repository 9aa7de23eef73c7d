#!/usr/bin/env bash
# Registers Code Factory's custom search attributes on a Temporal namespace (self-hosted
# or Temporal Cloud). The development server and the tests register them by themselves;
# a real namespace needs this once, before the first worker starts.
#
#   bash infra/register-search-attributes.sh
#
# Connection settings follow Temporal's own environment conventions (docs/deployment.md):
#   TEMPORAL_ADDRESS                  host:port of the frontend (CLI default: localhost:7233)
#   TEMPORAL_NAMESPACE                namespace to register on (default: default)
#   TEMPORAL_API_KEY                  API key (Temporal Cloud); read by the CLI from the
#                                     environment, never put on the command line
#   TEMPORAL_TLS                      true/1 or false/0
#   TEMPORAL_TLS_CLIENT_CERT_PATH     mTLS client certificate
#   TEMPORAL_TLS_CLIENT_KEY_PATH      mTLS client key
#   TEMPORAL_TLS_SERVER_CA_CERT_PATH  CA of the server certificate
#   TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE   a profile of a Temporal config file
#   REGISTER_WAIT_SECONDS             wait up to this long for the namespace to answer
#                                     (default 0: try once; compose sets it)
#
# Idempotent: an attribute that already exists with the right type is left alone; one that
# exists with another type, or any other error, fails the script (exit code 1).
# The list below must match ALL_SEARCH_ATTRIBUTES in packages/workflows/src/definitions.ts
# (tests/deploy checks it).
set -euo pipefail

ATTRIBUTES=(
  CodeFactoryRepository:Keyword
  CodeFactoryIssueNumber:Int
  CodeFactoryPhase:Keyword
  CodeFactoryBackend:Keyword
  CodeFactoryPhaseSince:Datetime
  CodeFactoryPaused:Bool
)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
namespace="${TEMPORAL_NAMESPACE:-default}"
wait_seconds="${REGISTER_WAIT_SECONDS:-0}"

log() { echo "[register-search-attributes] $*" >&2; }

# Connection flags, passed only when the matching variable is set.
conn=(--namespace "$namespace")
[ -n "${TEMPORAL_ADDRESS:-}" ] && conn+=(--address "$TEMPORAL_ADDRESS")
case "${TEMPORAL_TLS:-}" in
  true | 1) conn+=(--tls) ;;
  false | 0) conn+=(--tls=false) ;;
  "") ;;
  *)
    log "error: TEMPORAL_TLS must be true, false, 1 or 0"
    exit 1
    ;;
esac
[ -n "${TEMPORAL_TLS_CLIENT_CERT_PATH:-}" ] && conn+=(--tls-cert-path "$TEMPORAL_TLS_CLIENT_CERT_PATH")
[ -n "${TEMPORAL_TLS_CLIENT_KEY_PATH:-}" ] && conn+=(--tls-key-path "$TEMPORAL_TLS_CLIENT_KEY_PATH")
[ -n "${TEMPORAL_TLS_SERVER_CA_CERT_PATH:-}" ] && conn+=(--tls-ca-path "$TEMPORAL_TLS_SERVER_CA_CERT_PATH")
[ -n "${TEMPORAL_PROFILE:-}" ] && conn+=(--profile "$TEMPORAL_PROFILE")
[ -n "${TEMPORAL_CONFIG_FILE:-}" ] && conn+=(--config-file "$TEMPORAL_CONFIG_FILE")
# TEMPORAL_API_KEY stays in the environment: the CLI reads it there, and a key on the
# command line would show in every process listing.

temporal() { bash "$here/temporal-cli.sh" "$@"; }

# The namespace's current search attributes as JSON (retried while REGISTER_WAIT_SECONDS
# allows, so a server that is still starting gets time to come up).
list_attributes() {
  local deadline=$((SECONDS + wait_seconds)) out
  while true; do
    if out=$(temporal operator search-attribute list "${conn[@]}" --output json 2>&1); then
      printf '%s\n' "$out"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "error: cannot list search attributes of namespace $namespace:"
      printf '%s\n' "$out" >&2
      return 1
    fi
    log "namespace $namespace not answering yet; retrying"
    sleep 2
  done
}

# "KeywordList" -> "KEYWORD_LIST": the CLI's type name as the server's JSON spells it.
indexed_type() {
  echo "INDEXED_VALUE_TYPE_$(echo "$1" | sed -E 's/([a-z])([A-Z])/\1_\2/g' | tr '[:lower:]' '[:upper:]')"
}

existing_type() {
  local name=$1 json=$2
  printf '%s\n' "$json" | sed -nE "s/^[[:space:]]*\"$name\":[[:space:]]*\"(INDEXED_VALUE_TYPE_[A-Z_]+)\".*/\1/p" | head -n1
}

log "namespace $namespace at ${TEMPORAL_ADDRESS:-the default address (localhost:7233 or the profile)}"
current=$(list_attributes)

created=0
for entry in "${ATTRIBUTES[@]}"; do
  name=${entry%%:*}
  type=${entry#*:}
  want=$(indexed_type "$type")
  have=$(existing_type "$name" "$current")
  if [ "$have" = "$want" ]; then
    log "$name ($type): already registered"
    continue
  fi
  if [ -n "$have" ]; then
    log "error: $name already exists with type ${have#INDEXED_VALUE_TYPE_}, expected $type"
    exit 1
  fi
  if out=$(temporal operator search-attribute create "${conn[@]}" --name "$name" --type "$type" 2>&1); then
    log "$name ($type): created"
    created=$((created + 1))
  elif printf '%s' "$out" | grep -qi 'already exists' && ! printf '%s' "$out" | grep -qi 'different type'; then
    # Registered concurrently by someone else: fine.
    log "$name ($type): already registered"
  else
    log "error: creating $name ($type) failed:"
    printf '%s\n' "$out" >&2
    exit 1
  fi
done

# Verify: every attribute is now visible with its type.
current=$(list_attributes)
for entry in "${ATTRIBUTES[@]}"; do
  name=${entry%%:*}
  type=${entry#*:}
  if [ "$(existing_type "$name" "$current")" != "$(indexed_type "$type")" ]; then
    log "error: $name ($type) is not listed on namespace $namespace after registration"
    exit 1
  fi
done
log "done: $created created, $((${#ATTRIBUTES[@]} - created)) already present, namespace $namespace"
