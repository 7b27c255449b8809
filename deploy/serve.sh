#!/usr/bin/env bash
# Serve Optimizer Lab from K Streamlit processes behind nginx, with sticky sessions, on this
# machine. Installs nothing and changes no global configuration: nginx gets a config written to
# a fresh temporary directory (from deploy/nginx.conf.template) and runs as this script's child.
# Ctrl-C or TERM stops nginx and every Streamlit process; so does any one of them exiting.
#
#   deploy/serve.sh [-k K] [--port PORT] [--address ADDR] [--backend-ports P1,P2,...]
#                   [--app FILE] [--keep-logs] [-- EXTRA STREAMLIT ARGS...]
#
#   -k K             Streamlit processes (default 2: one per core on a 2-core machine)
#   --port PORT      where nginx listens (default 8500)
#   --address ADDR   nginx's listen address (default 127.0.0.1; 0.0.0.0 for a class on the LAN)
#   --backend-ports  the processes' ports on 127.0.0.1 (default 8601, 8602, ...)
#   --app FILE       the Streamlit script (default dashboard.py)
#   --keep-logs      keep the temporary directory (nginx and Streamlit logs) after stopping
#
# Needs nginx (Debian: sudo apt-get install -y nginx; only the binary is used, the packaged
# service may stay disabled). Prints "backend <i>: pid <pid> <url>" per process, then
# "URL <url>" once the app answers through nginx.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT=$PWD
TEMPLATE="$REPO_ROOT/deploy/nginx.conf.template"
PY=${PYTHON:-python3}
K=2
PORT=8500
ADDRESS=127.0.0.1
BACKEND_PORTS=""
APP=dashboard.py
KEEP_LOGS=0
EXTRA=()
# Request bodies nginx accepts, in MB: server.maxUploadSize (.streamlit/config.toml) + 1 MB
# for the multipart framing.
MAX_UPLOAD_MB=$("$PY" - <<'EOF' 2>/dev/null || echo 200
import tomllib
with open(".streamlit/config.toml", "rb") as f:
    print(tomllib.load(f).get("server", {}).get("maxUploadSize", 200))
EOF
)

usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        -k|--processes) K=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --address) ADDRESS=$2; shift 2 ;;
        --backend-ports) BACKEND_PORTS=$2; shift 2 ;;
        --app) APP=$2; shift 2 ;;
        --keep-logs) KEEP_LOGS=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) echo "serve.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ $K =~ ^[1-9][0-9]?$ ]] || { echo "serve.sh: -k must be 1..99" >&2; exit 2; }
if [ -z "$BACKEND_PORTS" ]; then
    BACKEND_PORTS=$(seq -s, 8601 $((8600 + K)))
fi
IFS=, read -r -a PORTS <<<"$BACKEND_PORTS"
[ "${#PORTS[@]}" -eq "$K" ] || { echo "serve.sh: need $K backend ports" >&2; exit 2; }

NGINX=${NGINX:-$(command -v nginx || true)}
[ -n "$NGINX" ] || { [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx; }
if [ -z "$NGINX" ] || [ ! -x "$NGINX" ]; then
    echo "serve.sh: nginx not found. Install it first: sudo apt-get install -y nginx" >&2
    exit 1
fi

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/optimizer-lab-serve.XXXXXX")
chmod 755 "$RUN_DIR"  # nginx workers (user nobody when started as root) use the temp dirs
PIDS=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    local failed=0
    case $rc in 0|130|143) ;; *) failed=1 ;; esac
    if [ "$KEEP_LOGS" = 1 ] || [ "$failed" = 1 ]; then
        echo "serve.sh: logs kept in $RUN_DIR" >&2
    else
        rm -rf "$RUN_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One secret for every process: signed cookies (st.login) must verify on any of them.
export STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$("$PY" -c \
    'import secrets; print(secrets.token_hex(32))')}

: >"$RUN_DIR/upstreams.conf"
for i in "${!PORTS[@]}"; do
    port=${PORTS[$i]}
    echo "server 127.0.0.1:$port;" >>"$RUN_DIR/upstreams.conf"
    "$PY" -m streamlit run "$APP" \
        --server.address 127.0.0.1 --server.port "$port" \
        --server.headless true --server.fileWatcherType none \
        --browser.gatherUsageStats false "${EXTRA[@]}" \
        </dev/null >"$RUN_DIR/streamlit-$port.log" 2>&1 &
    PIDS+=($!)
    echo "backend $((i + 1)): pid $! http://127.0.0.1:$port/"
done

sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@LISTEN@|$ADDRESS:$PORT|g" \
    -e "s|@MAX_BODY@|$((MAX_UPLOAD_MB + 1))m|g" "$TEMPLATE" >"$RUN_DIR/nginx.conf"
"$NGINX" -t -q -e "$RUN_DIR/error.log" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf"

wait_healthy() {  # URL TIMEOUT_S: until GET URL/_stcore/health answers 200
    "$PY" - "$1" "$2" <<'EOF'
import sys, time, urllib.request

url, timeout = sys.argv[1].rstrip("/") + "/_stcore/health", float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, no proxy
deadline = time.monotonic() + timeout
while True:
    try:
        with opener.open(url, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit(f"serve.sh: {url} not healthy after {timeout:.0f} s")
    time.sleep(0.2)
EOF
}
for port in "${PORTS[@]}"; do wait_healthy "http://127.0.0.1:$port" 90; done

"$NGINX" -e "$RUN_DIR/error.log" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" </dev/null &
PIDS+=($!)
echo "nginx: pid $! (config and logs in $RUN_DIR)"
HOST=$ADDRESS
[ "$HOST" = 0.0.0.0 ] && HOST=127.0.0.1
wait_healthy "http://$HOST:$PORT" 30
echo "Optimizer Lab: $K Streamlit processes behind nginx. Ctrl-C stops everything."
echo "URL http://$HOST:$PORT/"

# Stay in the foreground until a signal arrives or one of the processes exits.
set +e
wait -n "${PIDS[@]}"
echo "serve.sh: a process exited (code $?); stopping the others" >&2
exit 1
