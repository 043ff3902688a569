# Sourced by the README's commands: installs the Debian/Ubuntu packages named
# that are not installed yet. Needs root for apt-get; otherwise it says what
# is missing and stops.
apool_install_packages() {
    local missing=()
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "apool: missing packages: ${missing[*]}; install them (sudo apt-get install ${missing[*]}) or run as root" >&2
        return 1
    fi
    echo "apool: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}
