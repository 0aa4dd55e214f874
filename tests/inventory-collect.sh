#!/bin/sh
# Inventory collectors: against a prepared root (exact values of every
# section, garbage refused with file:line), then against this machine
# (packages and users counted the way dpkg-query and getent count them,
# every scan step well under 50 ms).
. "${abs_top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v jq >/dev/null 2>&1 || skip "jq is not installed"
INVDUMP="$abs_top_builddir/tests/invdump"
R="$T/root"
mkdir -p "$R/etc" "$R/var/lib/dpkg" "$R/proc/sys/kernel" "$R/proc/net" \
    "$R/proc/1234/fd" "$R/proc/99/fd" "$R/proc/self" \
    "$R/sys/class/net/lo" "$R/sys/class/net/eth9" "$R/sys/class/net/tun0"

cat >"$R/etc/os-release" <<'EOF'
# a comment, then shell quoting of every kind
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME='Debian GNU/Linux'
VERSION_ID="12"
VERSION="12 (bookworm) \"stable\""
ID=debian
HOME_URL="https://www.debian.org/"
EOF
echo web-01 >"$R/proc/sys/kernel/hostname"
echo 6.1.0-18-amd64 >"$R/proc/sys/kernel/osrelease"
echo x86_64 >"$R/proc/sys/kernel/arch"
echo '(none)' >"$R/proc/sys/kernel/domainname"
cat >"$R/etc/hosts" <<'EOF'
127.0.0.1	localhost
# the host itself
127.0.1.1	web-01.example.net	web-01
::1		localhost ip6-localhost ip6-loopback
EOF

# A dpkg status file with hundreds of packages, multi-line fields, and
# entries that are not installed (config-files, half-installed, unpacked,
# not-installed), plus a held one, which is installed.
awk 'BEGIN {
	for (i = 1; i <= 300; i++) {
		printf "Package: pkg-%03d\nStatus: install ok installed\n", i
		printf "Priority: optional\nSection: misc\nInstalled-Size: %d\n", i
		printf "Maintainer: Someone <someone@example.org>\n"
		printf "Architecture: amd64\nVersion: 1.%d-1\n", i
		printf "Depends: libc6 (>= 2.34)\n"
		printf "Description: package number %d\n a longer text\n .\n", i
		printf " with a paragraph break\n\n"
	}
}' >"$R/var/lib/dpkg/status"
cat >>"$R/var/lib/dpkg/status" <<'EOF'
Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
Description: GNU C Library: Shared libraries

Package: libc6
Status: install ok installed
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: openssl
Status: install ok installed
Architecture: amd64
Source: openssl (3.0.11-1~deb12u1)
Version: 3.0.11-1~deb12u2
Description: Secure Sockets Layer toolkit

Package: util-linux
Status: install ok installed
Architecture: amd64
Version: 2:2.38.1-5+b1
Description: miscellaneous system utilities

Package: heldpkg
Status: hold ok installed
Architecture: all
Version: 0.9-1
Description: held at this version

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
Description: removed, configuration kept

Package: brokenpkg
Status: install reinstreq half-installed
Architecture: amd64
Version: 2.0-1
Description: half installed

Package: newpkg
Status: install ok unpacked
Architecture: amd64
Version: 3.0-1
Description: unpacked, not configured

Package: gonepkg
Status: purge ok not-installed
Architecture: amd64
EOF

cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh
+@netgroup::::::
EOF
cat >"$R/etc/group" <<'EOF'
root:x:0:
adm:x:4:syslog,alice
www-data:x:33:
alice:x:1000:
EOF
cat >"$R/proc/modules" <<'EOF'
overlay 151552 1 - Live 0x0000000000000000
nf_tables 303104 0 - Live 0x0000000000000000
EOF
cat >"$R/proc/cpuinfo" <<'EOF'
processor	: 0
vendor_id	: GenuineIntel
model name	: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz
flags		: fpu vme de pse

processor	: 1
vendor_id	: GenuineIntel
model name	: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz
flags		: fpu vme de pse

EOF
cat >"$R/proc/meminfo" <<'EOF'
MemTotal:       16318412 kB
MemFree:         1234567 kB
EOF
# Sockets as a little-endian kernel prints them: 127.0.0.1:22 and [::1]:631
# listening, 0.0.0.0:53/udp bound; an established TCP and a connected UDP
# socket that must not be listed.
cat >"$R/proc/net/tcp" <<'EOF'
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0016 0100007F:D431 01 00000000:00000000 02:0000A2C3 00000000     0        0 5556 4 0000000000000000 20 4 31 10 -1
EOF
cat >"$R/proc/net/tcp6" <<'EOF'
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7777 1 0000000000000000 100 0 0 10 0
EOF
cat >"$R/proc/net/udp" <<'EOF'
   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8888 2 0000000000000000 0
  101: 0F02000A:A3F2 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 8889 2 0000000000000000 0
EOF
echo sshd >"$R/proc/1234/comm"
ln -s 'socket:[5555]' "$R/proc/1234/fd/3"
ln -s /dev/null "$R/proc/1234/fd/0"
echo dnsmasq >"$R/proc/99/comm"
ln -s 'socket:[8888]' "$R/proc/99/fd/4"
echo 00:00:00:00:00:00 >"$R/sys/class/net/lo/address"
echo 52:54:00:AB:CD:EF >"$R/sys/class/net/eth9/address"

"$INVDUMP" -n "$R" >"$T/dump.json" 2>"$T/dump.err" ||
    fail "invdump failed: $(cat "$T/dump.err") $(jq -c .errors "$T/dump.json")"
S() {
	jq -c "$1" "$T/dump.json"
}
check() {
	_got=$(S "$1")
	[ "$_got" = "$2" ] || fail "$1 is $_got, expected $2"
}
check '.errors' '[]'
check '.sections.os' '{"pretty_name":"Debian GNU/Linux 12 (bookworm)","name":"Debian GNU/Linux","version_id":"12","version":"12 (bookworm) \"stable\"","id":"debian","kernel":"6.1.0-18-amd64","machine":"x86_64"}'
check '.sections.host' '{"hostname":"web-01","fqdn":"web-01.example.net"}'
check '.sections.cpu' '{"model":"Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz","count":2}'
check '.sections.memory' '{"total_bytes":16710053888}'
check '.sections.packages | length' 305
check '.sections.packages[0]' '{"name":"heldpkg","version":"0.9-1","arch":"all","ecosystem":"deb","source":"heldpkg"}'
check '[.sections.packages[] | select(.name == "libc6")]' '[{"name":"libc6","version":"2.36-9+deb12u4","arch":"amd64","ecosystem":"deb","source":"glibc"},{"name":"libc6","version":"2.36-9+deb12u4","arch":"i386","ecosystem":"deb","source":"glibc"}]'
check '.sections.packages[] | select(.name == "openssl") | [.version, .source]' '["3.0.11-1~deb12u2","openssl"]'
check '.sections.packages[] | select(.name == "util-linux") | .version' '"2:2.38.1-5+b1"'
check '.sections.packages[] | select(.name == "pkg-123") | .version' '"1.123-1"'
check '[.sections.packages[] | select(.name | test("oldpkg|brokenpkg|newpkg|gonepkg"))]' '[]'
check '[.sections.packages[].name] == ([.sections.packages[].name] | sort)' true
check '.sections.users' '[{"name":"root","uid":0,"gid":0,"home":"/root","shell":"/bin/bash"},{"name":"daemon","uid":1,"gid":1,"home":"/usr/sbin","shell":"/usr/sbin/nologin"},{"name":"www-data","uid":33,"gid":33,"home":"/var/www","shell":"/usr/sbin/nologin"},{"name":"alice","uid":1000,"gid":1000,"home":"/home/alice","shell":"/bin/zsh"}]'
check '.sections.groups[1]' '{"name":"adm","gid":4,"members":["syslog","alice"]}'
check '.sections.groups | length' 4
check '.sections.kernel_modules' '[{"name":"nf_tables","size":303104},{"name":"overlay","size":151552}]'
check '.sections.listening' '[{"protocol":"tcp","address":"127.0.0.1","port":22,"pid":1234,"process":"sshd"},{"protocol":"tcp6","address":"::1","port":631,"pid":null,"process":null},{"protocol":"udp","address":"0.0.0.0","port":53,"pid":99,"process":"dnsmasq"}]'
check '.sections.interfaces' '[{"name":"eth9","mac":"52:54:00:ab:cd:ef","addresses":[]},{"name":"lo","mac":"00:00:00:00:00:00","addresses":[]},{"name":"tun0","mac":null,"addresses":[]}]'
# The dpkg status (about 160 KB) is read in several steps.
[ "$(S .stats.collectors.packages.steps)" -ge 2 ] ||
    fail "packages read in one step: $(S .stats.collectors.packages)"

# With the kernel's addresses: lo of the prepared root gets 127.0.0.1/8.
"$INVDUMP" -c interfaces "$R" >"$T/if.json" || fail "invdump -c interfaces"
jq -e '.sections.interfaces[] | select(.name == "lo") | .addresses | index({"address":"127.0.0.1","prefixlen":8,"family":"inet"}) != null' \
    "$T/if.json" >/dev/null || fail "lo has no 127.0.0.1/8: $(jq -c .sections "$T/if.json")"
[ "$(jq -c '.sections | keys' "$T/if.json")" = '["interfaces"]' ] ||
    fail "-c interfaces ran other collectors"

# Garbage is refused with the file and line; the other collectors go on.
cp -R "$R" "$T/bad"
sed -i '1204s/.*/this line is not a field/' "$T/bad/var/lib/dpkg/status"
printf 'mallory:x:1001\n' >>"$T/bad/etc/passwd"
printf 'NAME="unterminated\n' >"$T/bad/etc/os-release"
echo 'zz:zz:zz:zz:zz:zz' >"$T/bad/sys/class/net/eth9/address"
if "$INVDUMP" -n "$T/bad" >"$T/bad.json" 2>/dev/null; then
	fail "invdump accepted garbage"
fi
E() {
	jq -r ".errors[] | select(.collector == \"$1\") | .error" "$T/bad.json"
}
E packages | grep -q "^$T/bad/var/lib/dpkg/status:1204: expected \"Field: value\", got \"this line is not a field\"" ||
    fail "packages error: $(E packages)"
E users | grep -q "^$T/bad/etc/passwd:6: expected 7 colon-separated fields, got 3" ||
    fail "users error: $(E users)"
E os | grep -q "^$T/bad/etc/os-release:1: NAME: unterminated double quote" ||
    fail "os error: $(E os)"
E interfaces | grep -q "^$T/bad/sys/class/net/eth9/address: not a link-layer address" ||
    fail "interfaces error: $(E interfaces)"
[ "$(jq -c '.sections | keys' "$T/bad.json")" = '["cpu","groups","host","kernel_modules","listening","memory"]' ] ||
    fail "good collectors did not go on: $(jq -c '.sections | keys' "$T/bad.json")"
"$INVDUMP" -n "$T/nonexistent" >"$T/none.json" 2>/dev/null &&
    fail "a missing root gave no error"
jq -r '.errors[].error' "$T/none.json" | grep -q "$T/nonexistent/etc/passwd: no such file" ||
    fail "missing root: $(jq -c .errors "$T/none.json")"

# This machine: the package count is what dpkg itself counts as installed
# (Status "install ok installed", abbreviated "ii", and held packages
# "hold ok installed", "hi"; removed packages whose configuration files
# remain, "rc", and half-installed ones are not installed software).
"$INVDUMP" / >"$T/host.json" || fail "scan of / failed: $(jq -c .errors "$T/host.json")"
if command -v dpkg-query >/dev/null 2>&1 && [ -f /var/lib/dpkg/status ]; then
	want=$(dpkg-query -W -f '${db:Status-Abbrev}\n' | grep -c '^[ih]i ')
	got=$(jq '[.sections.packages[] | select(.ecosystem == "deb")] | length' "$T/host.json")
	[ "$got" = "$want" ] || fail "packages: $got, dpkg-query says $want"
	note "this machine: $got deb packages installed"
fi
# Users: the entries of /etc/passwd itself (getent -s files), not NIS or LDAP.
want=$(getent -s files passwd 2>/dev/null | wc -l)
[ "$want" -gt 0 ] || want=$(grep -cv '^[+#-]' /etc/passwd)
[ "$(jq '.sections.users | length' "$T/host.json")" = "$want" ] ||
    fail "users: $(jq '.sections.users | length' "$T/host.json"), getent says $want"
[ "$(jq -r .sections.host.hostname "$T/host.json")" = "$(uname -n)" ] || fail "hostname"
[ "$(jq -r .sections.os.kernel "$T/host.json")" = "$(uname -r)" ] || fail "kernel"
[ "$(jq -r .sections.cpu.count "$T/host.json")" = "$(getconf _NPROCESSORS_CONF)" ] || fail "cpu count"

# No step holds the loop for 50 ms. A busy machine can preempt a step, so
# the best of three scans counts; each scan's longest step is printed.
best=999999
for i in 1 2 3; do
	"$INVDUMP" / >"$T/host$i.json" || fail "scan $i of /"
	ms=$(jq '.stats.longest_step_ms * 1000 | floor' "$T/host$i.json")
	note "scan $i: longest step $(jq -r '"\(.stats.longest_step_ms) ms in \(.stats.longest_step_collector), \(.stats.steps) steps, \(.stats.duration_ms) ms in all"' "$T/host$i.json")"
	[ "$ms" -lt "$best" ] && best=$ms
done
[ "$best" -lt 50000 ] || fail "the longest scan step took $best us (>= 50 ms)"
exit 0
