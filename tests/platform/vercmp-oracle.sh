#!/bin/sh
# Version comparison against the real tools: thousands of generated pairs
# of Debian versions (random mixes and mutations of the versions installed
# here) against dpkg --compare-versions, generated strings against what
# dpkg accepts, warns about or refuses, and, when python3 has the rpm
# module, rpm versions and epoch:version-release pairs against
# rpm.labelCompare. VERCMP_SEED and VERCMP_PAIRS change the sample.
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

DRIVER="$abs_top_builddir/tests/tools/vercmp-driver"
[ -x "$DRIVER" ] || skip "tests/tools/vercmp-driver is not built"
command -v dpkg >/dev/null 2>&1 || skip "dpkg is not installed"
LC_ALL=C
export LC_ALL
SEED=${VERCMP_SEED:-5}
PAIRS=${VERCMP_PAIRS:-4000}
TAB=$(printf '\t')

# mismatches WHAT A B OURS ORACLE: fail listing the first differences of
# the files OURS and ORACLE, showing the inputs from the files A and B.
mismatches() {
	paste "$2" "$3" "$4" "$5" | awk -F '\t' '$3 != $4 { n++; if (n <= 20)
	    printf "  [%s] vs [%s]: ours %s, oracle %s\n", $1, $2, $3, $4 }
	    END { exit n > 0 }' >"$T/diff" && return 0
	fail "$1: $(wc -l <"$T/diff") of the first mismatches (seed $SEED):
$(cat "$T/diff")"
}

dpkg-query -W -f '${Version}\n' 2>/dev/null | sort -u >"$T/real"
[ -s "$T/real" ] || printf '1.0\n' >"$T/real"

# Debian: one dpkg call per pair, a second one only when it is not "lt".
"$DRIVER" gen-deb "$PAIRS" "$SEED" "$T/real" >"$T/deb.pairs" ||
    fail "generating Debian pairs"
[ "$(wc -l <"$T/deb.pairs")" -eq "$PAIRS" ] || fail "short pair list"
"$DRIVER" deb <"$T/deb.pairs" >"$T/deb.ours" || fail "vercmp_deb failed"
while IFS="$TAB" read -r a b; do
	dpkg --compare-versions "$a" lt "$b" 2>/dev/null
	case $? in
	0)	echo -1 ;;
	1)	if dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then
			echo 0
		else
			echo 1
		fi ;;
	*)	echo refused ;;
	esac
done <"$T/deb.pairs" >"$T/deb.dpkg"
cut -f 1 "$T/deb.pairs" >"$T/deb.a"
cut -f 2 "$T/deb.pairs" >"$T/deb.b"
mismatches "vercmp_deb vs dpkg --compare-versions" "$T/deb.a" "$T/deb.b" \
    "$T/deb.ours" "$T/deb.dpkg"
# The sample must hold every outcome, or it proves little.
for r in -1 0 1; do
	grep -qx -- "$r" "$T/deb.dpkg" || fail "no pair compared $r"
done

# Validity: 0 accepted, 1 accepted with a warning, -1 refused (exit 2).
"$DRIVER" gen-deb-any 1500 "$SEED" "$T/real" >"$T/any" ||
    fail "generating Debian strings"
"$DRIVER" deb-valid <"$T/any" >"$T/any.ours"
while IFS= read -r v; do
	dpkg --compare-versions "$v" eq "$v" 2>"$T/any.err"
	if [ $? -ge 2 ]; then
		echo -1
	elif [ -s "$T/any.err" ]; then
		echo 1
	else
		echo 0
	fi
done <"$T/any" >"$T/any.dpkg"
mismatches "vercmp_deb_valid vs dpkg" "$T/any" "$T/any" "$T/any.ours" \
    "$T/any.dpkg"
for r in -1 0 1; do
	grep -qx -- "$r" "$T/any.dpkg" || fail "no string classified $r"
done

# rpm: rpm.labelCompare((0, A, 0), (0, B, 0)) is rpmvercmp(A, B); EVRs are
# split by rpm.ver (rpm's own parseEVR) and compared by labelCompare.
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import rpm' 2>/dev/null; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "note: no python3 with the rpm module (python3-rpm);" \
	    "rpm comparisons were not checked against rpm" >&2
	exit 0
fi
"$DRIVER" gen-rpm "$PAIRS" "$SEED" "$T/real" >"$T/rpm.pairs"
"$DRIVER" rpm <"$T/rpm.pairs" >"$T/rpm.ours"
"$DRIVER" gen-evr "$PAIRS" "$SEED" "$T/real" >"$T/evr.pairs"
"$DRIVER" evr <"$T/evr.pairs" >"$T/evr.ours"
"$PY" - "$T/rpm.pairs" "$T/evr.pairs" "$T/rpm.rpm" "$T/evr.rpm" <<'EOF' ||
import sys
import rpm

with open(sys.argv[1]) as f, open(sys.argv[3], "w") as out:
    for line in f:
        a, b = line.rstrip("\n").split("\t")
        out.write("%d\n" % rpm.labelCompare(("0", a, "0"), ("0", b, "0")))
with open(sys.argv[2]) as f, open(sys.argv[4], "w") as out:
    for line in f:
        a, b = [rpm.ver(s) for s in line.rstrip("\n").split("\t")]
        out.write("%d\n" % rpm.labelCompare((a.e, a.v, a.r), (b.e, b.v, b.r)))
EOF
    fail "the rpm oracle failed"
for kind in rpm evr; do
	cut -f 1 "$T/$kind.pairs" >"$T/$kind.a"
	cut -f 2 "$T/$kind.pairs" >"$T/$kind.b"
done
mismatches "vercmp_rpm vs rpmvercmp" "$T/rpm.a" "$T/rpm.b" "$T/rpm.ours" \
    "$T/rpm.rpm"
mismatches "vercmp_rpm_evr vs labelCompare" "$T/evr.a" "$T/evr.b" \
    "$T/evr.ours" "$T/evr.rpm"
for r in -1 0 1; do
	grep -qx -- "$r" "$T/rpm.rpm" || fail "no rpm pair compared $r"
	grep -qx -- "$r" "$T/evr.rpm" || fail "no EVR pair compared $r"
done
exit 0
