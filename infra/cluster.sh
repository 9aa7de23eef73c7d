#!/usr/bin/env bash
# A local Temporal cluster on PostgreSQL: the real persistence and SQL visibility of a
# self-hosted deployment, instead of the dev server's SQLite (docs/development.md, "A Temporal
# cluster on PostgreSQL").
#   bash infra/cluster.sh up [--reset]   build (once), start PostgreSQL and Temporal (whichever
#                                        is not running), create the namespace, register the
#                                        search attributes
#   bash infra/cluster.sh down [--reset] stop both (--reset: and wipe their data)
#   bash infra/cluster.sh down temporal  stop only the Temporal server (`up` starts it again)
#   bash infra/cluster.sh down postgres  stop only PostgreSQL; Temporal keeps running and
#                                        reconnects once `up` starts it again (fault tests)
#   bash infra/cluster.sh status         what runs, with its pid
#
# The server is infra/cluster/main.go (go.temporal.io/server, postgres12 plugin), built with Go
# into the cache outside the clone (~/.cache/code-factory or $CODE_FACTORY_CACHE), keyed by
# its sources. PostgreSQL is Debian's (`apt-get install postgresql` when missing), run as the
# postgres user (when root) on a private port and socket directory.
#
#   CLUSTER_FRONTEND_PORT   frontend gRPC port (default 7233); the other services use the next
#                           ports (+1 history, +2 matching, +6 worker, +10..+16 membership)
#   CLUSTER_PG_PORT         PostgreSQL port on 127.0.0.1 (default 55432)
#   CLUSTER_DATA_DIR        data, sockets, logs and config (default /var/tmp/code-factory-cluster)
#   TEMPORAL_NAMESPACE      namespace to create (default: default)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
CACHE_ROOT="${CODE_FACTORY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/code-factory}"
FRONTEND_PORT="${CLUSTER_FRONTEND_PORT:-7233}"
PG_PORT="${CLUSTER_PG_PORT:-55432}"
DATA="${CLUSTER_DATA_DIR:-/var/tmp/code-factory-cluster}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
PGDATA="$DATA/pgdata"
RUN="$DATA/run"
CONF="$DATA/config"
ADDRESS="127.0.0.1:$FRONTEND_PORT"

log() { echo "[cluster] $*" >&2; }

# ---- the server binary ----------------------------------------------------------------------
binary() {
  local key dir
  key=$(cat "$here/cluster/go.mod" "$here/cluster/go.sum" "$here/cluster/main.go" | sha256sum | cut -c1-16)
  dir="$CACHE_ROOT/cluster/$key"
  if [[ ! -x "$dir/cluster" ]]; then
    command -v go >/dev/null 2>&1 || {
      log "error: Go is needed to build the cluster server once (https://go.dev/dl)"
      exit 1
    }
    mkdir -p "$dir"
    log "building infra/cluster with $(go version | cut -d' ' -f3) into $dir (minutes the first time)"
    local started=$SECONDS
    (cd "$here/cluster" && nice -n 10 go build -o "$dir/cluster.tmp" .) >&2
    mv "$dir/cluster.tmp" "$dir/cluster"
    log "built in $((SECONDS - started)) s"
  fi
  echo "$dir/cluster"
}

# ---- PostgreSQL -----------------------------------------------------------------------------
pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$bin" ]]; then
    if [[ $(id -u) -ne 0 ]]; then
      log "error: PostgreSQL is not installed; run: sudo apt-get install -y postgresql"
      exit 1
    fi
    log "installing PostgreSQL (apt-get)"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$bin"
}

# PostgreSQL refuses to run as root: as root it runs as the postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_up() {
  local bin
  bin=$(pg_bin)
  mkdir -p "$DATA" "$RUN" "$CONF"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$RUN" && chmod 755 "$DATA"; fi
  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    mkdir -p "$PGDATA"
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$PGDATA"; fi
    log "initdb in $PGDATA"
    # Only loopback connections, trusted: a development database.
    as_pg "$bin/initdb" -D "$PGDATA" -U temporal --auth=trust >"$RUN/initdb.log"
  fi
  if as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then return; fi
  as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$RUN/postgres.log" -w \
    -o "-p $PG_PORT -k $RUN -h 127.0.0.1 -c max_connections=200" start >/dev/null
  log "PostgreSQL on 127.0.0.1:$PG_PORT"
}

pg_down() {
  [[ -f "$PGDATA/PG_VERSION" ]] || return 0
  local bin
  bin=$(pg_bin)
  if as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
    log "PostgreSQL stopped"
  fi
}

# ---- schemas --------------------------------------------------------------------------------
schemas() {
  local cluster=$1 db schema
  for pair in temporal:temporal temporal_visibility:visibility; do
    db=${pair%%:*}
    schema=${pair##*:}
    local sql=(sql_tool "$cluster" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u temporal --db "$db")
    local exists
    exists=$(as_pg "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U temporal -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'")
    if [[ "$exists" != 1 ]]; then
      "${sql[@]}" create-database
      "${sql[@]}" setup-schema -v 0.0
    fi
    # Every start migrates to the schema of the server version built (a no-op when current).
    "${sql[@]}" update-schema --schema-name "postgresql/v12/$schema"
  done
  log "schemas up to date ($RUN/schema.log)"
}

# The SQL tool logs every statement: into a file, shown only when it fails.
sql_tool() {
  local cluster=$1
  shift
  if ! "$cluster" sql "$@" >>"$RUN/schema.log" 2>&1; then
    log "error: cluster sql $*; the end of $RUN/schema.log:"
    tail -n 20 "$RUN/schema.log" >&2
    exit 1
  fi
}

# ---- the Temporal server --------------------------------------------------------------------
write_config() {
  local p=$FRONTEND_PORT
  cp "$here/deploy/dynamicconfig/code-factory.yaml" "$CONF/dynamicconfig.yaml"
  cat >>"$CONF/dynamicconfig.yaml" <<EOF
# Added by infra/cluster.sh: search attributes registered a moment ago are usable at once.
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
EOF
  store() {
    cat <<EOF
      sql:
        pluginName: postgres12
        databaseName: $1
        connectAddr: 127.0.0.1:$PG_PORT
        connectProtocol: tcp
        user: temporal
        password: ""
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
EOF
  }
  cat >"$CONF/development.yaml" <<EOF
# Written by infra/cluster.sh at each start.
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
$(store temporal)
    visibility:
$(store temporal_visibility)
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: { grpcPort: $p, membershipPort: $((p + 10)), bindOnIP: 127.0.0.1, httpPort: $((p + 3)) }
  history:
    rpc: { grpcPort: $((p + 1)), membershipPort: $((p + 11)), bindOnIP: 127.0.0.1 }
  matching:
    rpc: { grpcPort: $((p + 2)), membershipPort: $((p + 12)), bindOnIP: 127.0.0.1 }
  worker:
    rpc: { grpcPort: $((p + 6)), membershipPort: $((p + 16)), bindOnIP: 127.0.0.1 }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:$p
      httpAddress: 127.0.0.1:$((p + 3))
dcRedirectionPolicy:
  policy: noop
archival:
  history: { state: disabled }
  visibility: { state: disabled }
namespaceDefaults:
  archival:
    history: { state: disabled }
    visibility: { state: disabled }
publicClient:
  hostPort: 127.0.0.1:$p
dynamicConfigClient:
  filepath: $CONF/dynamicconfig.yaml
  pollInterval: 10s
EOF
}

temporal_cli() { bash "$here/temporal-cli.sh" "$@"; }

server_up() {
  local cluster=$1
  if [[ -f "$RUN/temporal.pid" ]] && kill -0 "$(cat "$RUN/temporal.pid")" 2>/dev/null; then
    log "Temporal already running (pid $(cat "$RUN/temporal.pid"))"
  else
    write_config
    nohup "$cluster" serve "$CONF" >"$RUN/temporal.log" 2>&1 &
    echo $! >"$RUN/temporal.pid"
  fi
  local started=$SECONDS
  until temporal_cli operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$RUN/temporal.pid")" 2>/dev/null; then
      log "error: the Temporal server exited; its log:"
      tail -n 30 "$RUN/temporal.log" >&2
      exit 1
    fi
    if ((SECONDS - started > 120)); then
      log "error: the frontend did not answer on $ADDRESS within 120 s ($RUN/temporal.log)"
      exit 1
    fi
    sleep 1
  done
  log "Temporal frontend on $ADDRESS ($((SECONDS - started)) s after start)"
  if ! temporal_cli operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
    # A server whose PostgreSQL just came back may not read the namespace yet ("not found"),
    # and then refuses to create it again ("already exists"): it is there.
    local out
    if out=$(temporal_cli operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention 72h 2>&1); then
      log "namespace $NAMESPACE created"
    elif [[ $out != *"already exists"* ]]; then
      log "error: cannot create namespace $NAMESPACE: $out"
      exit 1
    fi
  fi
  TEMPORAL_ADDRESS="$ADDRESS" TEMPORAL_NAMESPACE="$NAMESPACE" REGISTER_WAIT_SECONDS=60 \
    bash "$here/register-search-attributes.sh" >&2
}

server_down() {
  [[ -f "$RUN/temporal.pid" ]] || return 0
  local pid
  pid=$(cat "$RUN/temporal.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$pid" 2>/dev/null || true
    log "Temporal stopped"
  fi
  rm -f "$RUN/temporal.pid"
}

reset=false
part=all
for arg in "${@:2}"; do
  case "$arg" in
    --reset) reset=true ;;
    temporal | postgres) part=$arg ;;
    *) log "unknown option $arg"; exit 2 ;;
  esac
done
if [[ $part != all && ( ${1:-} != down || $reset == true ) ]]; then
  log "only down takes a part (temporal or postgres), and not with --reset"
  exit 2
fi

case "${1:-}" in
  up)
    started=$SECONDS
    cluster=$(binary)
    if $reset; then
      server_down
      pg_down
      rm -rf "$DATA"
      log "data wiped ($DATA)"
    fi
    pg_up
    schemas "$cluster"
    server_up "$cluster"
    log "up in $((SECONDS - started)) s: TEMPORAL_ADDRESS=$ADDRESS"
    ;;
  down)
    [[ $part == postgres ]] || server_down
    [[ $part == temporal ]] || pg_down
    if $reset; then rm -rf "$DATA" && log "data wiped ($DATA)"; fi
    ;;
  status)
    if [[ -f "$RUN/temporal.pid" ]] && kill -0 "$(cat "$RUN/temporal.pid")" 2>/dev/null; then
      echo "temporal: running (pid $(cat "$RUN/temporal.pid")) on $ADDRESS"
    else
      echo "temporal: stopped"
    fi
    if [[ -f "$PGDATA/PG_VERSION" ]] && as_pg "$(pg_bin)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
      # The postmaster's pid is the first line of postmaster.pid.
      echo "postgresql: running (pid $(head -n 1 "$PGDATA/postmaster.pid")) on 127.0.0.1:$PG_PORT"
    else
      echo "postgresql: stopped"
    fi
    ;;
  *)
    sed -n '2,23p' "$0" >&2
    exit 2
    ;;
esac
