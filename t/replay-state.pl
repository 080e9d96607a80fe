#!/usr/bin/perl
# replay-state.pl FILE: writes a replay cache state file (src/wire/replay_state.h)
# that says an httpd stopped cleanly a day ago with an empty cache, mode
# 0600, owned by whoever runs this (it must be httpd's parent's user).
# A start that finds no state file must refuse every Kerberos authenticator
# that could predate it for one clock skew (NEG0813): the tests' servers,
# which start with nothing accepted before, are given this one instead.
use strict;
use warnings;

my $file = shift or die "usage: $0 FILE\n";
my $day_ago = int((time - 86400) * 1_000_000);
open(my $rnd, '<:raw', '/dev/urandom') or die "/dev/urandom: $!";
read($rnd, my $secret, 32) == 32 or die "/dev/urandom: short read";
close $rnd;
my $bytes = pack('a8 C q> q> q> q> a32 N', 'NEGRPST1', 2, $day_ago, $day_ago, 0, 0,
                 $secret, 0);
unlink "$file.tmp";
umask 077;
open(my $f, '>:raw', "$file.tmp") or die "$file.tmp: $!";
print $f $bytes or die "$file.tmp: $!";
close $f or die "$file.tmp: $!";
chmod 0600, "$file.tmp";
rename "$file.tmp", $file or die "$file: $!";
