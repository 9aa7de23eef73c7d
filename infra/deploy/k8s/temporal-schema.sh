#!/usr/bin/env bash
# Creates (on the first run) and migrates (on every run after an upgrade) the two PostgreSQL
# databases of a Temporal server, `temporal` and `temporal_visibility`, with temporal-sql-tool
# and the versioned schema directories that ship in the temporalio/admin-tools image. Safe to
# run again: an existing database is kept and only newer schema versions are applied.
#
# Used by infra/deploy/compose.yaml (service `temporal-schema`) and by the Kubernetes Job in
# infra/deploy/k8s/temporal-schema-job.yaml. Run it with the admin-tools image of the same
# Temporal version as the server (infra/cluster/go.mod pins the version infra/cluster.sh builds).
#
#   POSTGRES_SEEDS   PostgreSQL host                     (required)
#   POSTGRES_USER    user that may create databases      (required)
#   POSTGRES_PWD     its password                        (required)
#   DB_PORT          port                                (default 5432)
#   SCHEMA_DIR       the image's PostgreSQL schemas      (default /etc/temporal/schema/postgresql/v12)
set -euo pipefail

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS must name the PostgreSQL host}"
: "${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${POSTGRES_PWD:?POSTGRES_PWD must be set}"
port="${DB_PORT:-5432}"
schemas="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

sql_tool() {
  temporal-sql-tool --pl postgres12 --ep "$POSTGRES_SEEDS" -p "$port" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

for pair in temporal:temporal temporal_visibility:visibility; do
  database="${pair%%:*}"
  dir="$schemas/${pair##*:}/versioned"
  if [ ! -d "$dir" ]; then
    echo "temporal-schema: no schema directory $dir in this image" >&2
    exit 1
  fi
  # Not fatal by itself: the database exists on every run after the first. A real problem
  # (credentials, host) fails the next step, with temporal-sql-tool's own message.
  sql_tool --db "$database" create-database 2>/dev/null || echo "temporal-schema: $database exists"
  sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$dir"
  echo "temporal-schema: $database at the image's newest schema version"
done
