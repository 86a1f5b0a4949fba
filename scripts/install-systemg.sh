#!/bin/sh
# Installs sysg as a systemd service (run as root; POSIX sh):
#   - /etc/systemd/system/systemg.service: `sysg start --sys` in the foreground, Type=notify
#   - /etc/systemg (configs), /var/lib/systemg (state), /var/log/systemg (logs)
#   - the `systemg` group (members may change the system supervisor, see docs/privileged-mode.md)
# and prints how to enable it. Idempotent: running it again changes nothing that is in place.
#
#   install-systemg.sh [--root DIR] [--bin PATH] [--config FILE] [--uninstall]
#
# --root DIR   install below DIR instead of / (images, tests); no systemctl call then
# --bin PATH   the sysg the unit runs (default: `command -v sysg`, else /usr/local/bin/sysg)
# --config F   copy F to /etc/systemg/systemg.yaml when there is none yet
# --uninstall  remove the unit (configs, state, logs and the group stay; they are listed)
# Docs: docs/install.md.

say() { printf 'install-systemg: %s\n' "$*"; }

die() {
  printf 'install-systemg: error: %s\n' "$1" >&2
  if [ -n "${2-}" ]; then printf '  hint: %s\n' "$2" >&2; fi
  exit 1
}

partial=""
cleanup() { if [ -n "$partial" ]; then rm -f "$partial"; fi; }

# The unit. KillMode=mixed: SIGTERM goes to sysg alone, which stops its services in reverse
# dependency order within their stop_timeouts; whatever is left when TimeoutStopSec runs out
# gets SIGKILL from systemd. Delegate=yes: sysg owns its cgroup subtree (services get
# <unit cgroup>/services/<name>/, sysg itself moves to <unit cgroup>/supervisor/).
unit_text() {
  cat <<EOF
# Installed by install-systemg.sh; see docs/install.md.
[Unit]
Description=sysg process supervisor (system mode)
Documentation=https://github.com/sysg-dev/sysg/blob/main/docs/install.md
After=network-online.target
Wants=network-online.target

[Service]
Type=notify
NotifyAccess=main
ExecStart=$1 start --sys --config /etc/systemg/systemg.yaml
ExecReload=/bin/kill -HUP \$MAINPID
KillMode=mixed
Delegate=yes
# sysg reports READY=1 once every service's first attempt settled (readiness probes may take
# up to their timeout, 60s by default) and stops services one dependency level at a time.
TimeoutStartSec=5min
TimeoutStopSec=5min
Restart=on-failure
RestartSec=2s
LimitNOFILE=1048576

[Install]
WantedBy=multi-user.target
EOF
}

# write_file DEST MODE < content: temp file beside DEST, then one rename.
write_file() {
  next="$(dirname "$1")/.$(basename "$1").new.$$"
  partial=$next
  cat >"$next" || die "cannot write $next"
  chmod "$2" "$next" || die "cannot chmod $next"
  if [ -f "$1" ] && cmp -s "$next" "$1"; then
    rm -f "$next"
    partial=""
    return 1
  fi
  mv -f "$next" "$1" || die "cannot rename $next to $1"
  partial=""
  return 0
}

ensure_dir() {
  if [ -d "$1" ]; then return; fi
  mkdir -p "$1" || die "cannot create $1"
  chmod "$2" "$1" || die "cannot chmod $1"
  say "created $1"
}

ensure_group() {
  if [ "$root" = / ]; then
    if getent group systemg >/dev/null 2>&1; then return; fi
    if command -v groupadd >/dev/null 2>&1; then
      groupadd --system systemg || die "groupadd --system systemg failed"
    elif command -v addgroup >/dev/null 2>&1; then
      addgroup -S systemg || die "addgroup -S systemg failed"
    else
      die "cannot create group systemg: neither groupadd nor addgroup is installed" "install passwd (Debian) / shadow, or create the group by hand"
    fi
  else
    [ -f "$root/etc/group" ] || die "$root/etc/group does not exist, so group systemg cannot be added there" "copy a group file into $root/etc first"
    if grep -q '^systemg:' "$root/etc/group"; then return; fi
    groupadd --system --prefix "$root" systemg || die "groupadd --prefix $root failed"
  fi
  say "created group systemg (its members may change the system supervisor)"
}

main() {
  set -u
  root=/
  bin=""
  config=""
  action=install
  while [ $# -gt 0 ]; do
    case $1 in
      --root)
        [ $# -ge 2 ] || die "--root needs a directory"
        root=$2
        shift
        ;;
      --bin)
        [ $# -ge 2 ] || die "--bin needs the path of sysg"
        bin=$2
        shift
        ;;
      --config)
        [ $# -ge 2 ] || die "--config needs a file"
        config=$2
        shift
        ;;
      --uninstall) action=uninstall ;;
      -h | --help)
        sed -n '2,16p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'
        exit 0
        ;;
      *) die "unknown argument: $1" "install-systemg.sh [--root DIR] [--bin PATH] [--config FILE] [--uninstall]" ;;
    esac
    shift
  done
  case $root in
    /*) ;;
    *) die "--root must be an absolute path, got \"$root\"" ;;
  esac
  root=${root%/}
  [ -n "$root" ] || root=/
  if [ "$(id -u)" != 0 ]; then
    die "this installs a system service and must run as root" "sudo sh install-systemg.sh"
  fi
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  base=${root%/}
  unit=$base/etc/systemd/system/systemg.service
  live=0
  if [ "$root" = / ] && [ -d /run/systemd/system ]; then live=1; fi

  if [ "$action" = uninstall ]; then
    if [ -f "$unit" ]; then
      if [ "$live" = 1 ]; then systemctl disable --now systemg.service || true; fi
      rm -f "$unit" || die "cannot remove $unit"
      if [ "$live" = 1 ]; then systemctl daemon-reload || true; fi
      say "removed $unit"
    else
      say "$unit is not installed; nothing to do"
    fi
    say "kept: $base/etc/systemg (your configs), $base/var/lib/systemg and $base/var/log/systemg (sysg --sys purge removes those), group systemg (groupdel systemg)"
    exit 0
  fi

  if [ -z "$bin" ]; then bin=$(command -v sysg 2>/dev/null) || bin=/usr/local/bin/sysg; fi
  case $bin in
    /*) ;;
    *) die "--bin must be an absolute path, got \"$bin\"" ;;
  esac
  if ! [ -x "$base$bin" ]; then
    die "$base$bin is not an executable sysg" "install sysg first (curl -fsSL …/install.sh | sh) or name it with --bin"
  fi

  ensure_dir "$base/etc/systemd/system" 755
  ensure_dir "$base/etc/systemg" 755
  ensure_dir "$base/var/lib/systemg" 755
  ensure_dir "$base/var/log/systemg" 755
  ensure_group

  if [ -n "$config" ]; then
    [ -f "$config" ] || die "--config $config: no such file"
    if [ -f "$base/etc/systemg/systemg.yaml" ]; then
      say "kept the existing $base/etc/systemg/systemg.yaml (not replaced by $config)"
    else
      "$base$bin" check --config "$config" >/dev/null 2>&1 ||
        die "$config is not a valid sysg config" "see what is wrong: sysg check --config $config"
      write_file "$base/etc/systemg/systemg.yaml" 644 <"$config" || true
      say "installed $config as $base/etc/systemg/systemg.yaml"
    fi
  fi

  # a here-document, not a pipe: write_file must run in this shell (its cleanup state, its exit)
  if write_file "$unit" 644 <<EOF
$(unit_text "$bin")
EOF
  then
    say "installed $unit (runs $bin)"
    if [ "$live" = 1 ]; then systemctl daemon-reload || die "systemctl daemon-reload failed"; fi
  else
    say "$unit is up to date"
  fi

  if ! [ -f "$base/etc/systemg/systemg.yaml" ]; then
    say "next: write your services into /etc/systemg/systemg.yaml (sysg check --sys --config /etc/systemg/systemg.yaml validates it)"
  fi
  say "enable and start it:  systemctl enable --now systemg"
  say "then:                 sysg --sys status      (reload after editing the config: systemctl reload systemg)"
}

main "$@"
