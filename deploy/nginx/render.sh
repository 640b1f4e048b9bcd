#!/usr/bin/env bash
# Prints an nginx template of this folder with its ${NAME} placeholders filled:
#   deploy/nginx/render.sh vaahshare.conf.template LISTEN=80 UPSTREAM_SERVERS="$(deploy/nginx/upstream.sh 10.0.0.1:3000 10.0.0.2:3000)"
# A placeholder left without a value is an error, so a typo never reaches nginx.
set -euo pipefail
template="$(dirname "${BASH_SOURCE[0]}")/$1"
shift
text=$(<"$template")
for pair in "$@"; do
  text=${text//"\${${pair%%=*}}"/${pair#*=}}
done
if [[ $text =~ \$\{([A-Z_]+)\} ]]; then
  echo "error: no value for \${${BASH_REMATCH[1]}} in $template" >&2
  exit 1
fi
printf '%s\n' "$text"
