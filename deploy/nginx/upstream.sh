#!/usr/bin/env bash
# Prints the `server` lines of the upstream block for the given node addresses (host:port ...).
# A node that refuses a connection is skipped for 5 s; its clients reconnect to the others meanwhile.
set -euo pipefail
for node in "$@"; do
  printf '    server %s max_fails=1 fail_timeout=5s;\n' "$node"
done
