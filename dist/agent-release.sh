#!/bin/sh
# agent-release.sh: make a signed agent release (docs/protocol.md
# section 7; outpostd(8), SELF-UPDATE), the file that
# "outpost-platform release add" takes. "make agent-release" runs it on
# the programs it built; it also makes releases of other files (tests).
#
#   agent-release.sh -v VERSION -o OS -a ARCH -k KEY -f OUT FILE...
#
# KEY is the site's Ed25519 release private key (PEM), made once with
#   openssl genpkey -algorithm ed25519 -out release.key
#   openssl pkey -in release.key -pubout -out release.pub
# and kept offline; agents get release.pub (release_key in outpost.conf).
# FILE... are the release's files (one named outpostd); each keeps its
# base name, mode 0755 when executable, else 0644. The release is a POSIX
# ustar archive of release.json (the manifest: format, version, os,
# arch, created_at and each file's name, size, SHA-256 and mode),
# release.sig (the base64 Ed25519 signature of release.json's bytes) and
# the files. created_at is $SOURCE_DATE_EPOCH when set, else now.
set -eu

usage() {
	echo "usage: agent-release.sh -v VERSION -o OS -a ARCH -k KEY -f OUT FILE..." >&2
	exit 1
}

die() {
	echo "agent-release.sh: $*" >&2
	exit 1
}

version= os= arch= key= out=
while getopts v:o:a:k:f: opt; do
	case $opt in
	v) version=$OPTARG ;;
	o) os=$OPTARG ;;
	a) arch=$OPTARG ;;
	k) key=$OPTARG ;;
	f) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$version" ] && [ -n "$os" ] && [ -n "$arch" ] && [ -n "$key" ] &&
    [ -n "$out" ] && [ $# -ge 1 ] || usage

printf '%s\n' "$version" | grep -Eq '^[0-9][0-9A-Za-z.+~-]{0,63}$' &&
    ! printf '%s\n' "$version" | grep -q -- '-$' ||
    die "version \"$version\": 1 to 64 of 0-9 A-Z a-z . + ~ -, a digit first, not ending in -"
for n in "$os" "$arch"; do
	printf '%s\n' "$n" | grep -Eq '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' ||
	    die "\"$n\": an OS or architecture is 1 to 64 of A-Z a-z 0-9 . _ -"
done
[ -r "$key" ] || die "cannot read the release key $key"
command -v openssl >/dev/null 2>&1 || die "openssl is needed to sign"

work=$(mktemp -d "${TMPDIR:-/tmp}/agent-release.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

files= names= has_outpostd=
for f in "$@"; do
	[ -f "$f" ] || die "$f: no such file"
	name=$(basename "$f")
	printf '%s\n' "$name" | grep -Eq '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' ||
	    die "$name: not a plain file name"
	case " $names " in
	*" $name "*) die "$name is given twice" ;;
	esac
	case $name in
	release.json|release.sig) die "$name is the release's own" ;;
	outpostd) has_outpostd=1 ;;
	esac
	cp "$f" "$work/$name"
	size=$(wc -c < "$work/$name" | tr -d ' ')
	sha=$(openssl dgst -sha256 -r "$work/$name" | cut -d' ' -f1)
	if [ -x "$f" ]; then mode=0755; else mode=0644; fi
	files="$files${files:+,}{\"name\":\"$name\",\"size\":$size,\"sha256\":\"$sha\",\"mode\":\"$mode\"}"
	names="$names $name"
done
[ -n "$has_outpostd" ] || die "a release has a file named outpostd"

created=${SOURCE_DATE_EPOCH:-$(date +%s)}
printf '{"format":"outpost-release-v1","version":"%s","os":"%s","arch":"%s","created_at":%s,"files":[%s]}' \
    "$version" "$os" "$arch" "$created" "$files" > "$work/release.json"

# Sign the manifest's bytes, then check the signature with the public
# half of the key, so a wrong key file fails here and not on the agents.
openssl pkeyutl -sign -rawin -inkey "$key" -in "$work/release.json" \
    -out "$work/release.sig.bin" 2>"$work/err" ||
    die "cannot sign with $key (an Ed25519 private key?): $(cat "$work/err")"
openssl pkey -in "$key" -pubout -out "$work/release.pub" 2>"$work/err" ||
    die "$key: $(cat "$work/err")"
openssl pkeyutl -verify -pubin -inkey "$work/release.pub" -rawin \
    -in "$work/release.json" -sigfile "$work/release.sig.bin" \
    >/dev/null 2>&1 || die "the signature made with $key does not verify"
openssl base64 -A -in "$work/release.sig.bin" > "$work/release.sig"
echo >> "$work/release.sig"
rm -f "$work/release.sig.bin" "$work/release.pub" "$work/err"

case $out in
/*) ;;
*) out=$(pwd)/$out ;;
esac
# shellcheck disable=SC2086
(cd "$work" && tar -cf "$out.tmp" --format=ustar release.json release.sig $names)
mv "$out.tmp" "$out"
echo "agent release $version for $os/$arch: $out"
