# python3-gssapi as the client: SPNEGO and raw krb5 framing; the server's
# mutual-authentication token must complete the client's context.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 14;

my $alice = kinit_user('alice');

for my $mech (qw(spnego krb5)) {
    my $r = python_gss(path => '/krb/whoami', mech => $mech, ccache => $alice);
    ok t_cmp($r->{exit}, 0, "$mech: client ran");
    ok t_cmp($r->{status}, 200, "$mech: 200");
    ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', "$mech: REMOTE_USER");
    ok t_cmp($r->{mutual}, 1, "$mech: the reply token completes the client's context");
}
# Mirror the client's framing: SPNEGO in (YII...), NegTokenResp out (oY...);
# raw krb5 in, raw AP-REP out (YI...).
my $s = python_gss(path => '/krb/whoami', mech => 'spnego', ccache => $alice);
ok t_cmp($s->{reply_prefix}, qr/^oY/, 'SPNEGO in, NegTokenResp out');
my $k = python_gss(path => '/krb/whoami', mech => 'krb5', ccache => $alice);
ok t_cmp($k->{token_prefix}, qr/^YI/, 'raw krb5 token sent');
ok t_cmp($k->{reply_prefix}, qr/^YI/, 'raw krb5 in, raw AP-REP out');

my $w = python_gss(path => '/krb/whoami', mech => 'krb5', ccache => $alice, host => 'www.example.test');
ok t_cmp($w->{status}, 200, 'raw krb5 for HTTP/www.example.test');
ok t_cmp($w->{mutual}, 1, 'with mutual authentication');

my $sh = python_gss(path => '/short/whoami', mech => 'krb5', ccache => $alice);
ok t_cmp($sh->{remote_user}, 'alice', 'short format by raw krb5');
