# Sourced by the compare scripts: installs the Debian packages a benchmark is missing (after the caller's `log` and
# `die` are defined). One place for the root check and the apt-get retry after an index refresh.
install_missing_packages() {
    (($#)) || return 0
    local packages
    mapfile -t packages < <(printf '%s\n' "$@" | sort -u)
    [[ $(id -u) == 0 ]] || die "missing ${packages[*]}: run as root, or apt-get install ${packages[*]}"
    log "installing ${packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2 \
        || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >&2; }
}
