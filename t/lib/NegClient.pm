package NegClient;
# The real clients under the tests, without Apache::Test: Heimdal kinit,
# curl with its response kept apart (headers, body, what -w printed), and
# the t/client/ scripts that print KEY=VALUE lines. Used by t/lib/NegTest.pm
# (the Apache::Test suite) and t/root/AppTest.pm (the root tests).
use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempfile);

our @EXPORT_OK = qw(%PASSWORD kinit run_curl run_client);

our %PASSWORD = (alice => 'AlicePassw0rd!', bob => 'BobPassw0rd!', carol => 'CarolPassw0rd!',
                 ALICE => 'AlicePassw0rd!');

# A forwardable ticket-granting ticket for a user of the test domain into
# the ccache file $cc (Heimdal kinit); returns $cc.
sub kinit {
    my ($user, $cc) = @_;
    open(my $k, '|-', "KRB5CCNAME=FILE:$cc kinit -f --password-file=STDIN $user\@EXAMPLE.TEST")
        or die "kinit: $!";
    print $k "$PASSWORD{$user}\n";
    close($k) or die "kinit $user failed: $?";
    return $cc;
}

# curl -s -S --max-time 20 with the final response's headers and body kept
# in temporary files, then @args (options, URLs, --next ...). Returns
# { out => what curl printed (its -w), headers => [[name, value]...] of the
# final response, all_headers => every response's header block, body }.
sub run_curl {
    my (@args) = @_;
    my (undef, $hfile) = tempfile(UNLINK => 1);
    my (undef, $bfile) = tempfile(UNLINK => 1);
    open(my $out, '-|', 'curl', '-s', '-S', '--max-time', '20', '-D', $hfile, '-o', $bfile, @args)
        or die "curl: $!";
    my $printed = do { local $/; <$out> } // '';
    close $out;
    my $raw = do { local $/; open(my $f, '<', $hfile) or die; <$f> } // '';
    my $body = do { local $/; open(my $f, '<', $bfile) or die; <$f> } // '';
    my @blocks = grep { /\S/ } split /\r?\n\r?\n/, $raw;
    my @headers;
    for my $line (split /\r?\n/, $blocks[-1] // '') {
        push @headers, [$1, $2] if $line =~ /^([^:\s]+):\s*(.*?)\s*$/;
    }
    return { out => $printed, headers => \@headers, all_headers => $raw, body => $body };
}

# Run a client that prints KEY=VALUE lines: those as a hash, plus its exit
# status as {exit}.
sub run_client {
    my @cmd = @_;
    open(my $out, '-|', @cmd) or die "$cmd[0]: $!";
    my %r;
    while (my $line = <$out>) { chomp $line; $r{$1} = $2 if $line =~ /^(\w+)=(.*)$/ }
    close $out;
    $r{exit} = $? >> 8;
    return \%r;
}

1;
