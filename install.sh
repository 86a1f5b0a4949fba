#!/bin/sh
# sysg installer (POSIX sh: dash, busybox sh, bash).
#
#   curl -fsSL https://github.com/sysg-dev/sysg/releases/latest/download/install.sh | sh
#   curl -fsSL …/install.sh | sh -s -- --version 0.1.0
#   curl -fsSL …/install.sh | sh -s -- --systemd         # as root: also the systemd unit
#   sh install.sh --uninstall
#
# Downloads sysg-linux-<arch>.xz and SHA256SUMS from SYSG_DOWNLOAD_URL, checks the SHA-256
# before anything is written outside a temp dir, checks that the binary runs here, then puts
# it in place with one rename: an upgrade never leaves a half-written sysg, a failure never
# leaves anything. Docs: docs/install.md.
#
# Environment:
#   SYSG_DOWNLOAD_URL  directory of one release (default: the latest GitHub release,
#                      or the one of --version)
#   SYSG_PREFIX        where bin/sysg goes (default /usr/local as root, ~/.local otherwise)
#
# Everything runs inside main(), called on the last line: a download cut short by the network
# defines functions at most and runs nothing.

RELEASES="https://github.com/sysg-dev/sysg/releases"

say() { printf 'sysg-install: %s\n' "$*"; }

# die MESSAGE [HINT]
die() {
  printf 'sysg-install: error: %s\n' "$1" >&2
  if [ -n "${2-}" ]; then printf '  hint: %s\n' "$2" >&2; fi
  exit 1
}

usage() {
  cat <<'EOF'
Usage: install.sh [--version X] [--uninstall] [--systemd [--root DIR]]
  (piped: curl -fsSL URL/install.sh | sh -s -- [options])

  --version X   install release X (checked: the binary must report X)
  --uninstall   remove bin/sysg and its man page from SYSG_PREFIX
  --systemd     as root, also install the systemd unit (install-systemg.sh of the same release)
  --root DIR    with --systemd: install the unit and directories under DIR instead of /

Environment: SYSG_DOWNLOAD_URL (release directory), SYSG_PREFIX (default /usr/local as root,
~/.local otherwise).
EOF
}

# Files written so far outside the temp dir that are not complete yet: removed on any exit.
partial=""
tmp=""
cleanup() {
  if [ -n "$partial" ]; then rm -f "$partial"; fi
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}

has() { command -v "$1" >/dev/null 2>&1; }

detect_arch() {
  os=$(uname -s 2>/dev/null) || os=unknown
  if [ "$os" != "Linux" ]; then
    die "sysg runs on Linux only; this system is $os" "sysg supervises Linux processes (cgroups, namespaces, /proc); there is no build for $os"
  fi
  machine=$(uname -m 2>/dev/null) || machine=unknown
  case $machine in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64 | armv8*) arch=aarch64 ;;
    *) die "unsupported architecture: $machine" "releases exist for x86_64 and aarch64; on other machines build from source (npm install && npm run build)" ;;
  esac
}

pick_tools() {
  if has curl; then
    downloader=curl
  elif has wget; then
    downloader=wget
  else
    die "neither curl nor wget is installed; one of them is needed to download sysg" "install one (apt-get install curl / apk add curl / dnf install curl) and run the installer again"
  fi
  if has xz; then
    unxz_cmd="xz -dc"
  elif has unxz; then
    unxz_cmd="unxz -c"
  elif has busybox && busybox unxz --help >/dev/null 2>&1; then
    unxz_cmd="busybox unxz -c"
  else
    die "xz is not installed; it is needed to unpack the download" "install xz-utils (apt-get install xz-utils / apk add xz)"
  fi
  if has sha256sum; then
    sha_cmd="sha256sum"
  elif has shasum; then
    sha_cmd="shasum -a 256"
  elif has openssl; then
    sha_cmd="openssl dgst -sha256 -r"
  else
    die "no SHA-256 tool found (sha256sum, shasum or openssl); the download cannot be verified" "install coreutils (or perl's shasum, or openssl)"
  fi
}

# fetch URL FILE
fetch() {
  case $downloader in
    curl) curl -fsSL -o "$2" "$1" ;;
    wget) wget -q -O "$2" "$1" ;;
  esac || die "cannot download $1" "check the network and SYSG_DOWNLOAD_URL (now: $url)"
}

sha256_of() {
  # shellcheck disable=SC2086 # sha_cmd is a command with its options
  $sha_cmd "$1" | awk '{ print $1 }'
}

# The SHA-256 SHA256SUMS lists for a file name, empty when it lists none.
listed_sum() {
  awk -v f="$1" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS"
}

# fetch_verified NAME: downloads NAME of the release into the temp dir and checks its SHA-256.
fetch_verified() {
  expected=$(listed_sum "$1")
  if [ -z "$expected" ]; then
    die "$url/SHA256SUMS lists no $1" "this release has no $1; pick another with --version, or check SYSG_DOWNLOAD_URL"
  fi
  fetch "$url/$1" "$tmp/$1"
  actual=$(sha256_of "$tmp/$1")
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $1: SHA256SUMS says $expected, the download is $actual" "the file is corrupt or was tampered with; nothing was installed. Try again later, or report it"
  fi
}

# place SOURCE DEST MODE: copies next to DEST, then one rename (atomic on the same filesystem).
place() {
  next="$(dirname "$2")/.$(basename "$2").new.$$"
  partial=$next
  cp "$1" "$next" || die "cannot write $next" "check that you may write to $(dirname "$2") (or set SYSG_PREFIX)"
  chmod "$3" "$next" || die "cannot chmod $next"
  mv -f "$next" "$2" || die "cannot rename $next to $2"
  partial=""
}

default_prefix() {
  if [ -n "${SYSG_PREFIX-}" ]; then
    prefix=$SYSG_PREFIX
  elif [ "$(id -u)" = 0 ]; then
    prefix=/usr/local
  else
    [ -n "${HOME-}" ] || die "HOME is not set, so there is no default prefix" "set SYSG_PREFIX=/some/dir"
    prefix=$HOME/.local
  fi
  case $prefix in
    /*) ;;
    *) die "SYSG_PREFIX must be an absolute path, got \"$prefix\"" "for example SYSG_PREFIX=\$HOME/.local" ;;
  esac
  bindir=$prefix/bin
  mandir=$prefix/share/man/man1
}

uninstall() {
  removed=0
  for f in "$bindir/sysg" "$mandir/sysg.1"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      rm -f "$f" || die "cannot remove $f" "run it as the owner of $prefix (root for /usr/local)"
      say "removed $f"
      removed=1
    fi
  done
  # Directories this installer may have created, when they are now empty; never the shared
  # system layout under /usr or /usr/local.
  case $prefix in
    /usr | /usr/local) ;;
    *) for d in "$mandir" "$prefix/share/man" "$prefix/share" "$bindir"; do rmdir "$d" 2>/dev/null || true; done ;;
  esac
  if [ "$removed" = 0 ]; then say "sysg is not installed in $prefix; nothing to do"; fi
  if [ -f /etc/systemd/system/systemg.service ] && [ "$(id -u)" = 0 ]; then
    say "the systemd unit /etc/systemd/system/systemg.service stays; remove it with: install-systemg.sh --uninstall"
  fi
}

install_sysg() {
  detect_arch
  pick_tools
  if [ "$systemd" = 1 ] && [ "$(id -u)" != 0 ]; then
    die "--systemd installs a system unit and needs root" "run it with sudo: curl -fsSL $url/install.sh | sudo sh -s -- --systemd"
  fi
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/sysg-install.XXXXXX") || die "cannot create a temp dir in ${TMPDIR:-/tmp}"
  asset=sysg-linux-$arch.xz

  say "downloading $asset from $url"
  fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS"
  fetch_verified "$asset"
  # shellcheck disable=SC2086 # unxz_cmd is a command with its options
  $unxz_cmd <"$tmp/$asset" >"$tmp/sysg" || die "cannot unpack $asset" "the download passed its checksum, so the xz tool here may be broken"
  chmod 755 "$tmp/sysg"
  got=$("$tmp/sysg" --version 2>&1) || die "the downloaded sysg does not run on this machine: $got" "sysg needs glibc (Debian, Ubuntu, Fedora, …); Alpine/musl needs the gcompat package"
  if [ -n "$version" ]; then
    case $got in
      "sysg $version "* | "sysg $version") ;;
      *) die "asked for version $version, but $url has: $got" "point SYSG_DOWNLOAD_URL at the directory of release $version" ;;
    esac
  fi

  mkdir -p "$bindir" || die "cannot create $bindir" "set SYSG_PREFIX to a directory you may write to"
  if [ -f "$bindir/sysg" ] && [ "$(sha256_of "$bindir/sysg")" = "$(sha256_of "$tmp/sysg")" ]; then
    say "$got is already installed at $bindir/sysg"
  else
    place "$tmp/sysg" "$bindir/sysg" 755
    say "installed $got at $bindir/sysg"
  fi

  # The man page, when the release has one.
  if [ -n "$(listed_sum sysg.1)" ]; then
    fetch_verified sysg.1
    mkdir -p "$mandir" || die "cannot create $mandir"
    if ! [ -f "$mandir/sysg.1" ] || [ "$(sha256_of "$mandir/sysg.1")" != "$(sha256_of "$tmp/sysg.1")" ]; then
      place "$tmp/sysg.1" "$mandir/sysg.1" 644
      say "installed the man page at $mandir/sysg.1"
    fi
  fi

  case ":${PATH-}:" in
    *":$bindir:"*) ;;
    *) say "$bindir is not in your PATH; add it, e.g. in ~/.profile: export PATH=\"$bindir:\$PATH\"" ;;
  esac

  if [ "$systemd" = 1 ]; then
    fetch_verified install-systemg.sh
    set -- --bin "$bindir/sysg"
    if [ -n "$root" ]; then
      # the unit names the binary as seen from inside DIR
      set -- --bin "${bindir#"${root%/}"}/sysg" --root "$root"
    fi
    sh "$tmp/install-systemg.sh" "$@" || die "install-systemg.sh failed (see above); sysg itself is installed at $bindir/sysg"
  fi
}

main() {
  set -u
  action=install
  version=""
  systemd=0
  root=""
  while [ $# -gt 0 ]; do
    case $1 in
      --uninstall) action=uninstall ;;
      --version)
        [ $# -ge 2 ] || die "--version needs a value" "for example --version 0.1.0"
        version=$2
        shift
        ;;
      --version=*) version=${1#--version=} ;;
      --systemd) systemd=1 ;;
      --root)
        [ $# -ge 2 ] || die "--root needs a directory"
        root=$2
        shift
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) die "unknown argument: $1" "install.sh [--version X] [--uninstall] [--systemd [--root DIR]]; piped: … | sh -s -- --version X" ;;
    esac
    shift
  done
  version=${version#v}
  case $version in
    *[!0-9A-Za-z.+-]*) die "--version $version: expected a version like 0.1.0" ;;
  esac
  if [ -n "$root" ] && [ "$systemd" = 0 ]; then die "--root only applies with --systemd"; fi
  if [ -n "$root" ]; then
    case ${SYSG_PREFIX-} in
      "${root%/}"/*) ;;
      *) die "with --root $root, SYSG_PREFIX must be a directory inside it (now: ${SYSG_PREFIX-unset})" "for example SYSG_PREFIX=${root%/}/usr/local" ;;
    esac
  fi
  if [ -n "${SYSG_DOWNLOAD_URL-}" ]; then
    url=${SYSG_DOWNLOAD_URL%/}
  elif [ -n "$version" ]; then
    url=$RELEASES/download/v$version
  else
    url=$RELEASES/latest/download
  fi
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  default_prefix
  case $action in
    install) install_sysg ;;
    uninstall) uninstall ;;
  esac
}

main "$@"
