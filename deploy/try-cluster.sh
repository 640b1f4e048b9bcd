#!/usr/bin/env bash
# Try VaahShare as a cluster on one machine: PostgreSQL, Redis, two server nodes sharing one DATA_DIR,
# and nginx in front of them — all private to RUN_DIR (kept between runs), stopped together with Ctrl-C.
#
#   deploy/try-cluster.sh            # then open http://localhost:8080
#
# Settings (env): RUN_DIR (./cluster-tryout), LISTEN (8080), NODE_PORTS ("3001 3002"), PG_PORT (5433),
# REDIS_PORT (6380). Needs Debian's postgresql, redis-server and nginx (installed here when run as root).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR=$(mkdir -p "${RUN_DIR:-$ROOT/cluster-tryout}" && cd "${RUN_DIR:-$ROOT/cluster-tryout}" && pwd)
LISTEN=${LISTEN:-8080}
read -r -a NODE_PORTS <<<"${NODE_PORTS:-3001 3002}"
PG_PORT=${PG_PORT:-5433}
REDIS_PORT=${REDIS_PORT:-6380}
PIDS=()
NODE_PIDS=()

say() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- Debian packages ----------------------------------------------------------------------------------
missing=()
for pkg in postgresql redis-server nginx; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || fail "missing Debian packages: run  sudo apt-get install ${missing[*]}  and start again"
  say "Installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ -d "$ROOT/node_modules" ] || fail "run  npm install  in $ROOT first"
(cd "$ROOT" && npm run --silent build) || fail "the build failed (see above)"

stop_all() {
  say "Stopping the cluster"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -m fast -w stop >/dev/null 2>&1 || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- PostgreSQL (initdb refuses to run as root: the cluster belongs to `postgres` then) -----------------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "$(id -u)" -eq 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi
if [ ! -f "$RUN_DIR/pg/PG_VERSION" ]; then
  say "Creating a PostgreSQL cluster in $RUN_DIR/pg"
  mkdir -p "$RUN_DIR/pg"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$RUN_DIR/pg"; fi
  chmod 700 "$RUN_DIR/pg"
  as_pg "$PG_BIN/initdb" -D "$RUN_DIR/pg" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi
say "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -l "$RUN_DIR/pg/postgres.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -k /tmp" start >/dev/null || fail "PostgreSQL did not start: see $RUN_DIR/pg/postgres.log"
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname = 'vaahshare'" | grep -q 1 \
  || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc 'create database vaahshare'

# --- Redis ----------------------------------------------------------------------------------------------
say "Starting Redis on 127.0.0.1:$REDIS_PORT"
mkdir -p "$RUN_DIR/redis"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$RUN_DIR/redis" --logfile "$RUN_DIR/redis/redis.log" &
PIDS+=($!)
until redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; do sleep 0.2; done

# --- Server nodes: one after the other, so the first one creates the admin and prints the login --------
for port in "${NODE_PORTS[@]}"; do
  say "Starting node tryout-$port on 127.0.0.1:$port (log: $RUN_DIR/node-$port.log)"
  (cd "$ROOT" && exec env DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/vaahshare" REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
    DATA_DIR="$RUN_DIR/data" HOST=127.0.0.1 PORT="$port" NODE_ID="tryout-$port" node --enable-source-maps --max-semi-space-size=6 --heap-growing-percent=40 packages/server/dist/main.js) \
    >"$RUN_DIR/node-$port.log" 2>&1 &
  PIDS+=($!)
  NODE_PIDS+=("$port: pid $!")
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || fail "node on port $port did not start: see $RUN_DIR/node-$port.log"
  grep -v '^{' "$RUN_DIR/node-$port.log" | sed "s|http://127.0.0.1:$port|http://localhost:$LISTEN|g" || true
done

# --- nginx in front ---------------------------------------------------------------------------------------
say "Starting nginx on port $LISTEN"
mkdir -p "$RUN_DIR/nginx/tmp"
chmod 777 "$RUN_DIR/nginx/tmp" # a root master's workers run as nobody
nodes=()
for port in "${NODE_PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
"$ROOT/deploy/nginx/render.sh" vaahshare.conf.template LISTEN="$LISTEN" UPSTREAM_SERVERS="$("$ROOT/deploy/nginx/upstream.sh" "${nodes[@]}")" >"$RUN_DIR/nginx/vaahshare.conf"
"$ROOT/deploy/nginx/render.sh" standalone.conf.template RUN_DIR="$RUN_DIR/nginx" >"$RUN_DIR/nginx/nginx.conf"
nginx -e "$RUN_DIR/nginx/error.log" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
until curl -fs "http://127.0.0.1:$LISTEN/healthz" >/dev/null; do sleep 0.2; done

say "VaahShare runs on http://localhost:$LISTEN (nodes ${NODE_PORTS[*]} behind nginx). Ctrl-C stops everything."
say "Nodes: ${NODE_PIDS[*]}. Try a node's death with kill -9 <pid>: its clients move to the other node."
wait
