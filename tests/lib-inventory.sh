# tests/lib-inventory.sh: a prepared root for the inventory collectors.
# Source after tests/lib.sh.

# inventory_root DIR: make DIR a small host tree: os-release, a hostname
# and hosts file, a dpkg status with 305 installed packages (and entries
# that are not installed), passwd, group, /proc files with modules, CPUs,
# memory and sockets (with their owning processes), and /sys/class/net.
inventory_root() {
	R=$1
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
Source: util-linux (2:2.38.1-5)
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

}

# add_package DIR NAME VERSION: append an installed package to DIR's dpkg status.
add_package() {
	printf '\nPackage: %s\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\nDescription: added by a test\n' \
	    "$2" "$3" >>"$1/var/lib/dpkg/status"
}

# remove_package DIR NAME: drop every paragraph of NAME from DIR's dpkg status.
remove_package() {
	awk -v name="$2" 'BEGIN { RS = ""; ORS = "\n\n" }
	    $0 !~ ("(^|\n)Package: " name "(\n|$)") { print }' \
	    "$1/var/lib/dpkg/status" >"$1/var/lib/dpkg/status.new" &&
	    mv "$1/var/lib/dpkg/status.new" "$1/var/lib/dpkg/status"
}
