#!/usr/bin/env bash
# Builds the small containers the container fuzzer starts from (sbom/binary/testdata/containers): one binary fixture
# in a .tar.gz, .tar.xz, .tar.zst and .tar.bz2 (tar, gzip, xz, zstd, bzip2), a Debian package (dpkg-deb) and an RPM
# (rpmbuild). The outputs are committed; run this again only to change them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/sbom/binary/testdata/containers
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/tree/usr/bin"
cp "$repo/sbom/auditable/testdata/bin/wasm32.wasm" "$work/tree/usr/bin/app"
tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$work/tree" -cf "$work/app.tar" usr
gzip -9n < "$work/app.tar" > "$out/app.tar.gz"
xz -9 < "$work/app.tar" > "$out/app.tar.xz"
zstd -q -19 < "$work/app.tar" > "$out/app.tar.zst"
bzip2 -9 < "$work/app.tar" > "$out/app.tar.bz2"
mkdir -p "$work/tree/DEBIAN"
printf 'Package: app\nVersion: 1.0\nArchitecture: all\nMaintainer: x <x@example.com>\nDescription: x\n' > "$work/tree/DEBIAN/control"
SOURCE_DATE_EPOCH=0 dpkg-deb --root-owner-group -Zxz --build "$work/tree" "$out/app.deb" >/dev/null
rm -rf "$work/tree/DEBIAN"
mkdir -p "$work/rpm/SPECS"
cat > "$work/rpm/SPECS/app.spec" <<SPEC
Name: app
Version: 1.0
Release: 1
Summary: x
License: MIT
BuildArch: noarch
%global debug_package %{nil}
%description
x
%install
mkdir -p %{buildroot}/usr/bin
cp $work/tree/usr/bin/app %{buildroot}/usr/bin/app
%files
/usr/bin/app
SPEC
rpmbuild -bb --quiet --define "_topdir $work/rpm" --define "__strip /bin/true" --define "_build_id_links none" \
  --define "_missing_build_ids_terminate_build 0" --define "_binary_payload w6.xzdio" "$work/rpm/SPECS/app.spec"
cp "$work"/rpm/RPMS/*/*.rpm "$out/app.rpm"
ls -l "$out"
