# Sourced by the entry scripts: installs the npm workspace from package-lock.json when node_modules
# is missing or older than the lock file. Safe to call repeatedly.
ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "== installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

# The browser tests drive Debian's chromium (never a downloaded browser): install it when missing.
ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "== installing chromium (Debian package) for the browser tests"
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  fi
}
