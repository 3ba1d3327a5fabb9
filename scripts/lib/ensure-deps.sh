# Sourced by the entry scripts: installs the npm workspace from package-lock.json when node_modules
# is missing or older than the lock file. Safe to call repeatedly.
ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "== installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

# Debian packages these scripts install go into scripts/dev-cluster's machine-wide ledger, so that
# `scripts/dev-cluster reset --packages` (CI, before every run) can take the machine back to what a fresh one has.
install_debian_package() {
  local ledger="${DEV_CLUSTER_LEDGER:-/var/lib/trainboard-dev-cluster/ledger}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  mkdir -p "$(dirname "$ledger")" && touch "$ledger"
  grep -qxF "package $1" "$ledger" || echo "package $1" >>"$ledger"
}

# The browser tests drive Debian's chromium (never a downloaded browser): install it when missing.
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "== installing chromium (Debian package) for the browser tests"
    install_debian_package chromium
  fi
}
