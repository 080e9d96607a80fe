#!/bin/sh
# The error catalogue (doc/errors.md) against the code (`make check`):
#  1. every NEGnnnn tag in mod_auth_negotiate.c, src/ and doctor/ has a
#     "### NEGnnnn" section in the catalogue, and every section's tag is
#     still in the code;
#  2. the tags the catalogue marks **refusal** are exactly those the status
#     page counts (neg_stat_tags in src/ops/status.c);
#  3. every tag given to neg_verdict_refuse() or put in the negotiate-error
#     note is marked **refusal**.
# Prints each difference and fails when there is one.
set -u
srcdir=${srcdir:-.}
exec perl -e '
use strict;
use warnings;
my $top = shift;
sub slurp { open(my $f, "<", $_[0]) or die "$_[0]: $!"; local $/; <$f> }
my @files = ("$top/mod_auth_negotiate.c", glob("$top/src/*/*.[ch]"), glob("$top/doctor/*.[ch]"));
my (%code, %refused);
for my $file (@files) {
    my $text = slurp($file);
    my $name = $file =~ s{^\Q$top\E/}{}r;
    $code{"NEG$2"} //= $name while $text =~ /NEG(LOGNO\()?(\d{4})/g;
    # a refusal: the tags in a neg_verdict_refuse(...) statement, or a note
    while ($text =~ /neg_verdict_refuse\s*\(([^;]*);/gs) {
        $refused{$_} //= $name for $1 =~ /"(NEG\d{4})"/g;
    }
    $refused{$1} //= $name while $text =~ /"negotiate-error",\s*"(NEG\d{4})"/g;
}
my $doc = slurp("$top/doc/errors.md");
my (%cat, %cat_refusal);
for my $sec (split /^(?=### )/m, $doc) {
    next unless $sec =~ /^### (NEG\d{4})\s*$/m;
    my $tag = $1;
    print "catalogue.sh: doc/errors.md lists $tag twice\n" if $cat{$tag}++;
    $cat_refusal{$tag} = 1 if $sec =~ /\*\*refusal\*\*/;
}
my $status = slurp("$top/src/ops/status.c");
my ($table) = $status =~ /neg_stat_tags\[\]\s*=\s*\{(.*?)\n\};/s or die "no neg_stat_tags in src/ops/status.c";
my %counted = map { $_ => 1 } $table =~ /\{\s*"(NEG\d{4})"/g;
my $bad = 0;
sub bad { print "catalogue.sh: $_[0]\n"; $bad++ }
bad("$_ (used in $code{$_}) is missing from doc/errors.md") for grep { !$cat{$_} } sort keys %code;
bad("doc/errors.md lists $_, which the code no longer uses") for grep { !$code{$_} } sort keys %cat;
bad("$_ is a refusal in doc/errors.md but not counted in src/ops/status.c (neg_stat_tags)")
    for grep { !$counted{$_} } sort keys %cat_refusal;
bad("$_ is counted in src/ops/status.c (neg_stat_tags) but not marked **refusal** in doc/errors.md")
    for grep { !$cat_refusal{$_} } sort keys %counted;
bad("$_ refuses a request ($refused{$_}) but is not marked **refusal** in doc/errors.md")
    for grep { !$cat_refusal{$_} } sort keys %refused;
printf "catalogue.sh: %d tags in the code, %d in the catalogue, %d refusals\n",
    scalar(keys %code), scalar(keys %cat), scalar(keys %cat_refusal);
exit($bad ? 1 : 0);
' "$srcdir"
