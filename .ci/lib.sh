# Sourced by the CI scripts: installing what a fresh Debian/Ubuntu machine lacks.
#
#   ci_apt_install PACKAGE...     apt-get install (as root, or with sudo when there is one)
#   ci_pip_install PACKAGE...     pip install into a virtualenv (Debian's python3 refuses
#                                 system-wide pip installs, PEP 668) whose bin/ goes first in PATH

ci_apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# One virtualenv per machine, reused by later runs (and by .ci/extra's scripts).
CI_VENV="${CI_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/pasarela-ci/venv}"
ci_pip_install() {
  if [ ! -x "$CI_VENV/bin/python" ]; then
    if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
      ci_apt_install python3 python3-venv python3-pip
    fi
    mkdir -p "$(dirname "$CI_VENV")"
    python3 -m venv "$CI_VENV"
  fi
  "$CI_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  case ":$PATH:" in *":$CI_VENV/bin:"*) ;; *) export PATH="$CI_VENV/bin:$PATH" ;; esac
}
