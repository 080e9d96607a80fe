# Keep-alive and NTLM (issue 15 item 4): with MaxKeepAliveRequests 2 httpd
# answers three requests on a connection. When the NTLM CHALLENGE falls on
# the third, the connection is allowed one more request (once) so that the
# AUTHENTICATE arrives on it: curl signs in on the one connection.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 8;

my $port = Apache::Test::config()->{vhosts}{neg_ka}{port};
my $base = "http://localhost:$port";

# curl: URLs in order on one connection where it can; each transfer's
# status and the connections it opened.
sub transfers {
    my (@args) = @_;
    my @cmd = ('curl', '-s', '-S', '--max-time', '20');
    for my $a (@args) {
        push @cmd, ($a eq '--next' ? ('--next', '-s', '-S') : $a);
        push @cmd, '-o', '/dev/null', '-w', '%{http_code}/%{num_connects} ' if $a =~ m{^http://};
    }
    local $ENV{KRB5CCNAME} = 'FILE:/nonexistent';
    open(my $out, '-|', @cmd) or die "curl: $!";
    my $got = do { local $/; <$out> } // '';
    close $out;
    $got =~ s/\s+$//;
    return $got;
}

my @ntlm = ('--ntlm', '-u', 'EXAMPLE\\alice:AlicePassw0rd!');

# the CHALLENGE is the second response: nothing special
my $mark = log_mark();
my $got = transfers(@ntlm, "$base/krb/whoami");
ok t_cmp($got, '200/1', 'NTLM on a fresh connection: 200 on one connection');

# two requests first: the CHALLENGE is the third response, the last one
# MaxKeepAliveRequests 2 allows
$mark = log_mark();
$got = transfers("$base/public/whoami", "$base/public/whoami", '--next', @ntlm, "$base/krb/whoami");
ok t_cmp($got, '200/1 200/0 200/0', 'CHALLENGE on the last allowed response: the handshake completes on the same connection');
my $log = log_since($mark);
ok t_cmp($log, qr/NEG0117: the handshake's challenge would have been the last response on this connection \(MaxKeepAliveRequests 2\)/,
         'logged, with what to do');
ok t_cmp($log, qr/^(?!.*NEG0304)/s, 'no AUTHENTICATE refused for want of a handshake');

# the connection still ends: the request after the handshake opens a new one
$got = transfers("$base/public/whoami", "$base/public/whoami", '--next', @ntlm, "$base/krb/whoami",
                 '--next', "$base/public/whoami");
ok t_cmp($got, '200/1 200/0 200/0 200/1', 'the connection closes after the extra request');

# Persistent-Auth after NTLM
my $r = curl('/krb/whoami', args => [@ntlm]);
my ($pa) = map { $_->[1] } grep { lc $_->[0] eq 'persistent-auth' } @{ $r->{headers} };
ok t_cmp($r->{status}, 200, 'curl --ntlm: 200');
ok t_cmp($pa // '', 'true', 'Persistent-Auth: true after NTLM');

# the start-up warning: the main server's KeepAliveTimeout is httpd's 5 s
open(my $f, "<", NegTest::error_log()) or die;
my $all = do { local $/; <$f> };
ok t_cmp($all, qr/NEG0020: NTLM is offered on \S+ with MaxKeepAliveRequests \d+ and KeepAliveTimeout 5: /,
         'start-up warning for a short KeepAliveTimeout');
