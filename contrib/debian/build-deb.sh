#!/bin/sh
# build-deb.sh - pack a pitally binary as a Debian package with dpkg-deb (`make deb`).
#   sh contrib/debian/build-deb.sh BINARY VERSION OUTDIR
# BINARY is a built pitally (or a build directory holding one). The files go where
# `make install PREFIX=/usr` puts them (the Makefile's install-files target: binary,
# patterns in /usr/share/pitally/patterns, man page, completion, docs), the man page
# gzipped as Debian policy asks, the binary stripped. Depends is derived: dpkg-shlibdeps
# on the binary names the packages of the libraries it links (with their minimum
# versions); without dpkg-dev, `dpkg -S` on each library ldd lists. Prints the path of the
# .deb on the last line. Run from the top of the tree.
set -eu
bin=$1
version=$2
outdir=$3
[ -d "$bin" ] && bin=$bin/pitally
[ -x "$bin" ] || { echo "build-deb.sh: no pitally binary at $bin" >&2; exit 1; }
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/root

make --no-print-directory -s install-files PREFIX=/usr DESTDIR="$stage" INSTALL_BIN="$bin"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$stage/usr/bin/pitally"
gzip -9n "$stage/usr/share/man/man1/pitally.1"

# Depends: the shared libraries of the binary, by package
depends=""
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
    mkdir -p "$work/src/debian"
    printf 'Source: pitally\n\nPackage: pitally\nArchitecture: any\n' >"$work/src/debian/control"
    depends=$(cd "$work/src" && dpkg-shlibdeps -O -e"$stage/usr/bin/pitally" 2>/dev/null |
              sed -n 's/^shlibs:Depends=//p')
fi
if [ -z "$depends" ]; then
    depends=$(ldd "$stage/usr/bin/pitally" | awk '/=> \// { print $3 }' |
              while read -r lib; do
                  dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null
              done | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g')
fi
[ -n "$depends" ] || { echo "build-deb.sh: could not derive Depends" >&2; exit 1; }

mkdir -p "$stage/DEBIAN"
size=$(du -sk "$stage/usr" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: pitally
Version: $version
Architecture: $arch
Maintainer: pitally maintainers <pitally@invalid>
Installed-Size: $size
Depends: $depends
Section: utils
Priority: optional
Description: size seized personal-data leak datasets per Chinese law
 pitally streams record dumps (CSV, TSV, JSON Lines, SQL dumps, plain lines; plain
 or gzipped; UTF-8, GB18030 or UTF-16), classifies every field into the information
 categories of the 2017 Judicial Interpretation on infringing citizens' personal
 information, and tallies pieces against the thresholds of its Article 5, with the
 evidence: custody hashes, a run record, masked examples and piece lists.
CONTROL
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"

mkdir -p "$outdir"
deb=$outdir/pitally_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
