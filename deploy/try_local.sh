#!/usr/bin/env bash
# Try deploy/nginx.conf on this machine: the app processes it lists (127.0.0.1:8501 and
# :8502) behind nginx on 127.0.0.1:8080, then print evidence and a PASS/FAIL summary.
#   (a) /_stcore/health answers 200 through the proxy
#   (b) each client address always reaches the same app process, and different clients,
#       also within one /24, are spread over all of them (clients bound to 127.x.y.z,
#       all of 127/8 being loopback on Linux); for comparison the same clients against
#       the same config with ip_hash instead, on the next port (information only)
#   (c) a real browser session through the proxy: deploy/check_proxy.py (Chromium)
#   (d) the page, its websocket and its upload all went to one process (nginx's log)
#   (e) a body over client_max_body_size (5m) is refused by nginx with 413
# Installs nginx with apt-get if it is missing. Stops everything it started on exit.
# Usage: deploy/try_local.sh          PYTHON=/path/to/python deploy/try_local.sh
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONF="$ROOT/deploy/nginx.conf"
cd "$ROOT"

if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
PREFIX="$(mktemp -d /tmp/rnnviz-nginx.XXXXXX)"
APP_PIDS=()
NGINX_PIDFILES=()
CHECKS=()   # "PASS text" / "FAIL text"

say() { printf '%s\n' "$*"; }
die() { say "FAIL setup: $*"; exit 2; }
record() {  # record OK|FAIL "what"
  if [ "$1" = ok ]; then CHECKS+=("PASS $2"); say "PASS $2"; else CHECKS+=("FAIL $2"); say "FAIL $2"; fi
}

cleanup() {
  local rc=$? pidfile pid
  for pidfile in "${NGINX_PIDFILES[@]}"; do
    if [ -s "$pidfile" ]; then
      pid="$(cat "$pidfile")"
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  for pid in "${APP_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${APP_PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  if { [ "$rc" -eq 0 ] && [ -z "${KEEP:-}" ]; } || [ -z "$(ls -A "$PREFIX/logs" 2>/dev/null)" ]; then
    rm -rf "$PREFIX"
  else
    say "logs kept in $PREFIX/logs (app-*.log, error.log, access.log)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- nginx, installed if missing ---------------------------------------------------------
NGINX="$(command -v nginx || true)"
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
  say "nginx is missing: installing it with apt-get"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "nginx is missing; run as root or: apt-get install -y nginx"
    SUDO=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get install -y nginx \
    || { "${SUDO[@]}" apt-get update && "${SUDO[@]}" apt-get install -y nginx; } \
    || die "apt-get install -y nginx failed"
  NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
  [ -x "$NGINX" ] || die "nginx still missing after apt-get"
fi

# --- what the config says ------------------------------------------------------------------
PROXY_PORT="$(sed -n 's/^ *listen *\(127\.0\.0\.1:\)\{0,1\}\([0-9][0-9]*\);.*/\2/p' "$CONF" | head -1)"
mapfile -t BACKENDS < <(sed -n 's/^ *server *127\.0\.0\.1:\([0-9][0-9]*\).*;.*/\1/p' "$CONF")
[ -n "$PROXY_PORT" ] || die "no 'listen [127.0.0.1:]PORT;' line in $CONF"
[ "${#BACKENDS[@]}" -ge 2 ] || die "fewer than two 'server 127.0.0.1:PORT;' lines in $CONF"
IPHASH_PORT=$((PROXY_PORT + 1))
PROXY="http://127.0.0.1:$PROXY_PORT"

say "== rnnviz behind nginx, tried locally: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(uname -n)"
say "nginx:   $("$NGINX" -v 2>&1 | sed 's/^nginx version: //') ($NGINX)"
say "python:  $PYTHON ($("$PYTHON" -c 'import platform, streamlit; print(platform.python_version(), "streamlit", streamlit.__version__)' 2>&1 | tail -1))"
say "config:  $CONF (prefix $PREFIX)"
say "apps:    ${BACKENDS[*]/#/127.0.0.1:}   proxy: $PROXY   ip_hash comparison: 127.0.0.1:$IPHASH_PORT"
"$PYTHON" -c 'import streamlit, playwright' 2>/dev/null \
  || die "$PYTHON cannot import streamlit and playwright (set PYTHON=...)"
for port in "${BACKENDS[@]}" "$PROXY_PORT" "$IPHASH_PORT"; do
  port_in_use "$port" && die "127.0.0.1:$port is already in use; stop what listens there first"
done

# --- app processes -----------------------------------------------------------------------
mkdir -p "$PREFIX/logs" "$PREFIX/tmp"
chmod 755 "$PREFIX"  # nginx workers (nobody, when started as root) use $PREFIX/tmp
for port in "${BACKENDS[@]}"; do
  OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" \
    "$PYTHON" -m rnnviz.serve --server.port "$port" --server.address 127.0.0.1 \
    --server.headless true >"$PREFIX/logs/app-$port.log" 2>&1 &
  APP_PIDS+=("$!")
done
for i in "${!BACKENDS[@]}"; do
  port="${BACKENDS[$i]}"
  for _ in $(seq 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/_stcore/health")" = 200 ] && break
    kill -0 "${APP_PIDS[$i]}" 2>/dev/null || { cat "$PREFIX/logs/app-$port.log"; die "app on :$port exited"; }
    sleep 0.5
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/_stcore/health")" = 200 ] \
    || die "app on :$port not healthy after 120 s"
  say "app 127.0.0.1:$port healthy (pid ${APP_PIDS[$i]})"
done

# --- nginx: the config as it is, and the ip_hash variant for comparison ---------------------
sed -e 's/^\( *\)hash \$remote_addr consistent;/\1ip_hash;/' \
    -e "s/^\( *listen *\(127\.0\.0\.1:\)\{0,1\}\)$PROXY_PORT;/\1$IPHASH_PORT;/" \
    -e 's#^pid logs/nginx.pid;#pid logs/nginx-iphash.pid;#' \
    -e 's#access_log logs/access.log#access_log logs/access-iphash.log#' "$CONF" >"$PREFIX/nginx-iphash.conf"
grep -q '^ *ip_hash;' "$PREFIX/nginx-iphash.conf" || die "could not derive the ip_hash variant"
NGINX_PIDFILES=("$PREFIX/logs/nginx.pid" "$PREFIX/logs/nginx-iphash.pid")  # for cleanup
for conf in "$CONF" "$PREFIX/nginx-iphash.conf"; do
  "$NGINX" -t -q -p "$PREFIX/" -c "$conf" -e "$PREFIX/logs/error.log" \
    || die "nginx -t rejected $conf (see $PREFIX/logs/error.log)"
  "$NGINX" -p "$PREFIX/" -c "$conf" -e "$PREFIX/logs/error.log" || die "nginx did not start with $conf"
done
say "nginx started: $NGINX -p $PREFIX/ -c $CONF -e $PREFIX/logs/error.log"
for _ in $(seq 50); do port_in_use "$PROXY_PORT" && port_in_use "$IPHASH_PORT" && break; sleep 0.1; done

# --- (a) health through the proxy ---------------------------------------------------------
say ""
say "-- (a) health through the proxy"
out="$(curl -s -D - -o /dev/null "$PROXY/_stcore/health")"
code="$(printf '%s' "$out" | sed -n 's/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' | head -1)"
up="$(printf '%s' "$out" | tr -d '\r' | sed -n 's/^[Xx]-[Uu]pstream: //p')"
say "GET $PROXY/_stcore/health -> $code (X-Upstream: $up)"
[ "$code" = 200 ] && record ok "(a) /_stcore/health through nginx answers 200" \
                  || record fail "(a) /_stcore/health through nginx answered '$code'"

# --- (b) stickiness by client address ------------------------------------------------------
CLIENTS=(127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 127.0.0.8
         127.0.1.1 127.0.2.1 127.0.3.1 127.0.4.1 127.0.5.1 127.0.6.1)
REPEAT=4
declare -A GOT
distribution() {  # distribution URL LABEL: fills GOT[client]="up up up up", prints a table
  local url="$1" client n ups u
  for client in "${CLIENTS[@]}"; do
    ups=()
    for n in $(seq "$REPEAT"); do
      u="$(curl -s -o /dev/null -D - --interface "$client" "$url/_stcore/health" \
           | tr -d '\r' | sed -n 's/^[Xx]-[Uu]pstream: //p')"
      ups+=("${u:-none}")
    done
    GOT[$client]="${ups[*]}"
    printf '  %-10s -> %s\n' "$client" "${ups[*]}"
  done
}
summary() {  # one line per backend: how many clients, and which
  local b client list
  for b in "${BACKENDS[@]}"; do
    list=()
    for client in "${CLIENTS[@]}"; do
      [ "${GOT[$client]%% *}" = "127.0.0.1:$b" ] && list+=("$client")
    done
    printf '  127.0.0.1:%s <- %2d clients: %s\n' "$b" "${#list[@]}" "${list[*]}"
  done
}
say ""
say "-- (b) which app process each client address reaches ($REPEAT requests each), nginx.conf"
say "   (hash \$remote_addr consistent)"
distribution "$PROXY"
summary
sticky=ok; used=(); used24=()
for client in "${CLIENTS[@]}"; do
  read -r -a ups <<<"${GOT[$client]}"
  for u in "${ups[@]}"; do [ "$u" = "${ups[0]}" ] && [ "$u" != none ] || sticky=fail; done
  used+=("${ups[0]}")
  case "$client" in 127.0.0.*) used24+=("${ups[0]}") ;; esac
done
n_used="$(printf '%s\n' "${used[@]}" | sort -u | wc -l)"
n_used24="$(printf '%s\n' "${used24[@]}" | sort -u | wc -l)"
HASH_LOCALHOST="${GOT[127.0.0.1]%% *}"  # where the browser (127.0.0.1) should land in (c)
record "$sticky" "(b) sticky: each of ${#CLIENTS[@]} client addresses got the same app process on all $REPEAT requests"
[ "$n_used" -eq "${#BACKENDS[@]}" ] && r=ok || r=fail
record "$r" "(b) spread: the ${#CLIENTS[@]} clients use $n_used of ${#BACKENDS[@]} app processes"
[ "$n_used24" -ge 2 ] && r=ok || r=fail
record "$r" "(b) one /24: the ${#used24[@]} clients in 127.0.0.0/24 use $n_used24 app processes"

say ""
say "-- for comparison, the same clients with ip_hash instead (127.0.0.1:$IPHASH_PORT)"
distribution "http://127.0.0.1:$IPHASH_PORT"
summary
used24=()
for client in "${CLIENTS[@]}"; do
  case "$client" in 127.0.0.*) used24+=("${GOT[$client]%% *}") ;; esac
done
n_iphash24="$(printf '%s\n' "${used24[@]}" | sort -u | wc -l)"
if [ "$n_iphash24" -eq 1 ]; then
  say "INFO ip_hash pitfall reproduced: all ${#used24[@]} clients in 127.0.0.0/24 -> ${used24[0]}"
else
  say "INFO ip_hash pitfall NOT reproduced: 127.0.0.0/24 clients used $n_iphash24 processes"
fi

# --- (c) a real browser session through the proxy -------------------------------------------
say ""
say "-- (c) Chromium through the proxy: deploy/check_proxy.py $PROXY"
if "$PYTHON" deploy/check_proxy.py "$PROXY"; then
  record ok "(c) browser session through nginx: page, websocket, Play/Pause, upload, no exception"
else
  record fail "(c) browser session through nginx (see the browser lines above)"
fi

# --- (d) the browser's requests in nginx's access log ----------------------------------------
say ""
say "-- (d) the browser's requests as nginx logged them"
sleep 1  # a websocket is logged when it closes
BROWSER_REQUESTS='"(GET /train |GET /_stcore/stream |PUT /_stcore/upload_file/)'
grep -E "$BROWSER_REQUESTS" "$PREFIX/logs/access.log" \
  | sed -e 's#/_stcore/upload_file/[^ ]*#/_stcore/upload_file/<session>/<file>#' -e 's/^/  /'
mapfile -t ups < <(grep -E "$BROWSER_REQUESTS" "$PREFIX/logs/access.log" \
                     | sed -n 's/.* upstream=\([^ ]*\) .*/\1/p' | sort -u)
kinds="$(grep -cE '"GET /_stcore/stream ' "$PREFIX/logs/access.log")/$(grep -cE '"PUT /_stcore/upload_file/' "$PREFIX/logs/access.log")"
if [ "${#ups[@]}" -eq 1 ] && [ "${kinds%/*}" -ge 1 ] && [ "${kinds#*/}" -ge 1 ]; then
  record ok "(d) page, websocket and upload of the browser all reached ${ups[0]} (in (b): 127.0.0.1 -> $HASH_LOCALHOST)"
else
  record fail "(d) browser requests reached: ${ups[*]:-nothing} (websocket/upload lines: $kinds)"
fi

# --- (e) client_max_body_size ----------------------------------------------------------------
say ""
say "-- (e) a 6 MiB upload (over client_max_body_size 5m, Streamlit's maxUploadSize = 5)"
head -c $((6 * 1024 * 1024)) /dev/zero >"$PREFIX/tmp/six-mib"
out="$(curl -s -D - -o "$PREFIX/tmp/413.html" -X PUT -H 'Expect:' --data-binary "@$PREFIX/tmp/six-mib" \
       "$PROXY/_stcore/upload_file/no-session/no-file")"
code="$(printf '%s' "$out" | sed -n 's/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' | head -1)"
up="$(printf '%s' "$out" | tr -d '\r' | sed -n 's/^[Xx]-[Uu]pstream: //p')"
say "PUT 6 MiB -> $code (X-Upstream: '${up}'; $(grep -o '<title>.*</title>' "$PREFIX/tmp/413.html"))"
[ "$code" = 413 ] && [ -z "$up" ] && record ok "(e) 6 MiB body refused by nginx itself with 413" \
  || record fail "(e) 6 MiB body: expected 413 from nginx, got '$code' (upstream '$up')"

# --- summary ---------------------------------------------------------------------------------
say ""
say "== summary"
failed=0
for c in "${CHECKS[@]}"; do say "$c"; [ "${c%% *}" = FAIL ] && failed=$((failed + 1)); done
if [ "$failed" -eq 0 ]; then
  say "RESULT: PASS (${#CHECKS[@]} checks)"
  exit 0
fi
say "RESULT: FAIL ($failed of ${#CHECKS[@]} checks failed)"
exit 1
