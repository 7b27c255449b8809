#!/usr/bin/env bash
# Serve Optimizer Lab from K Streamlit processes behind nginx, with sticky sessions, on this
# machine. Installs nothing and changes no global configuration: nginx gets a config written to
# a fresh private directory (from deploy/nginx.conf.template) and runs as this script's child.
# Ctrl-C or TERM stops nginx and every Streamlit process; so does any one of them exiting.
#
#   deploy/serve.sh [-k K] [--port PORT] [--address ADDR] [--backend-ports P1,P2,...]
#                   [--app FILE] [--user NAME] [--client-conns N] [--keep-logs]
#                   [--debug-upstream] [-- EXTRA STREAMLIT ARGS...]
#
#   -k K             Streamlit processes (default 2: one per core on a 2-core machine)
#   --port PORT      where nginx listens (default 8500)
#   --address ADDR   nginx's listen address (default 127.0.0.1; 0.0.0.0 for a class on the LAN)
#   --backend-ports  the processes' ports on 127.0.0.1 (default 8601, 8602, ...)
#   --app FILE       the Streamlit script (default dashboard.py)
#   --user NAME      started as root: the unprivileged user the Streamlit processes run as
#                    (default: the user who ran sudo, else nobody). Never root.
#   --client-conns N connections at once from one client address (default 300: a class of ~40
#                    behind one school NAT address; see nginx.conf.template)
#   --keep-logs      keep the run directory (config and logs, readable by its owner only)
#   --debug-upstream add an X-Upstream header naming the process behind each response (tests
#                    and benchmarks/load only: it reveals internal addresses)
#
# Needs nginx (Debian: sudo apt-get install -y nginx; only the binary is used, the packaged
# service may stay disabled) and, when started as root, setpriv (util-linux). Prints
# "backend <i>: pid <pid> <url>" per process, then "URL <url>" once the app answers through
# nginx.
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
RUN_USER=""
CLIENT_CONNS=300
KEEP_LOGS=0
DEBUG_UPSTREAM=0
EXTRA=()
# Request bodies nginx accepts, in MB: server.maxUploadSize (.streamlit/config.toml) + 1 MB
# for the multipart framing.
MAX_UPLOAD_MB=$("$PY" - <<'EOF' 2>/dev/null || echo 200
import tomllib
with open(".streamlit/config.toml", "rb") as f:
    print(tomllib.load(f).get("server", {}).get("maxUploadSize", 200))
EOF
)

usage() { sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        -k|--processes) K=$2; shift 2 ;;
        --port) PORT=$2; shift 2 ;;
        --address) ADDRESS=$2; shift 2 ;;
        --backend-ports) BACKEND_PORTS=$2; shift 2 ;;
        --app) APP=$2; shift 2 ;;
        --user) RUN_USER=$2; shift 2 ;;
        --client-conns) CLIENT_CONNS=$2; shift 2 ;;
        --keep-logs) KEEP_LOGS=1; shift ;;
        --debug-upstream) DEBUG_UPSTREAM=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) echo "serve.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
[[ $K =~ ^[1-9][0-9]?$ ]] || { echo "serve.sh: -k must be 1..99" >&2; exit 2; }
[[ $CLIENT_CONNS =~ ^[1-9][0-9]{0,4}$ ]] || {
    echo "serve.sh: --client-conns must be 1..99999; got $CLIENT_CONNS" >&2
    exit 2
}
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

# Streamlit runs the students' requests (and formulas they type): never as root. Started as
# root (sudo, CI, a container), the processes drop to an unprivileged user with setpriv; nginx
# drops its own workers to nobody by itself. Started as anyone else, everything runs as that
# user.
AS_USER=()
if [ "$(id -u)" -eq 0 ]; then
    if [ -z "$RUN_USER" ]; then
        RUN_USER=nobody
        if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then RUN_USER=$SUDO_USER; fi
    fi
    if ! run_uid=$(id -u -- "$RUN_USER" 2>/dev/null); then
        echo "serve.sh: --user $RUN_USER: no such user" >&2
        exit 2
    fi
    if [ "$run_uid" -eq 0 ]; then
        echo "serve.sh: refusing to run Streamlit as root (--user $RUN_USER has uid 0);" \
            "name an unprivileged user, e.g. --user nobody" >&2
        exit 2
    fi
    command -v setpriv >/dev/null || {
        echo "serve.sh: started as root, so Streamlit must drop to an unprivileged user," \
            "which needs setpriv (Debian: apt-get install -y util-linux)" >&2
        exit 1
    }
    # --init-groups: the user's own groups, not root's; --no-new-privs: no way back up
    # through a setuid program.
    AS_USER=(setpriv "--reuid=$RUN_USER" "--regid=$(id -g -- "$RUN_USER")" --init-groups
        --no-new-privs --inh-caps=-all --)
    # Fail now, with the reason, rather than with K crashed processes: the user must be able
    # to run this Python, import Streamlit and read the app and its config.
    if ! err=$("${AS_USER[@]}" env HOME=/nonexistent "$PY" - "$APP" 2>&1 <<'EOF'
import sys

import streamlit  # noqa: F401

for path in (sys.argv[1], ".streamlit/config.toml"):
    with open(path, "rb"):
        pass
EOF
    ); then
        cat >&2 <<EOF
serve.sh: started as root, so Streamlit runs as the unprivileged user '$RUN_USER', but
$RUN_USER cannot start it with $PY in $REPO_ROOT:
$(printf '%s\n' "$err" | tail -n 3 | sed 's/^/    /')
Name a user who can read that Python environment and the repository with --user NAME, or
install the environment where $RUN_USER can read it (e.g. a venv under /opt, then
PYTHON=/opt/<venv>/bin/python deploy/serve.sh). serve.sh does not run Streamlit as root.
EOF
        exit 1
    fi
elif [ -n "$RUN_USER" ] && [ "$RUN_USER" != "$(id -un)" ]; then
    echo "serve.sh: --user needs root (running as $(id -un), cannot become $RUN_USER)" >&2
    exit 2
fi

# Everything created from here on (config, logs, the run directory) is private to the owner:
# nginx's access log holds the students' query strings. nginx opens its logs in the master
# process, so its workers write them through inherited descriptors whoever they run as.
umask 077
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/optimizer-lab-serve.XXXXXX")
mkdir "$RUN_DIR/home"
if [ "${#AS_USER[@]}" -gt 0 ]; then
    # Others may pass through (x) but not list or read (r): nginx's workers (nobody) reach the
    # temp directories nginx creates for them here, and Streamlit reaches its home.
    chmod 711 "$RUN_DIR"
    chown "$RUN_USER:$(id -g -- "$RUN_USER")" "$RUN_DIR/home"
fi
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

# The Streamlit processes' environment: a home they may write (Streamlit keeps ~/.streamlit),
# not root's.
AS_ENV=(env "HOME=$RUN_DIR/home")
if [ "${#AS_USER[@]}" -gt 0 ]; then AS_ENV+=("USER=$RUN_USER" "LOGNAME=$RUN_USER"); fi

# One secret for every process: signed cookies (st.login) must verify on any of them.
export STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$("$PY" -c \
    'import secrets; print(secrets.token_hex(32))')}

: >"$RUN_DIR/upstreams.conf"
for i in "${!PORTS[@]}"; do
    port=${PORTS[$i]}
    echo "server 127.0.0.1:$port;" >>"$RUN_DIR/upstreams.conf"
    # setpriv and env exec, so $! is the Streamlit process itself.
    "${AS_USER[@]}" "${AS_ENV[@]}" "$PY" -m streamlit run "$APP" \
        --server.address 127.0.0.1 --server.port "$port" \
        --server.headless true --server.fileWatcherType none \
        --browser.gatherUsageStats false "${EXTRA[@]}" \
        </dev/null >"$RUN_DIR/streamlit-$port.log" 2>&1 &
    PIDS+=($!)
    echo "backend $((i + 1)): pid $! http://127.0.0.1:$port/"
done

# The content-security policy allows the page's inline <script>s by their hashes (Streamlit's
# index.html has one), not 'unsafe-inline'; they change only with the Streamlit version.
SCRIPT_HASHES=$("$PY" - <<'EOF'
import base64, hashlib, pathlib, re
import streamlit

html = (pathlib.Path(streamlit.__file__).parent / "static" / "index.html").read_text("utf-8")
inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S | re.I)
print(" ".join(
    "'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
    for s in inline
))
EOF
)
if [ "$DEBUG_UPSTREAM" = 1 ]; then
    UPSTREAM_HEADER='add_header X-Upstream $upstream_addr always;'
else
    UPSTREAM_HEADER='# (off)'
fi
sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@LISTEN@|$ADDRESS:$PORT|g" \
    -e "s|@MAX_BODY@|$((MAX_UPLOAD_MB + 1))m|g" -e "s|@CLIENT_CONNS@|$CLIENT_CONNS|g" \
    -e "s|@SCRIPT_HASHES@|$SCRIPT_HASHES|g" -e "s|@DEBUG_UPSTREAM@|$UPSTREAM_HEADER|g" \
    "$TEMPLATE" >"$RUN_DIR/nginx.conf"
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
if [ "${#AS_USER[@]}" -gt 0 ]; then
    echo "Optimizer Lab: $K Streamlit processes (user $RUN_USER) behind nginx. Ctrl-C stops everything."
else
    echo "Optimizer Lab: $K Streamlit processes behind nginx. Ctrl-C stops everything."
fi
echo "URL http://$HOST:$PORT/"

# Stay in the foreground until a signal arrives or one of the processes exits.
set +e
wait -n "${PIDS[@]}"
echo "serve.sh: a process exited (code $?); stopping the others" >&2
exit 1
