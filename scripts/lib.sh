# Shared by Herald's scripts: paths, and idempotent installs of what the build and tests need.
# Each ensure_* checks first and installs only what is missing.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Builds are reused across checkouts on the same machine (a clean CI clone builds in seconds).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/herald/target}
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
# Incremental state is per checkout path: in a shared target directory it only piles up.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}

# The shared target directory keeps artifacts of every checkout path it has built; past 30 GB
# the debug builds are dropped (they rebuild in a few minutes) before the disk fills. Only the
# first script of a run checks: a script it calls (scripts/test → scripts/api_fuzz) must not
# delete the binary the run just built and is testing.
if [ -z "${HERALD_TARGET_CHECKED:-}" ] && [ -d "$CARGO_TARGET_DIR/debug" ] \
   && [ "$(du -s --block-size=1G "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1)" -gt 30 ]; then
  echo "==> $CARGO_TARGET_DIR is over 30 GB: removing its debug builds" >&2
  rm -rf "$CARGO_TARGET_DIR/debug"
fi
export HERALD_TARGET_CHECKED=1

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_rust() {
  local channel
  channel=$(sed -n 's/^channel = "\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")
  # The pinned release may be installed as "stable"; name it so rustup needs no download.
  if ! rustup toolchain list | grep -q "^$channel-"; then
    local stable
    stable=$(rustup run stable rustc --version 2>/dev/null | awk '{print $2}')
    if [ "$stable" = "$channel" ]; then
      rustup toolchain link "$channel" "$(rustup run stable rustc --print sysroot)"
    else
      rustup toolchain install "$channel" --profile minimal --component rustfmt,clippy
    fi
  fi
  (cd "$ROOT" && rustup target list --installed | grep -q '^wasm32-unknown-unknown$') \
    || (cd "$ROOT" && rustup target add wasm32-unknown-unknown)
  (cd "$ROOT" && rustup component list --installed | grep -q '^clippy') \
    || (cd "$ROOT" && rustup component add rustfmt clippy)
}

# wasm-bindgen's CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
ensure_wasm_bindgen() {
  local want have
  want=$(grep -A1 '^name = "wasm-bindgen"$' "$ROOT/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p')
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (about 2 minutes, once)"
    # Not --locked: a locked dependency version is missing from the registry mirror.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

# Node tools: Playwright, and binaryen's wasm-opt (Debian's wasm-opt breaks the bundle).
ensure_node_deps() {
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] \
     || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    say "installing node packages (Playwright, binaryen)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

apt_install() {
  [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || { say "installing Debian's Chromium"; apt_install chromium; }
}

# A real SMTP server for the integration tests: a Python with aiosmtpd, exported as
# HERALD_TEST_PYTHON for the tests to start it with.
ensure_aiosmtpd() {
  local py
  for py in python3 /usr/bin/python3; do
    if "$py" -c 'import aiosmtpd' 2>/dev/null; then export HERALD_TEST_PYTHON=$py; return; fi
  done
  say "installing aiosmtpd"
  if python3 -m pip install -q aiosmtpd 2>/dev/null; then
    export HERALD_TEST_PYTHON=python3
  else
    # Debian's own Python refuses pip installs (PEP 668); its package is the way there.
    apt_install python3-aiosmtpd
    export HERALD_TEST_PYTHON=/usr/bin/python3
  fi
}

# PostgreSQL for the second run of the integration tests: the server at HERALD_TEST_POSTGRES_URL
# (default: the one every project machine runs on 127.0.0.1:5432). When none answers, Debian's
# postgresql is installed if missing and a throw-away cluster is started in a temporary
# directory as an unprivileged user (initdb refuses root); it is stopped when the script ends.
ensure_postgres() {
  export HERALD_TEST_POSTGRES_URL=${HERALD_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  command -v psql >/dev/null || { say "installing the PostgreSQL client"; apt_install postgresql-client; }
  if psql "$HERALD_TEST_POSTGRES_URL" -Atqc 'SELECT 1' >/dev/null 2>&1; then return; fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ ! -x "$bin/initdb" ]; then
    say "installing Debian's PostgreSQL server"
    apt_install postgresql
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  local user=postgres port=55432
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
  PG_TEST_DIR=$(mktemp -d /tmp/herald-pg.XXXXXX)
  chown "$user" "$PG_TEST_DIR"
  say "starting a throw-away PostgreSQL cluster in $PG_TEST_DIR (port $port)"
  runuser -u "$user" -- "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  runuser -u "$user" -- "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" -w start \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -k $PG_TEST_DIR -c max_connections=300" >/dev/null
  export HERALD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  PG_TEST_STOP="runuser -u $user -- $bin/pg_ctl -D $PG_TEST_DIR/data -m immediate stop"
}

# Stops the throw-away cluster ensure_postgres started, if it did.
stop_postgres() {
  if [ -n "${PG_TEST_STOP:-}" ]; then $PG_TEST_STOP >/dev/null 2>&1 || true; rm -rf "$PG_TEST_DIR"; fi
}

# Drops the databases the integration tests made (herald_test_*) and left behind.
drop_test_databases() {
  psql "$HERALD_TEST_POSTGRES_URL" -Atqc \
    "SELECT datname FROM pg_database WHERE datname LIKE 'herald\_test\_%'" |
    while read -r db; do psql "$HERALD_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done
}

# Schemathesis (the OpenAPI fuzzer) in a virtualenv of its own; exports SCHEMATHESIS.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
  local venv="$HOME/.cache/herald/venv"
  export SCHEMATHESIS="$venv/bin/st"
  if "$SCHEMATHESIS" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then return; fi
  say "installing schemathesis $SCHEMATHESIS_VERSION"
  python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
}

# cargo-machete: finds dependencies a crate declares and does not use.
MACHETE_VERSION=0.9.2
ensure_machete() {
  if cargo machete --version 2>/dev/null | grep -q "$MACHETE_VERSION"; then return; fi
  say "installing cargo-machete $MACHETE_VERSION"
  cargo install cargo-machete --version "$MACHETE_VERSION" --locked
}

DENY_VERSION=0.20.2
ensure_deny() {
  if cargo deny --version 2>/dev/null | grep -q "$DENY_VERSION"; then return; fi
  say "installing cargo-deny $DENY_VERSION (about 6 minutes, once)"
  cargo install cargo-deny --version "$DENY_VERSION" --locked
}

# build_site PROFILE: the browser bundle into $CARGO_TARGET_DIR/site/PROFILE (prints the path).
# Its files get one content-hashed name, written to site/bundle-name, and a brotli and a gzip
# copy each; the server serves those as they are (server/src/ui/bundle.rs).
build_site() {
  local profile=$1 cargo_profile wasm_dir site pkg hash quality=5
  if [ "$profile" = release ]; then cargo_profile=wasm-release; wasm_dir=wasm-release; quality=11
  else cargo_profile=dev; wasm_dir=debug; fi
  site="$CARGO_TARGET_DIR/site/$profile"
  pkg="$site/pkg"
  say "building the browser bundle ($profile)"
  (cd "$ROOT" && cargo build -p frontend --lib --target wasm32-unknown-unknown --features hydrate --profile "$cargo_profile") || return 1
  rm -rf "$pkg" && mkdir -p "$pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name herald \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$wasm_dir/frontend.wasm"
  # Leptos (built with LEPTOS_OUTPUT_NAME) loads pkg/<name>.wasm.
  mv "$pkg/herald_bg.wasm" "$pkg/herald.wasm"
  if [ "$profile" = release ]; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      -o "$pkg/herald.wasm" "$pkg/herald.wasm"
  fi
  cp "$ROOT/style/main.css" "$pkg/herald.css"
  hash=$(cat "$pkg/herald.js" "$pkg/herald.wasm" "$pkg/herald.css" | sha256sum | cut -c1-16)
  for ext in js wasm css; do mv "$pkg/herald.$ext" "$pkg/herald.$hash.$ext"; done
  node -e '
    const zlib = require("zlib"), fs = require("fs");
    const quality = Number(process.argv[1]);
    for (const file of process.argv.slice(2)) {
      const raw = fs.readFileSync(file);
      fs.writeFileSync(file + ".br", zlib.brotliCompressSync(raw, { params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
      fs.writeFileSync(file + ".gz", zlib.gzipSync(raw, { level: 9 }));
    }' "$quality" "$pkg/herald.$hash".* || return 1
  cp -r "$ROOT/public/." "$site/"
  echo "herald.$hash" > "$site/bundle-name"
  echo "$site"
}

# build_server PROFILE: the herald binary (prints its path).
build_server() {
  local profile=$1 flag=""
  [ "$profile" = release ] && flag="--release"
  say "building the server ($profile)"
  (cd "$ROOT" && cargo build -p server --bin herald $flag) || return 1
  echo "$CARGO_TARGET_DIR/$profile/herald"
}
