# Sourced by the entry scripts: installs the npm workspace from package-lock.json when node_modules
# is missing or older than the lock file. Safe to call repeatedly.
ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "== installing npm packages (npm ci)"
    npm ci --no-audit --no-fund
  fi
}
