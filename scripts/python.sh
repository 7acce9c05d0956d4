#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter (pyenv's, selected by .python-version, or any on PATH).
set -euo pipefail
for candidate in python3 python3.12 python3.13 "$(command -v pyenv >/dev/null && pyenv which python3.12 2>/dev/null || true)"; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    "$path" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "AnSinh needs Python 3.12 or newer (pyenv install 3.12, or your distribution's python3.12)" >&2
exit 1
